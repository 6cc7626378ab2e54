/**
 * Strict checks of the manager's request bodies: unknown keys, wrong types
 * and out-of-range numbers are refused with WASMOTION_ERR_USAGE (400) naming
 * the field, before anything changes.
 */
import type { ClusterConfig, Enrollment, PlaceGuestRequest, Rule } from '../../client/cluster-types.js';
import { parsePolicy } from '../../host/policy.js';
import { HttpError } from '../../host/http.js';
import { checkDiskBytes } from '../../wasi/disk.js';

const AUTOMATION = ['manual', 'partially-automated', 'fully-automated'];
const RULE_KINDS = ['affinity', 'anti-affinity', 'host-must', 'host-should'];
const SHA256_HEX = /^[0-9a-f]{64}$/;

function refuse(message: string): never {
  throw new HttpError(400, 'WASMOTION_ERR_USAGE', message);
}

function onlyKeys(value: object, allowed: string[], what: string): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) refuse(`${what} has unknown key ${JSON.stringify(key)} (allowed: ${allowed.join(', ')})`);
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') refuse(`${what} must be a non-empty string`);
  return value;
}

function number(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) refuse(`${what} must be a number from ${min} to ${max}`);
  return value;
}

function strings(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) refuse(`${what} must be an array of strings`);
  return value as string[];
}

export function checkEnrollment(body: Record<string, unknown>): Enrollment {
  onlyKeys(body, ['name', 'url', 'engine', 'version', 'features', 'capabilities', 'capacity', 'switch', 'sharedDir'], 'the enrollment');
  const capacity = body.capacity as Record<string, unknown> | undefined;
  if (typeof capacity !== 'object' || capacity === null) refuse('"capacity" must be {"cpu", "memory"}');
  onlyKeys(capacity, ['cpu', 'memory'], '"capacity"');
  return {
    name: text(body.name, '"name"'),
    url: text(body.url, '"url"'),
    engine: text(body.engine, '"engine"'),
    version: text(body.version, '"version"'),
    features: strings(body.features, '"features"'),
    capabilities: strings(body.capabilities ?? [], '"capabilities"'),
    capacity: { cpu: number(capacity.cpu, '"capacity.cpu"', 0.01), memory: number(capacity.memory, '"capacity.memory"', 1) },
    switch: body.switch == null ? null : text(body.switch, '"switch"'),
    sharedDir: body.sharedDir == null ? null : text(body.sharedDir, '"sharedDir"'),
  };
}

export function checkSettings(body: Record<string, unknown>): Partial<ClusterConfig> {
  onlyKeys(body, ['baseline', 'threshold', 'automation', 'balanceIntervalMs'], 'the settings');
  const change: Partial<ClusterConfig> = {};
  if (body.baseline !== undefined) change.baseline = text(body.baseline, '"baseline"');
  if (body.threshold !== undefined) {
    if (!Number.isInteger(body.threshold)) refuse('"threshold" must be an integer from 1 to 5');
    change.threshold = number(body.threshold, '"threshold"', 1, 5) as ClusterConfig['threshold'];
  }
  if (body.automation !== undefined) {
    if (!AUTOMATION.includes(body.automation as string)) refuse(`"automation" must be one of ${AUTOMATION.join(', ')}`);
    change.automation = body.automation as ClusterConfig['automation'];
  }
  if (body.balanceIntervalMs !== undefined) change.balanceIntervalMs = Math.floor(number(body.balanceIntervalMs, '"balanceIntervalMs"', 0));
  return change;
}

export function checkRules(value: unknown): Rule[] {
  if (!Array.isArray(value)) refuse('the rules must be a JSON array');
  const names = new Set<string>();
  return value.map((rule: Record<string, unknown>, i) => {
    if (typeof rule !== 'object' || rule === null) refuse(`rule ${i} is not an object`);
    const kind = rule.kind as string;
    if (!RULE_KINDS.includes(kind)) refuse(`rule ${i}: "kind" must be one of ${RULE_KINDS.join(', ')}`);
    const withHosts = kind === 'host-must' || kind === 'host-should';
    onlyKeys(rule, withHosts ? ['kind', 'name', 'guests', 'hosts'] : ['kind', 'name', 'guests'], `rule ${i}`);
    const name = text(rule.name, `rule ${i} "name"`);
    if (names.has(name)) refuse(`two rules are named ${name}`);
    names.add(name);
    const guests = strings(rule.guests, `rule ${name} "guests"`);
    if (guests.length === 0) refuse(`rule ${name} names no guests`);
    if (!withHosts) return { kind, name, guests } as Rule;
    const hosts = strings(rule.hosts, `rule ${name} "hosts"`);
    if (hosts.length === 0) refuse(`rule ${name} names no hosts`);
    return { kind, name, guests, hosts } as Rule;
  });
}

export function checkPlacement(body: Record<string, unknown>): PlaceGuestRequest & { host?: string } {
  onlyKeys(body, ['module', 'args', 'env', 'name', 'policy', 'baseline', 'host', 'listen', 'disk', 'diskShared'], 'the guest');
  const module = text(body.module, '"module"');
  if (!SHA256_HEX.test(module)) refuse('"module" must be the sha256 of an uploaded module');
  const request: PlaceGuestRequest & { host?: string } = { module };
  if (body.args !== undefined) request.args = strings(body.args, '"args"');
  if (body.env !== undefined) {
    const env = body.env as Record<string, unknown>;
    if (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((v) => typeof v === 'string')) refuse('"env" must map names to strings');
    request.env = env as Record<string, string>;
  }
  if (body.name !== undefined) request.name = text(body.name, '"name"');
  if (body.policy !== undefined) request.policy = parsePolicy(body.policy);
  if (body.baseline !== undefined) request.baseline = text(body.baseline, '"baseline"');
  if (body.host !== undefined) request.host = text(body.host, '"host"');
  if (body.listen !== undefined) {
    if (!Number.isInteger(body.listen)) refuse('"listen" must be a port number (0 lets the switch pick one)');
    request.listen = number(body.listen, '"listen"', 0, 65535);
  }
  if (body.disk !== undefined) {
    if (!Number.isSafeInteger(body.disk)) refuse('"disk" must be a size in bytes');
    request.disk = checkDiskBytes('"disk"', body.disk as number);
  }
  if (body.diskShared !== undefined) {
    if (typeof body.diskShared !== 'boolean') refuse('"diskShared" must be true or false');
    if (body.diskShared && request.disk === undefined) refuse('"diskShared" goes with "disk"');
    if (body.diskShared) request.diskShared = true;
  }
  return request;
}
