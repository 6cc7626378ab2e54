/**
 * A guest's resource policy (docs/host-api.md): CPU in cores, memory in
 * bytes. Reservations are guaranteed (admission control refuses a guest
 * whose reservations do not fit), limits are caps (the CPU scheduler's duty
 * cycle, the guest's largest memory), shares weigh guests against each other
 * when CPU is short. One parser reads the API body and the migration HELLO,
 * strictly: unknown keys and impossible values are refused.
 */
import { UsageError } from '../errors.js';
import { DEFAULT_SHARES, type Resources } from '../cluster/drs/model.js';

export interface GuestPolicy {
  /** `limit` null: as much as the guest can use (one core: a guest is one thread). */
  cpu: { reservation: number; limit: number | null; shares: number };
  /** `limit` null: the host's largest guest memory. */
  memory: { reservation: number; limit: number | null };
}

/** A guest runs on one thread: it never uses more than one core. */
export const MAX_GUEST_CPU = 1;
/** The smallest CPU limit: below it a guest would sleep for seconds after each slice. */
export const MIN_CPU_LIMIT = 0.01;

export const DEFAULT_POLICY: GuestPolicy = {
  cpu: { reservation: 0, limit: null, shares: DEFAULT_SHARES },
  memory: { reservation: 0, limit: null },
};

function fail(message: string): never {
  throw new UsageError(message);
}

function objectWith(value: unknown, keys: string[], what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`"${what}" must be an object`);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) fail(`"${what}" has unknown key ${JSON.stringify(key)} (allowed: ${keys.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

function number(value: unknown, what: string, check: (n: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) fail(`"${what}" must be ${expected}, got ${JSON.stringify(value)}`);
  return value;
}

const cores = (value: unknown, what: string) => number(value, what, (n) => n >= 0 && n <= MAX_GUEST_CPU, 'a number of cores from 0 to 1 (a guest is one thread)');
const bytes = (value: unknown, what: string) => number(value, what, (n) => Number.isSafeInteger(n) && n >= 0, 'a whole number of bytes');

function cpuPart(value: unknown): GuestPolicy['cpu'] {
  const d = DEFAULT_POLICY.cpu;
  if (value === undefined) return { ...d };
  const o = objectWith(value, ['reservation', 'limit', 'shares'], 'policy.cpu');
  const reservation = o.reservation === undefined ? d.reservation : cores(o.reservation, 'policy.cpu.reservation');
  const limit = o.limit === undefined || o.limit === null ? null : cores(o.limit, 'policy.cpu.limit');
  const shares = o.shares === undefined ? d.shares : number(o.shares, 'policy.cpu.shares', (n) => n > 0, 'a number above 0');
  if (limit !== null && limit < MIN_CPU_LIMIT) fail(`"policy.cpu.limit" must be at least ${MIN_CPU_LIMIT} cores, got ${limit}`);
  if (limit !== null && reservation > limit) fail(`"policy.cpu.reservation" (${reservation}) is above "policy.cpu.limit" (${limit})`);
  return { reservation, limit, shares };
}

function memoryPart(value: unknown): GuestPolicy['memory'] {
  if (value === undefined) return { ...DEFAULT_POLICY.memory };
  const o = objectWith(value, ['reservation', 'limit'], 'policy.memory');
  const reservation = o.reservation === undefined ? 0 : bytes(o.reservation, 'policy.memory.reservation');
  const limit = o.limit === undefined || o.limit === null ? null : bytes(o.limit, 'policy.memory.limit');
  if (limit !== null && limit < 65536) fail(`"policy.memory.limit" (${limit}) is below one wasm page (65536 bytes)`);
  if (limit !== null && reservation > limit) fail(`"policy.memory.reservation" (${reservation}) is above "policy.memory.limit" (${limit})`);
  return { reservation, limit };
}

/** The policy in an API body or a HELLO, with defaults for what it leaves out; UsageError if it is malformed. */
export function parsePolicy(value: unknown): GuestPolicy {
  if (value === undefined || value === null) return { cpu: { ...DEFAULT_POLICY.cpu }, memory: { ...DEFAULT_POLICY.memory } };
  const o = objectWith(value, ['cpu', 'memory'], 'policy');
  return { cpu: cpuPart(o.cpu), memory: memoryPart(o.memory) };
}

/** What the guest holds of its host's capacity whether it uses it or not. */
export function reservationOf(policy: GuestPolicy): Resources {
  return { cpu: policy.cpu.reservation, memory: policy.memory.reservation };
}

/** The guest's largest memory in 64 KiB pages: its memory limit, within the host's. */
export function maxMemoryPagesOf(policy: GuestPolicy, hostPages: number): number {
  return policy.memory.limit === null ? hostPages : Math.min(hostPages, Math.floor(policy.memory.limit / 65536));
}
