// Guests with a disk and a service in a cluster, each part its own process:
// a manager, a switch, two hosts joined to the switch and one that is not.
// The manager places a guest with --disk and --listen only where its disk
// fits and its service can be published, and maintenance and DRS move it
// live between the switch's hosts: its files and its clients' connections
// survive every move.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClusterGuest, ClusterHost, ClusterStatus } from '../../host-shim/client/cluster-types.js';
import { KvClient } from '../../tools/bench-service/kv-client.js';
import type { Writes } from '../../tools/bench-service/load.js';
import { checkLog } from '../../tools/bench-service/log-check.js';
import { cli, cliAsync, cliJson, root, startProcess, stopProcesses, until, type Running } from '../support/processes.js';

const kvserver = join(root, 'build', 'guests', 'kvserver.wasm');
const counter = join(root, 'build', 'guests', 'counter.wasm');
/** Its writes go to a log on its disk (/data, fd 3); its listener is then fd 4. */
const KV_ARGS = ['--', '--log', '/data/kv.log', '4'];
const DISK = 16 << 20;
/** Every host offers this much memory: a 1 GiB disk fits on none of them. */
const HOST_MEMORY = '768MiB';

describe.skipIf(!existsSync(kvserver))('guests with a disk and a service in a cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmotion-cluster-devices-'));
  const token = join(dir, 'token');
  const processes: Running[] = [];
  const hostUrls = new Map<string, string>();
  let manager: string;
  let endpoint: string;
  const c = () => ['--cluster', manager];
  const guests = () => cliJson<ClusterGuest>(['cluster', 'guests', ...c()]);
  const guestById = (id: string) => guests().find((g) => g.id === id);

  /** The writes of one client, as the log check expects them. */
  const writes: Map<string, Writes> = new Map([['p0', { lines: [], acked: 0 }]]);
  let client: KvClient;
  let id: string;
  let address: string;
  let written = 0;

  /** `n` writes in a row on the held connection, each checked. */
  async function write(n: number): Promise<void> {
    const w = writes.get('p0')!;
    for (let i = 0; i < n; i++, written++) {
      const line = `SET p0:${written % 50} ${written}`;
      w.lines.push(line);
      expect(await client.request(line)).toBe('OK');
      w.acked++;
    }
  }

  /** The guest's log, read back through its service, holds exactly the writes made. */
  async function expectFilesIntact(): Promise<void> {
    const report = await checkLog(client, writes);
    expect(report.problems).toEqual([]);
    expect(report.entries).toBe(written);
  }

  beforeAll(async () => {
    writeFileSync(token, randomBytes(32));
    const started = async (args: string[]) => {
      const p = await startProcess(args);
      processes.push(p);
      return p.url;
    };
    manager = await started(['cluster', 'start', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'manager'), '--token', token, '--balance-interval', '0', '--heartbeat-interval', '300']);
    endpoint = await started(['switch', 'start', '--listen', '127.0.0.1:0', '--token', token]);
    for (const name of ['s1', 's2', 'plain']) {
      const joined = name === 'plain' ? [] : ['--switch', endpoint];
      hostUrls.set(name, await started(['host', 'start', '--listen', '127.0.0.1:0', '--name', name, '--data-dir', join(dir, name), '--memory', HOST_MEMORY, '--cluster', manager, '--token', token, ...joined]));
    }
    await until('three connected hosts', () => cliJson<ClusterHost>(['cluster', 'hosts', ...c()]).filter((h) => h.connection === 'connected').length === 3);
  }, 90_000);

  afterAll(async () => {
    client?.destroy();
    await stopProcesses(processes);
    rmSync(dir, { recursive: true, force: true });
  });

  test('hosts report the switch they are joined to', () => {
    const hosts = new Map(cliJson<ClusterHost>(['cluster', 'hosts', ...c()]).map((h) => [h.name, h]));
    expect(hosts.get('s1')!.switch).toBe(endpoint);
    expect(hosts.get('s2')!.switch).toBe(endpoint);
    expect(hosts.get('plain')!.switch).toBeNull();
    expect(cli(['cluster', 'hosts', ...c()]).stdout).toMatch(/^NAME .* SWITCH +SHARED DIR +URL$/m);
  });

  test('a service goes only to a host joined to a switch; a disk only where it fits', () => {
    const onPlain = cli(['guest', 'start', ...c(), '--on', 'plain', '--listen', '0', kvserver]);
    expect(onPlain.code).toBe(1);
    expect(onPlain.stderr).toContain('publishes a service and <host> is joined to no virtual switch');
    expect(onPlain.stderr).toContain('[WASMOTION_ERR_ADMISSION]');

    const tooBig = cli(['guest', 'start', ...c(), '--disk', '1GiB', kvserver, ...KV_ARGS]);
    expect(tooBig.code).toBe(1);
    expect(tooBig.stderr).toMatch(/fits on no host \(3 host\(s\): reservations \(disks included\) do not fit on <host>\).*\[WASMOTION_ERR_ADMISSION\]/);
    // The host's own admission control counts the disk too.
    const direct = cli(['guest', 'start', '--host', hostUrls.get('plain')!, '--disk', '1GiB', kvserver, ...KV_ARGS]);
    expect(direct.code).toBe(1);
    expect(direct.stderr).toMatch(/its disk's 1073741824 included\) does not fit.*\[WASMOTION_ERR_ADMISSION\]/);
    expect(guests()).toEqual([]);
  });

  test('a guest started with --disk and --listen is placed on a switch host and serves from its disk', async () => {
    // Load on the other switch host, so that the empty host without a switch is the one DRS would pick otherwise.
    expect(cli(['guest', 'start', '--host', hostUrls.get('s2')!, counter, '--', '0', '4096', '0']).code).toBe(0);
    const r = cli(['guest', 'start', ...c(), '--disk', '16MiB', '--listen', '0', kvserver, ...KV_ARGS]);
    expect(r.code, r.stderr).toBe(0);
    id = r.stdout.trim();
    expect(r.stderr).toContain(`${id} placed on s1`);
    address = /serves at (127\.0\.0\.1:\d+)/.exec(r.stderr)![1];
    // The host may report the guest in a heartbeat before its switch link carries the service.
    const placed = await until('the guest and its service in the inventory', () => {
      const g = guestById(id);
      return g?.service ? g : undefined;
    });
    expect(placed).toMatchObject({ host: 's1', diskBytes: DISK, service: { address } });
    client = await KvClient.connect(Number(address.split(':')[1]));
    await write(20);
    await expectFilesIntact();
  }, 60_000);

  test('maintenance moves it to the other switch host, never to the host without one; files and connection survive', async () => {
    expect(id, 'the guest of the test before').toBeDefined();
    // It keeps writing while the host empties.
    const entering = cliAsync(['host', 'maintenance', 'enter', 's1', ...c()]);
    let done = false;
    void entering.then(() => (done = true));
    while (!done) await write(5);
    const r = await entering;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('s1 in-maintenance');
    expect(r.stderr).toMatch(new RegExp(`migration-completed ${id} now runs on s2`));
    const moved = await until('the guest reported on s2', () => guestById(id)?.host === 's2' && guestById(id));
    expect(moved).toMatchObject({ state: 'running', diskBytes: DISK });
    await until('its service attached from s2', () => guestById(id)?.service?.address === address);
    await write(10);
    await expectFilesIntact();
    expect(written).toBeGreaterThan(30);
    // A new client finds it at the same address.
    const fresh = await KvClient.connect(Number(address.split(':')[1]));
    expect(await fresh.request('GET p0:0')).toMatch(/^VALUE \d+$/);
    await fresh.quit();
    expect(cli(['host', 'maintenance', 'exit', 's1', ...c()]).code).toBe(0);
  }, 120_000);

  test('DRS repairs a rule by moving it back; a rule only a host without a switch satisfies stays a violation', async () => {
    expect(id, 'the guest of the test before').toBeDefined();
    const rules = join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify([{ kind: 'host-must', name: 'back', guests: [id], hosts: ['s1'] }]));
    expect(cli(['cluster', 'rules', ...c(), '--set', rules]).code).toBe(0);
    const balance = cli(['cluster', 'balance', ...c(), '--json']);
    expect(balance.code, balance.stderr).toBe(0);
    const executed = JSON.parse(balance.stdout).executed;
    expect(executed).toContainEqual(expect.objectContaining({ guest: id, from: 's2', to: 's1', ok: true }));
    expect(executed.every((m: { ok: boolean }) => m.ok)).toBe(true);
    await until('the guest reported on s1', () => guestById(id)?.host === 's1');
    await until('its service attached from s1', () => guestById(id)?.service?.address === address);
    await write(10);
    await expectFilesIntact();

    writeFileSync(rules, JSON.stringify([{ kind: 'host-must', name: 'nowhere', guests: [id], hosts: ['plain'] }]));
    expect(cli(['cluster', 'rules', ...c(), '--set', rules]).code).toBe(0);
    const stuck = cli(['cluster', 'balance', ...c(), '--json']);
    expect(stuck.code, stuck.stderr).toBe(0);
    const pass = JSON.parse(stuck.stdout);
    expect(pass.executed.filter((m: { guest: string }) => m.guest === id)).toEqual([]);
    expect(pass.violations).toEqual([expect.objectContaining({ rule: 'nowhere', guests: [id] })]);
    expect(cliJson<ClusterStatus>(['cluster', 'status', ...c()])[0].violations).toHaveLength(1);
    expect(guestById(id)?.host).toBe('s1');
    writeFileSync(rules, '[]');
    expect(cli(['cluster', 'rules', ...c(), '--set', rules]).code).toBe(0);
    await write(5);
    await expectFilesIntact();
  }, 120_000);
});
