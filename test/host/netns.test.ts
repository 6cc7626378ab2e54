// Hosts in their own network namespaces, each with its own address, joined by
// veth links: a guest started and migrated from a client namespace through
// the CLI, as across real machines, to a host listening on every interface.
// Needs root and iproute2; otherwise the test says why it is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { canUseNetns, createTopology, type Topology } from '../../tools/cluster/netns.js';
import { startHost } from '../../tools/cluster/main.js';
import type { ChildProcess } from 'node:child_process';

const root = join(import.meta.dirname, '..', '..');
const guest = join(root, 'build', 'guests', 'counter.wasm');
const usable = canUseNetns() && existsSync(guest);

describe.skipIf(!usable)('hosts in network namespaces', () => {
  let topology: Topology | undefined;
  const procs: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'wasmotion-netns-'));
  afterAll(() => {
    for (const p of procs) p.kill('SIGKILL');
    topology?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  function cli(args: string[]) {
    const r = spawnSync('ip', ['netns', 'exec', topology!.client.ns, process.execPath, join(root, 'bin', 'wasmotion.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  test('a guest moves between hosts with their own addresses and keeps its output', async () => {
    topology = createTopology(2, `wmt${process.pid % 10000}`);
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'network namespace cluster secret');
    // The second host listens on every interface of its namespace: a source reaches its
    // migration listener (advertised as 0.0.0.0) where it reached its API.
    const listens = [topology.hosts[0], { ...topology.hosts[1], address: '0.0.0.0' }];
    const started = [];
    for (const [i, ns] of listens.entries()) {
      const h = await startHost(`ns${i + 1}`, secret, join(dir, `h${i + 1}`), ns);
      procs.push(h.proc);
      started.push(h.url);
    }
    expect(started).toEqual(['http://10.77.0.1:7000', 'http://0.0.0.0:7000']);
    const hosts = topology.hosts.map((h) => `http://${h.address}:7000`);
    expect(hosts).toEqual(['http://10.77.0.1:7000', 'http://10.77.0.2:7000']);
    // 150 lines 20 ms apart: about three seconds, so the guest is still running when the migration starts.
    const id = cli(['guest', 'start', '--host', hosts[0], guest, '--', '150', '256', '20']).stdout.trim();
    expect(id).toMatch(/^g-/);
    const m = cli(['migrate', id, '--host', hosts[0], '--to', hosts[1]]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/migrated .* downtime/);
    expect(cli(['guest', 'wait', id, '--host', hosts[1]]).code).toBe(0);
    const logs = cli(['guest', 'logs', id, '--host', hosts[1]]).stdout.trim().split('\n');
    expect(logs).toHaveLength(150);
    logs.forEach((l, i) => expect(l.startsWith(`count ${i + 1} `)).toBe(true));
  }, 120_000);
});

test.runIf(!usable)('hosts in network namespaces: skipped (needs root, iproute2 and build/guests/counter.wasm)', () => {
  expect(usable).toBe(false);
});
