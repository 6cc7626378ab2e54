/**
 * `wasmotion demo` (what `npm start` runs): a local cluster on loopback, a
 * cluster manager and three hosts enrolled with a fresh token, all in this
 * process (guests run in worker threads). It shows, in order:
 *
 *   1. live migration: a guest placed by the cluster moves from host to host
 *      while it computes and prints, without a line lost or repeated;
 *   2. DRS: three busy guests started on one host are spread over the
 *      cluster by live migration;
 *   3. maintenance mode: the busiest host is emptied with its guests running.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterClient } from '../client/cluster-client.js';
import { HostClient } from '../client/host-client.js';
import { describeFailure, type MigrationEvent } from '../client/types.js';
import { deriveKeys } from '../cluster/auth.js';
import { ClusterManager } from '../cluster/manager/manager.js';
import { HostAgent } from '../host/agent.js';
import { packageRoot } from '../paths.js';

const TICKER = 'as-ticker.wasm';
const BUSY = 'counter.wasm';
const say = (line: string) => process.stdout.write(`${line}\n`);

function guestBytes(name: string): Uint8Array | undefined {
  const path = join(packageRoot(), 'build', 'guests', name);
  return existsSync(path) ? readFileSync(path) : undefined;
}

async function lastEvent(host: HostClient, migration: string): Promise<MigrationEvent> {
  let last: MigrationEvent | undefined;
  for await (const e of host.migrationEvents(migration)) last = e;
  return last!;
}

export async function demoCommand(): Promise<number> {
  const ticker = guestBytes(TICKER);
  const busy = guestBytes(BUSY);
  if (!ticker || !busy) {
    say(`demo: the guests are not built (npm run build:guests)`);
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'wasmotion-demo-'));
  const token = randomBytes(32);
  const keys = deriveKeys(token);
  const manager = await ClusterManager.start({ host: '127.0.0.1', port: 0, dataDir: dir, token, settings: { balanceIntervalMs: 0 }, heartbeatIntervalMs: 200 });
  const agents: HostAgent[] = [];
  try {
    say(`cluster manager ready at ${manager.url}`);
    for (const name of ['host1', 'host2', 'host3']) {
      const agent = await HostAgent.start({ name, host: '127.0.0.1', port: 0, secret: keys.migrationSecret, cluster: { url: manager.url, requestKey: keys.requestKey } });
      agents.push(agent);
      say(`${name} ready at ${agent.url}, enrolled`);
    }
    const cluster = new ClusterClient(manager.url);
    const code = await liveMigration(cluster, agents, ticker);
    await balancing(cluster, manager, agents, busy);
    return code;
  } finally {
    for (const a of agents) await a.close();
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function liveMigration(cluster: ClusterClient, agents: HostAgent[], ticker: Uint8Array): Promise<number> {
  say('\n1. live migration');
  const guest = await cluster.placeGuest({ module: await cluster.putModule(ticker), args: ['40'], name: 'ticker' });
  say(`guest ${guest.id} (${TICKER}) placed on ${guest.host}`);
  let at = agents.findIndex((a) => a.config.name === guest.host);
  for (let move = 0; move < 3; move++) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    const to = (at + 1) % agents.length;
    const from = new HostClient(agents[at].url);
    const done = await lastEvent(from, (await from.migrate(guest.id, { to: agents[to].url })).id);
    if (done.state !== 'completed') {
      say(`move to ${agents[to].config.name} ${done.state}: ${describeFailure(done.error)}; the guest stays on ${agents[at].config.name}`);
      continue;
    }
    say(`moved ${guest.id} ${agents[at].config.name} -> ${agents[to].config.name}: ${(done.transferred / 1048576).toFixed(1)} MiB in ${done.iteration} rounds, ${done.totalMs} ms, downtime ${done.downtimeMs!.toFixed(1)} ms`);
    at = to;
  }
  const host = new HostClient(agents[at].url);
  const end = await host.wait(guest.id);
  const chunks: Buffer[] = [];
  for await (const chunk of host.logs(guest.id)) chunks.push(chunk);
  const lines = Buffer.concat(chunks).toString().trim().split('\n');
  say(`guest exited with ${end.exitCode} on ${agents[at].config.name}; its output across the hosts (${lines.length} lines):`);
  say([...lines.slice(0, 2), '...', ...lines.slice(-2)].join('\n'));
  return end.exitCode === 0 ? 0 : 1;
}

async function balancing(cluster: ClusterClient, manager: ClusterManager, agents: HostAgent[], busy: Uint8Array): Promise<void> {
  say('\n2. DRS: three busy guests on host1');
  const first = new HostClient(agents[0].url);
  const ids: string[] = [];
  // Busy: no sleep between lines; each held to half a core, so the demo leaves the machine some room.
  const policy = { cpu: { limit: 0.5 } };
  for (let i = 0; i < 3; i++) ids.push((await first.startGuest({ module: busy, args: ['0', '1024', '0'], name: `busy${i + 1}`, policy })).id);
  // DRS balances on the CPU the hosts measured the guests to use.
  await until(() => cluster.guests().then((gs) => gs.filter((g) => ids.includes(g.id) && typeof g.cpu === 'number').length === 3));
  const pass = await cluster.balance();
  say(`imbalance ${pass.imbalanceBefore.toFixed(3)} (target ${pass.target})`);
  for (const e of pass.executed) say(`  ${e.ok ? 'moved' : 'failed'} ${e.guest} ${e.from} -> ${e.to}${e.error ? `: ${e.error}` : ''}`);
  say(`imbalance now ${(await cluster.status()).imbalance.toFixed(3)}`);

  const placement = await cluster.guests();
  const busiest = agents.map((a) => a.config.name).sort((a, b) => placement.filter((g) => g.host === b).length - placement.filter((g) => g.host === a).length)[0];
  say(`\n3. maintenance mode: emptying ${busiest}`);
  const since = manager.store.state.nextEventSeq - 1;
  await cluster.maintenance(busiest, 'enter');
  for await (const e of cluster.followEvents(since)) {
    if (e.type.startsWith('migration-') || e.type.startsWith('maintenance-')) say(`  ${e.type} ${e.message}`);
    if (e.host === busiest && ['maintenance-entered', 'maintenance-failed'].includes(e.type)) break;
  }
  for (const g of await cluster.guests()) say(`  ${g.id} ${g.name ?? ''} runs on ${g.host}`);
  await cluster.maintenance(busiest, 'exit');
  for (const g of await cluster.guests()) await new HostClient(manager.inventory.enrollment(g.host!)!.url).stop(g.id);
}

async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await probe()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}
