// A guest whose disk is in a shared directory, in a cluster of separate
// processes: a manager, two hosts that share a directory and a third that has
// another. The manager places a guest started with --disk-shared on a host
// with a shared directory, and maintenance moves it only to the host that
// shares its directory, through the directory: no disk block crosses the
// connection, and the guest ends with the output and the files of an unmoved
// run.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClusterEvent, ClusterGuest, ClusterHost } from '../../host-shim/client/cluster-types.js';
import type { GuestInfo } from '../../host-shim/client/types.js';
import { cGuestWasmPath } from '../../tools/guests/layout.js';
import { cli, cliAsync, cliJson, startProcess, stopProcesses, until, type Running } from '../support/processes.js';
import { filesIn, TREESUM } from '../support/disk-image.js';

const APPENDER = cGuestWasmPath('appender');
const DISK = 4 << 20;
/** 4,000 rounds over 4 files, 4 ms apart: over 16 s of appending, long enough to be moved and refused a move while it runs. */
const ARGS = ['--', '/data', '4000', '4', '4'];

describe.skipIf(!existsSync(APPENDER) || !existsSync(TREESUM))('a guest with a shared disk in a cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmotion-cluster-shared-'));
  const token = join(dir, 'token');
  const shared = join(dir, 'shared');
  const other = join(dir, 'other');
  const processes: Running[] = [];
  const hostUrls = new Map<string, string>();
  let manager: string;
  const c = () => ['--cluster', manager];
  const guestById = (id: string) => cliJson<ClusterGuest>(['cluster', 'guests', ...c()]).find((g) => g.id === id);
  const info = (host: string, id: string) => cliJson<GuestInfo>(['guest', 'info', '--host', hostUrls.get(host)!, id])[0];

  let id: string;
  let placedOn: string;
  let sharer: string;
  let reference: string;

  beforeAll(async () => {
    writeFileSync(token, randomBytes(32));
    mkdirSync(shared);
    mkdirSync(other);
    const started = async (args: string[]) => {
      const p = await startProcess(args);
      processes.push(p);
      return p.url;
    };
    manager = await started(['cluster', 'start', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'manager'), '--token', token, '--balance-interval', '0', '--heartbeat-interval', '300']);
    for (const [name, sharedDir] of [['a', shared], ['b', shared], ['elsewhere', other]]) {
      hostUrls.set(name, await started(['host', 'start', '--listen', '127.0.0.1:0', '--name', name, '--data-dir', join(dir, name), '--cluster', manager, '--token', token, '--shared-dir', sharedDir]));
    }
    await until('three connected hosts', () => cliJson<ClusterHost>(['cluster', 'hosts', ...c()]).filter((h) => h.connection === 'connected').length === 3);
  }, 90_000);

  afterAll(async () => {
    await stopProcesses(processes);
    rmSync(dir, { recursive: true, force: true });
  });

  test('hosts report their shared directory', () => {
    const hosts = new Map(cliJson<ClusterHost>(['cluster', 'hosts', ...c()]).map((h) => [h.name, h]));
    expect(hosts.get('a')!.sharedDir).toBe(shared);
    expect(hosts.get('b')!.sharedDir).toBe(shared);
    expect(hosts.get('elsewhere')!.sharedDir).toBe(other);
    const table = cli(['cluster', 'hosts', ...c()]).stdout;
    expect(table).toMatch(/^NAME .* SWITCH +SHARED DIR +URL$/m);
    expect(table).toMatch(new RegExp(`^elsewhere .* ${other} +http`, 'm'));
    expect(cli(['guest', 'start', ...c(), '--disk-shared', APPENDER]).stderr).toContain('--disk-shared goes with --disk SIZE');
  });

  test('the API refuses diskShared without a disk, or not a boolean', async () => {
    const place = async (body: object) => {
      const res = await fetch(new URL('/v1/cluster/guests', manager), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ module: '0'.repeat(64), ...body }) });
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
    };
    expect(await place({ diskShared: true })).toEqual({ status: 400, body: { error: { code: 'WASMOTION_ERR_USAGE', message: '"diskShared" goes with "disk"' } } });
    expect(await place({ disk: DISK, diskShared: 'yes' })).toEqual({ status: 400, body: { error: { code: 'WASMOTION_ERR_USAGE', message: '"diskShared" must be true or false' } } });
  });

  test('a guest started with --disk and --disk-shared is placed on a host with a shared directory, its image there', async () => {
    // The unmoved reference run, on the host that shares another directory: its load keeps the new guest off it.
    const ref = cli(['guest', 'start', '--host', hostUrls.get('elsewhere')!, '--disk', '4MiB', '--disk-shared', APPENDER, ...ARGS]);
    expect(ref.code, ref.stderr).toBe(0);
    reference = ref.stdout.trim();
    await until('the reference in the inventory', () => guestById(reference)?.state === 'running');

    const r = cli(['guest', 'start', ...c(), '--disk', '4MiB', '--disk-shared', APPENDER, ...ARGS]);
    expect(r.code, r.stderr).toBe(0);
    id = r.stdout.trim();
    placedOn = /placed on (\S+)/.exec(r.stderr)![1];
    expect(['a', 'b']).toContain(placedOn);
    sharer = placedOn === 'a' ? 'b' : 'a';
    const placed = await until('the guest running in the inventory', () => guestById(id)?.state === 'running' && guestById(id));
    expect(placed).toMatchObject({ host: placedOn, diskBytes: DISK, diskShared: true });
    expect(info(placedOn, id).diskImage).toEqual({ path: join(shared, `${id}.wmdisk`), error: null });
    expect(cli(['cluster', 'guests', ...c()]).stdout).toMatch(new RegExp(`^${id} .* 4(\\.0)? MiB \\(shared\\)`, 'm'));
  }, 60_000);

  test('maintenance moves it to the host sharing its directory, through the directory; the last sharer cannot be emptied', async () => {
    expect(id, 'the guest of the test before').toBeDefined();
    const r = await cliAsync(['host', 'maintenance', 'enter', placedOn, ...c()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`migration-completed ${id} now runs on ${sharer} \\(downtime [\\d.]+ ms, disk through the shared directory\\)`));
    const events = cliJson<ClusterEvent>(['cluster', 'events', ...c()]);
    const completed = events.find((e) => e.type === 'migration-completed' && e.guest === id);
    expect(completed).toMatchObject({ host: sharer, detail: { from: placedOn, disk: 'shared', diskTransferred: 0 } });
    expect(guestById(reference)?.host).toBe('elsewhere');
    await until(`the guest reported on ${sharer}`, () => guestById(id)?.host === sharer);
    expect(info(sharer, id)).toMatchObject({ state: 'running', diskImage: { path: join(shared, `${id}.wmdisk`), error: null } });

    // With its directory's other host in maintenance, only a host of another directory is left: maintenance is refused and says why.
    const blocked = cli(['host', 'maintenance', 'enter', sharer, ...c()]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(`${id} keeps its disk in shared directory ${shared} and <host> shares ${other}`);
    expect(blocked.stderr).toContain('[WASMOTION_ERR_MAINTENANCE_BLOCKED]');
    expect(guestById(id)?.host).toBe(sharer);
    expect(cli(['host', 'maintenance', 'exit', placedOn, ...c()]).code).toBe(0);
  }, 120_000);

  test('it ends with the output and the files of the unmoved run', async () => {
    expect(id, 'the guests of the tests before').toBeDefined();
    const waited = cli(['guest', 'wait', '--host', hostUrls.get(sharer)!, id]);
    expect(waited.code, waited.stderr).toBe(0);
    expect(cli(['guest', 'wait', '--host', hostUrls.get('elsewhere')!, reference]).code).toBe(0);
    const expected = cli(['guest', 'logs', '--host', hostUrls.get('elsewhere')!, reference]).stdout;
    expect(expected).toMatch(/checksum [0-9a-f]{8}\n$/);
    expect(cli(['guest', 'logs', '--host', hostUrls.get(sharer)!, id]).stdout).toBe(expected);
    const expectedFiles = await filesIn(join(other, `${reference}.wmdisk`));
    expect(expectedFiles).toMatch(/\/data\/logs\/renamed\.txt \d+ [0-9a-f]{8}\n/);
    expect(await filesIn(join(shared, `${id}.wmdisk`))).toBe(expectedFiles);
  }, 60_000);
});
