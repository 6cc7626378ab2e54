/**
 * `wasmotion cluster ...`, `host maintenance ...` and `guest start --cluster`:
 * the operator's side of the cluster manager (docs/cluster.md).
 */
import { apiTokenOption } from '../net/api-token.js';
import { readFile } from 'node:fs/promises';
import { UsageError, WasmotionError } from '../errors.js';
import { ClusterClient, type MaintenanceAction } from '../client/cluster-client.js';
import type { ClusterConfig, ClusterEvent, GuestPolicy, Rule } from '../client/cluster-types.js';
import { out } from './host.js';
import { jsonLine } from './render.js';
import { balanceSummary, clusterGuestsTable, eventLine, executedLines, hostsTable, statusDetails } from './cluster-render.js';
import { parseEnv } from './run.js';
import { parsePort, parseSize } from './values.js';
import { checkDiskBytes } from '../wasi/disk.js';

export const DEFAULT_CLUSTER_URL = 'http://127.0.0.1:7100';

export interface ClusterOptions {
  cluster?: string;
  apiTokenFile?: string;
  json?: boolean;
}

export function clusterClient(options: ClusterOptions): ClusterClient {
  return new ClusterClient(options.cluster ?? (process.env.WASMOTION_CLUSTER || undefined) ?? DEFAULT_CLUSTER_URL, { apiToken: apiTokenOption(options.apiTokenFile) });
}

export async function clusterStatusCommand(options: ClusterOptions): Promise<number> {
  const s = await clusterClient(options).status();
  await out(options.json ? jsonLine(s) : statusDetails(s));
  return 0;
}

export async function clusterHostsCommand(options: ClusterOptions): Promise<number> {
  const hosts = await clusterClient(options).hosts();
  await out(options.json ? hosts.map(jsonLine).join('') : hosts.length ? hostsTable(hosts) : '');
  return 0;
}

export async function clusterGuestsCommand(options: ClusterOptions): Promise<number> {
  const guests = await clusterClient(options).guests();
  await out(options.json ? guests.map(jsonLine).join('') : guests.length ? clusterGuestsTable(guests) : '');
  return 0;
}

export async function clusterEventsCommand(options: ClusterOptions & { follow?: boolean; since?: string }): Promise<number> {
  const client = clusterClient(options);
  const since = options.since === undefined ? 0 : Number(options.since);
  if (!Number.isSafeInteger(since) || since < 0) throw new UsageError('--since must be an event number');
  const show = (e: ClusterEvent) => out(options.json ? jsonLine(e) : eventLine(e));
  if (!options.follow) {
    for (const e of await client.events(since)) await show(e);
    return 0;
  }
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    for await (const e of client.followEvents(since, { signal: abort.signal })) await show(e);
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  }
  return 0;
}

export async function clusterConfigCommand(options: ClusterOptions & { baseline?: string; threshold?: string; automation?: string; balanceInterval?: string }): Promise<number> {
  const change: Partial<ClusterConfig> = {};
  if (options.baseline !== undefined) change.baseline = options.baseline;
  if (options.threshold !== undefined) change.threshold = Number(options.threshold) as ClusterConfig['threshold'];
  if (options.automation !== undefined) change.automation = options.automation as ClusterConfig['automation'];
  if (options.balanceInterval !== undefined) change.balanceIntervalMs = Number(options.balanceInterval);
  const client = clusterClient(options);
  if (Object.keys(change).length) await client.setConfig(change);
  const status = await client.status();
  await out(options.json ? jsonLine(status.config) : statusDetails(status));
  return 0;
}

export async function clusterRulesCommand(options: ClusterOptions & { set?: string }): Promise<number> {
  const client = clusterClient(options);
  let rules: Rule[];
  if (options.set !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(options.set, 'utf8'));
    } catch (err) {
      throw new UsageError(`cannot read the rules in ${options.set}: ${(err as Error).message}`);
    }
    rules = await client.setRules(parsed as Rule[]);
  } else {
    rules = (await client.status()).rules;
  }
  await out(options.json ? rules.map(jsonLine).join('') : rules.map(ruleLine).join(''));
  return 0;
}

