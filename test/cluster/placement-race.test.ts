// Two placements at the same moment, with the manager and two host agents in
// this process: each host has room for one of the guests' reservations, and
// both guests are placed, one per host. A placement counts the guests placed
// before it that their hosts have not reported yet.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClusterClient } from '../../host-shim/client/cluster-client.js';
import { deriveKeys } from '../../host-shim/cluster/auth.js';
import { ClusterManager } from '../../host-shim/cluster/manager/manager.js';
import { HostAgent } from '../../host-shim/host/agent.js';
import { root, until } from '../support/processes.js';

const counterPath = join(root, 'build', 'guests', 'counter.wasm');
const MIB = 1 << 20;

describe.skipIf(!existsSync(counterPath))('placements at the same moment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmotion-placement-'));
  let manager: ClusterManager;
  let cluster: ClusterClient;
  const agents: HostAgent[] = [];

  beforeAll(async () => {
    const token = randomBytes(32);
    const keys = deriveKeys(token);
    manager = await ClusterManager.start({ host: '127.0.0.1', port: 0, dataDir: dir, token, settings: { balanceIntervalMs: 0 }, heartbeatIntervalMs: 300 });
    for (const name of ['p1', 'p2']) {
      agents.push(await HostAgent.start({ name, host: '127.0.0.1', port: 0, secret: keys.migrationSecret, capacity: { cpu: 2, memory: 256 * MIB }, cluster: { url: manager.url, requestKey: keys.requestKey } }));
    }
    cluster = new ClusterClient(manager.url);
    await until('two connected hosts', async () => (await cluster.hosts()).filter((h) => h.connection === 'connected').length === 2);
  }, 30_000);

  afterAll(async () => {
    for (const a of agents) await a.close();
    await manager?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('do not both take the last room on one host', async () => {
    const module = await cluster.putModule(readFileSync(counterPath));
    // 160 MiB reserved each: a host of 256 MiB takes one.
    const request = { module, args: ['0', '64', '5'], policy: { memory: { reservation: 160 * MIB } } };
    const placed = await Promise.all([cluster.placeGuest(request), cluster.placeGuest(request)]);
    expect(new Set(placed.map((g) => g.host))).toEqual(new Set(['p1', 'p2']));
    // Once both run and are reported, a third has no room anywhere.
    await until('both reported running', async () => (await cluster.guests()).filter((g) => g.state === 'running').length === 2);
    await expect(cluster.placeGuest(request)).rejects.toMatchObject({ code: 'WASMOTION_ERR_ADMISSION' });
  });
});
