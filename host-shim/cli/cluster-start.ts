/**
 * `wasmotion cluster start`: runs the cluster manager until SIGINT or SIGTERM.
 * Prints `cluster ready at URL` on stdout once it accepts requests; its event
 * log (one timestamped line per event) goes to stderr. The token file is
 * created (32 random bytes, mode 0600) when it does not exist yet: copy it to
 * every host.
 */
import { ApiToken } from '../net/api-token.js';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { ClusterConfig } from '../client/cluster-types.js';
import { readToken } from '../cluster/auth.js';
import { ClusterManager } from '../cluster/manager/manager.js';
import { parseListen } from './host-start.js';
import { eventLine } from './cluster-render.js';

export interface ClusterStartOptions {
  listen: string;
  dataDir: string;
  token: string;
  baseline?: string;
  threshold?: string;
  automation?: string;
  balanceInterval?: string;
  heartbeatInterval?: string;
  apiTokenFile?: string;
}

function positiveInteger(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${option} must be a positive integer`);
  return n;
}

function settingsFrom(options: ClusterStartOptions): Partial<ClusterConfig> {
  const threshold = positiveInteger(options.threshold, '--threshold');
  if (threshold !== undefined && threshold > 5) throw new UsageError('--threshold must be 1 to 5');
  const interval = options.balanceInterval === undefined ? undefined : Number(options.balanceInterval);
  if (interval !== undefined && !(Number.isInteger(interval) && interval >= 0)) throw new UsageError('--balance-interval must be milliseconds (0 turns automatic passes off)');
  return {
    baseline: options.baseline,
    threshold: threshold as ClusterConfig['threshold'] | undefined,
    automation: options.automation as ClusterConfig['automation'] | undefined,
    balanceIntervalMs: interval,
  };
}

export async function clusterStartCommand(options: ClusterStartOptions): Promise<number> {
  const { host, port } = parseListen(options.listen);
  if (!existsSync(options.token)) writeFileSync(options.token, randomBytes(32), { mode: 0o600, flag: 'wx' });
  const manager = await ClusterManager.start({
    host,
    port,
    dataDir: options.dataDir,
    token: readToken(options.token),
    settings: settingsFrom(options),
    heartbeatIntervalMs: positiveInteger(options.heartbeatInterval, '--heartbeat-interval'),
    apiToken: options.apiTokenFile !== undefined ? ApiToken.fromFile(options.apiTokenFile) : undefined,
  });
  for (const e of manager.events.since(0).slice(-1)) process.stderr.write(eventLine(e));
  const abort = new AbortController();
  void (async () => {
    for await (const e of manager.events.follow(manager.store.state.nextEventSeq - 1, abort.signal)) process.stderr.write(eventLine(e));
  })();
  process.stdout.write(`cluster ready at ${manager.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  abort.abort();
  await manager.close();
  return 0;
}
