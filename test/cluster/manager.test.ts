// A cluster of a manager and three host processes on loopback, driven through
// the CLI: enrollment and refusal, DRS balancing by live migration, maintenance
// mode, heartbeat loss and a manager restart.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClusterEvent, ClusterGuest, ClusterHost, ClusterStatus } from '../../host-shim/client/cluster-types.js';
import { cli, cliJson, root, startProcess, until, type Running } from '../support/processes.js';

const counter = join(root, 'build', 'guests', 'counter.wasm');
/** Uses bulk memory (AssemblyScript's memory.copy/fill). */
const ticker = join(root, 'build', 'guests', 'as-ticker.wasm');
/** A guest that never waits: counts forever over a 4 MiB buffer. Its host reports a demand of one core. */
const BUSY = [counter, '--', '0', '4096', '0'];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(!existsSync(counter))('a cluster of three hosts and a manager', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmotion-cluster-test-'));
  const token = join(dir, 'token');
  let manager: Running;
  let managerArgs: string[];
  const hosts = new Map<string, Running>();
  const c = () => ['--cluster', manager.url];

  const guests = () => cliJson<ClusterGuest>(['cluster', 'guests', ...c()]);
  const clusterHosts = () => cliJson<ClusterHost>(['cluster', 'hosts', ...c()]);
  const events = () => cliJson<ClusterEvent>(['cluster', 'events', ...c()]);

  beforeAll(async () => {
    writeFileSync(token, randomBytes(32));
    const port = await freePort();
    managerArgs = ['cluster', 'start', '--listen', `127.0.0.1:${port}`, '--data-dir', join(dir, 'manager'), '--token', token, '--balance-interval', '0', '--heartbeat-interval', '300'];
    manager = await startProcess(managerArgs);
    for (const name of ['h1', 'h2', 'h3']) {
      hosts.set(name, await startProcess(['host', 'start', '--listen', '127.0.0.1:0', '--name', name, '--data-dir', join(dir, name), '--cluster', manager.url, '--token', token]));
    }
  }, 60_000);

  afterAll(() => {
    for (const h of hosts.values()) h.proc.kill('SIGKILL');
    manager?.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('hosts enroll, report their capacity and heartbeat', async () => {
    const list = await until('three connected hosts', () => {
      const l = clusterHosts();
      return l.length === 3 && l.every((h) => h.connection === 'connected' && h.lastHeartbeat) && l;
    });
    expect(list.map((h) => h.name).sort()).toEqual(['h1', 'h2', 'h3']);
    for (const h of list) {
      expect(h.capacity.cpu).toBeGreaterThan(0);
      expect(h.url).toBe(hosts.get(h.name)!.url);
    }
  });

  test('a host without the cluster token is refused, and the refusal is logged', () => {
    const wrong = join(dir, 'wrong-token');
    writeFileSync(wrong, randomBytes(32));
    const r = cli(['host', 'start', '--listen', '127.0.0.1:0', '--name', 'intruder', '--cluster', manager.url, '--token', wrong], 30_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('WASMOTION_ERR_UNAUTHENTICATED');
    expect(events().some((e) => e.type === 'host-refused')).toBe(true);
    expect(clusterHosts().map((h) => h.name)).not.toContain('intruder');
  });

  test('skewed load is brought under the threshold by live migration, no guest lost', async () => {
    const ids: string[] = [];
    // Three busy guests on one of three hosts: one per host is the balance the threshold asks for.
    for (let i = 0; i < 3; i++) {
      const r = cli(['guest', 'start', '--host', hosts.get('h1')!.url, ...BUSY]);
      expect(r.code, r.stderr).toBe(0);
      ids.push(r.stdout.trim());
    }
    await until('the three guests on h1 in the inventory', () => guests().filter((g) => g.host === 'h1').length === 3);
    const before = cliJson<ClusterStatus>(['cluster', 'status', ...c()])[0];
    expect(before.imbalance).toBeGreaterThan(before.target);

    const r = cli(['cluster', 'balance', ...c(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const pass = JSON.parse(r.stdout);
    expect(pass.executed.length).toBeGreaterThan(0);
    for (const move of pass.executed) expect(move.ok, move.error).toBe(true);

    const after = await until('the hosts to report the moves', () => {
      const s = cliJson<ClusterStatus>(['cluster', 'status', ...c()])[0];
      return guests().filter((g) => g.host === 'h1').length < 3 && s;
    });
    expect(after.imbalance).toBeLessThanOrEqual(after.target);
    const running = guests();
    expect(running.map((g) => g.id).sort()).toEqual([...ids].sort());
    expect(running.every((g) => g.state === 'running')).toBe(true);
    expect(new Set(running.map((g) => g.host)).size).toBeGreaterThan(1);
    expect(events().filter((e) => e.type === 'migration-completed').length).toBe(pass.executed.length);
  }, 120_000);

  test('a guest started through the cluster goes to the least loaded host', async () => {
    // One more busy guest on h1 and on h2 leaves h3 clearly the least loaded.
    const extra = ['h1', 'h2'].map((h) => {
      const r = cli(['guest', 'start', '--host', hosts.get(h)!.url, ...BUSY]);
      expect(r.code, r.stderr).toBe(0);
      return { host: h, id: r.stdout.trim() };
    });
    await until('the extra guests measured', () => {
      const measured = guests().filter((g) => extra.some((e) => e.id === g.id) && g.cpu !== null);
      return measured.length === 2;
    });
    const r = cli(['guest', 'start', ...c(), counter, '--', '0', '64', '50']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('placed on h3');
    await until('the placed guest to be reported', () => guests().some((g) => g.id === r.stdout.trim() && g.host === 'h3'));
    for (const e of extra) expect(cli(['guest', 'stop', e.id, '--host', hosts.get(e.host)!.url]).code).toBe(0);
  }, 60_000);

  test('maintenance that cannot be carried out is refused, naming the guest and the reason', async () => {
    const pinned = guests().find((g) => g.host === 'h2')!;
    writeFileSync(join(dir, 'rules.json'), JSON.stringify([{ kind: 'host-must', name: 'pin', guests: [pinned.id], hosts: ['h2'] }]));
    expect(cli(['cluster', 'rules', ...c(), '--set', join(dir, 'rules.json')]).code).toBe(0);
    const r = cli(['host', 'maintenance', 'enter', 'h2', ...c()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('WASMOTION_ERR_MAINTENANCE_BLOCKED');
    expect(r.stderr).toContain(pinned.id);
    expect(clusterHosts().find((h) => h.name === 'h2')!.maintenance).toBe('none');
    writeFileSync(join(dir, 'rules.json'), '[]');
    expect(cli(['cluster', 'rules', ...c(), '--set', join(dir, 'rules.json')]).code).toBe(0);
  });

  test('maintenance mode empties a host by live migration; its guests keep running', async () => {
    const before = guests();
    const busiest = ['h1', 'h2', 'h3'].sort((a, b) => before.filter((g) => g.host === b).length - before.filter((g) => g.host === a).length)[0];
    const leaving = before.filter((g) => g.host === busiest).map((g) => g.id);
    expect(leaving.length).toBeGreaterThan(0);

    const r = cli(['host', 'maintenance', 'enter', busiest, ...c()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`${busiest} in-maintenance`);
    const after = guests();
    expect(after.filter((g) => g.host === busiest)).toEqual([]);
    expect(after.map((g) => g.id).sort()).toEqual(before.map((g) => g.id).sort());
    expect(after.every((g) => g.state === 'running')).toBe(true);
    expect(clusterHosts().find((h) => h.name === busiest)!.maintenance).toBe('in-maintenance');

    // A host in maintenance takes no new guest.
    const placed = cli(['guest', 'start', ...c(), counter, '--', '0', '64', '50']);
    expect(placed.code, placed.stderr).toBe(0);
    expect(placed.stderr).not.toContain(`placed on ${busiest}`);

    expect(cli(['host', 'maintenance', 'exit', busiest, ...c()]).code).toBe(0);
    expect(clusterHosts().find((h) => h.name === busiest)!.maintenance).toBe('none');
  }, 120_000);

  test('EVC: a wasm1 host is refused by a wasm2 cluster', () => {
    const r = cli(['host', 'start', '--listen', '127.0.0.1:0', '--name', 'old', '--features', 'wasm1', '--cluster', manager.url, '--token', token], 30_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('WASMOTION_ERR_ENROLL_REFUSED');
    expect(r.stderr).toMatch(/host old cannot present wasm2: it lacks .*bulk-memory/);
    expect(events().some((e) => e.type === 'host-refused' && e.host === 'old')).toBe(true);
    expect(clusterHosts().map((h) => h.name)).not.toContain('old');
  });

  test('EVC: the baseline is lowered only while no running guest uses what goes; under wasm1 a bulk-memory guest is refused', async () => {
    const bulk = cli(['guest', 'start', ...c(), ticker, '--', '100000']);
    expect(bulk.code, bulk.stderr).toBe(0);
    const id = bulk.stdout.trim();
    await until('the bulk-memory guest to be reported', () => guests().some((g) => g.id === id));
    const refused = cli(['cluster', 'config', ...c(), '--baseline', 'wasm1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('WASMOTION_ERR_BASELINE_CHANGE');
    expect(refused.stderr).toContain(id);

    const host = guests().find((g) => g.id === id)!.host!;
    expect(cli(['guest', 'stop', id, '--host', hosts.get(host)!.url]).code).toBe(0);
    await until('the guest to end', () => !guests().some((g) => g.id === id));
    const lowered = cli(['cluster', 'config', ...c(), '--baseline', 'wasm1', '--json']);
    expect(lowered.code, lowered.stderr).toBe(0);
    expect(JSON.parse(lowered.stdout).baseline).toBe('wasm1');

    const again = cli(['guest', 'start', ...c(), ticker, '--', '10']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('WASMOTION_ERR_FEATURES_MISSING');
    expect(again.stderr).toContain('bulk-memory, outside wasm1');
    // Guests that fit still start, and run under the cluster's baseline.
    const fitting = cli(['guest', 'start', ...c(), '--json', counter, '--', '0', '64', '50']);
    expect(fitting.code, fitting.stderr).toBe(0);
    expect(JSON.parse(fitting.stdout).baseline).toBe('wasm1');

    // Raising is allowed: every host presents wasm2.
    expect(cli(['cluster', 'config', ...c(), '--baseline', 'wasm2']).code).toBe(0);
  }, 60_000);

  test('a host that stops heartbeating is disconnected and its guests are reported', async () => {
    const victim = guests().find((g) => g.host !== undefined)!.host!;
    const itsGuests = guests().filter((g) => g.host === victim).map((g) => g.id);
    // A loaded machine can delay a live host's heartbeats past the timeout: only an event after the kill counts.
    const before = Math.max(0, ...events().map((e) => e.seq));
    hosts.get(victim)!.proc.kill('SIGKILL');
    hosts.delete(victim);
    const event = await until('the disconnection event', () => events().find((e) => e.seq > before && e.type === 'host-disconnected' && e.host === victim));
    expect((event.detail as { guests: string[] }).guests.sort()).toEqual(itsGuests.sort());
    for (const id of itsGuests) expect(event.message).toContain(id);
    expect(clusterHosts().find((h) => h.name === victim)!.connection).toBe('disconnected');
  });

  test('the manager keeps its state across a restart, and hosts report to it again', async () => {
    cli(['cluster', 'config', ...c(), '--threshold', '4']);
    manager.proc.kill('SIGTERM');
    await new Promise((resolve) => manager.proc.once('exit', resolve));
    manager = await startProcess(managerArgs);
    const status = cliJson<ClusterStatus>(['cluster', 'status', ...c()])[0];
    expect(status.config.threshold).toBe(4);
    const list = await until('the live hosts to heartbeat again', () => {
      const l = clusterHosts();
      return l.filter((h) => h.connection === 'connected').length === hosts.size && l;
    });
    expect(list).toHaveLength(3);
    expect(events().some((e) => e.type === 'host-enrolled')).toBe(true);
  }, 60_000);
});