function ruleLine(r: Rule): string {
  return `${r.name} ${r.kind} guests=${r.guests.join(',')}${'hosts' in r ? ` hosts=${r.hosts.join(',')}` : ''}\n`;
}

export async function clusterBalanceCommand(options: ClusterOptions & { apply?: boolean }): Promise<number> {
  const client = clusterClient(options);
  if (options.apply) {
    const { executed } = await client.applyRecommendations();
    await out(options.json ? executed.map(jsonLine).join('') : executedLines(executed));
    return executed.every((e) => e.ok) ? 0 : 1;
  }
  const result = await client.balance();
  await out(options.json ? jsonLine(result) : balanceSummary(result));
  return result.executed.every((e) => e.ok) ? 0 : 1;
}

/**
 * `host maintenance enter|exit|cancel NAME`. Entering follows the evacuation
 * (one line per event on stderr, or NDJSON with --json) until the host is in
 * maintenance, or the evacuation failed or was cancelled.
 */
export async function maintenanceCommand(action: MaintenanceAction, host: string, options: ClusterOptions): Promise<number> {
  const client = clusterClient(options);
  const since = action === 'enter' ? Math.max(0, ...(await client.events(0)).map((e) => e.seq)) : 0;
  const report = await client.maintenance(host, action);
  if (action !== 'enter') {
    await out(options.json ? jsonLine(report) : `${host} ${report.state}\n`);
    return 0;
  }
  if (!options.json) process.stderr.write(`${host}: ${report.moves.length} guest(s) to move\n`);
  for await (const e of client.followEvents(since)) {
    if (e.host !== host && !report.moves.some((m) => m.guest === e.guest)) continue;
    if (options.json) await out(jsonLine(e));
    else process.stderr.write(eventLine(e));
    if (e.host !== host) continue;
    if (e.type === 'maintenance-entered') {
      if (!options.json) await out(`${host} in-maintenance\n`);
      return 0;
    }
    if (e.type === 'maintenance-failed' || e.type === 'maintenance-cancelled') throw new WasmotionError('WASMOTION_ERR_MAINTENANCE_FAILED', e.message);
  }
  throw new WasmotionError('WASMOTION_ERR_MAINTENANCE_FAILED', 'the manager closed the event stream before the host was empty');
}

export interface ClusterGuestStartOptions extends ClusterOptions {
  env: string[];
  name?: string;
  on?: string;
  baseline?: string;
  policy?: GuestPolicy;
  listen?: string;
  disk?: string;
  diskShared?: boolean;
}

/**
 * `guest start --cluster URL GUEST.wasm`: the cluster places the guest;
 * prints its id (and, on stderr, where it went and where its service is
 * published).
 */
export async function clusterGuestStartCommand(path: string, args: string[], options: ClusterGuestStartOptions): Promise<number> {
  const listen = options.listen !== undefined ? parsePort('--listen', options.listen) : undefined;
  const disk = options.disk !== undefined ? checkDiskBytes('--disk', parseSize(options.disk)) : undefined;
  if (options.diskShared && disk === undefined) throw new UsageError('--disk-shared goes with --disk SIZE');
  const client = clusterClient(options);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const module = await client.putModule(bytes);
  const env = options.env.length ? parseEnv(options.env) : undefined;
  const guest = await client.placeGuest({ module, args, env, name: options.name, host: options.on, baseline: options.baseline, policy: options.policy, listen, disk, diskShared: options.diskShared || undefined });
  if (!options.json) process.stderr.write(`${guest.id} placed on ${guest.host}\n`);
  if (!options.json && guest.service) process.stderr.write(`wasmotion: ${guest.id} serves at ${guest.service.address}\n`);
  await out(options.json ? jsonLine(guest) : `${guest.id}\n`);
  return 0;
}
