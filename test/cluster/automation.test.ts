// Automation levels and maintenance cancel, with the manager and three host
// agents in this process (their guests run in worker threads).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClusterClient } from '../../host-shim/client/cluster-client.js';
import { HostClient } from '../../host-shim/client/host-client.js';
import { deriveKeys } from '../../host-shim/cluster/auth.js';
import { ClusterManager } from '../../host-shim/cluster/manager/manager.js';
import { HostAgent } from '../../host-shim/host/agent.js';
import { root, until } from '../support/processes.js';

const counterPath = join(root, 'build', 'guests', 'counter.wasm');

describe.skipIf(!existsSync(counterPath))('cluster automation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmotion-automation-'));
  let manager: ClusterManager;
  let cluster: ClusterClient;
  const agents: HostAgent[] = [];
  const counter = () => readFileSync(counterPath);

  beforeAll(async () => {
    const token = randomBytes(32);
    const keys = deriveKeys(token);
    manager = await ClusterManager.start({ host: '127.0.0.1', port: 0, dataDir: dir, token, settings: { balanceIntervalMs: 0, automation: 'manual' }, heartbeatIntervalMs: 300 });
    for (const name of ['a1', 'a2', 'a3']) {
      agents.push(await HostAgent.start({ name, host: '127.0.0.1', port: 0, secret: keys.migrationSecret, cluster: { url: manager.url, requestKey: keys.requestKey } }));
    }
    cluster = new ClusterClient(manager.url);
  }, 30_000);

  afterAll(async () => {
    for (const a of agents) await a.close();
    await manager?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const onHost = async (name: string) => (await cluster.guests()).filter((g) => g.host === name).map((g) => g.id);

  test('manual: placement needs a host, passes only recommend, and apply carries them out', async () => {
    const module = await cluster.putModule(counter());
    // Busy guests (no sleep between lines), each held to half a core: hosts measure the CPU they use.
    const busy = { args: ['0', '1024', '0'], policy: { cpu: { limit: 0.5 } } };
    await expect(cluster.placeGuest({ module, ...busy })).rejects.toMatchObject({ code: 'WASMOTION_ERR_PLACEMENT_MANUAL' });
    for (let i = 0; i < 3; i++) await cluster.placeGuest({ module, ...busy, host: 'a1' });
    await until('three running guests on a1', async () => (await cluster.guests()).filter((g) => g.host === 'a1' && g.state === 'running').length === 3);
    // Balance on the CPU they were measured to use, not on the guess for a guest just started.
    await until('their CPU measured', async () => (await cluster.guests()).every((g) => typeof g.cpu === 'number'));

    const pass = await cluster.balance();
    expect(pass.recommendations.length).toBeGreaterThan(0);
    for (const r of pass.recommendations) {
      expect(r.reason).toMatch(/^balance: /);
      expect(r.benefit).toBeGreaterThan(0);
      expect(r.cost).toBeGreaterThan(0);
    }
    expect(pass.executed).toEqual([]);
    expect((await cluster.status()).recommendations).toEqual(pass.recommendations);
    expect(await onHost('a1')).toHaveLength(3);

    const { executed } = await cluster.applyRecommendations();
    expect(executed.map((e) => e.ok)).toEqual(pass.recommendations.map(() => true));
    expect(await onHost('a1')).toHaveLength(3 - executed.length);
    expect((await cluster.status()).recommendations).toEqual([]);
  }, 60_000);

  test('admission control: a guest whose reservation fits no host is refused with the reasons, and runs nowhere', async () => {
    const module = await cluster.putModule(counter());
    const capacity = Math.max(...(await cluster.hosts()).map((h) => h.capacity.memory));
    const before = (await cluster.guests()).length;
    const refused = cluster.placeGuest({ module, args: ['1'], policy: { memory: { reservation: capacity + 65536 } }, host: 'a1' });
    await expect(refused).rejects.toMatchObject({ code: 'WASMOTION_ERR_ADMISSION', message: expect.stringMatching(/reservations do not fit/) });
    expect((await cluster.guests()).length).toBe(before);
    expect(manager.events.since(0).some((e) => e.type === 'guest-refused')).toBe(true);
  });

  test('maintenance cancel: the evacuation stops, the host stays in service, no guest is lost', async () => {
    const before = (await cluster.guests()).map((g) => g.id).sort();
    const host = 'a2';
    // Put every guest on a2 so the evacuation has several moves to make.
    for (const g of await cluster.guests()) {
      if (g.host === host) continue;
      const from = new HostClient(agents.find((a) => a.config.name === g.host)!.url);
      const m = await from.migrate(g.id, { to: agents[1].url });
      for await (const e of from.migrationEvents(m.id)) if (e.state === 'failed') throw new Error(String(e.error));
    }
    await until('every guest on a2', async () => (await onHost(host)).length === before.length);

    const since = manager.store.state.nextEventSeq - 1;
    const report = await cluster.maintenance(host, 'enter');
    expect(report.moves).toHaveLength(before.length);
    // Cancelled at once: the first migration is cancelled as soon as it has an id, and no other starts.
    const cancelled = await cluster.maintenance(host, 'cancel');
    expect(cancelled.host).toBe(host);
    await until('the cancellation', () => manager.events.since(since).some((e) => e.type === 'maintenance-cancelled'));
    const log = manager.events.since(since);
    expect(log.filter((e) => e.type === 'migration-started')).toHaveLength(1);
    expect(log.some((e) => e.type === 'migration-completed')).toBe(false);
    expect((await cluster.hosts()).find((h) => h.name === host)!.maintenance).toBe('none');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await onHost(host)).sort()).toEqual(before);
    const after = await cluster.guests();
    expect(after.map((g) => g.id).sort()).toEqual(before);
    expect(after.every((g) => g.state === 'running')).toBe(true);

    // Entering again, and exiting, work after a cancel.
    await cluster.maintenance(host, 'enter');
    await until('a2 in maintenance', async () => (await cluster.hosts()).find((h) => h.name === host)!.maintenance === 'in-maintenance', 60_000);
    expect(await onHost(host)).toEqual([]);
    await expect(cluster.maintenance(host, 'enter')).rejects.toMatchObject({ code: 'WASMOTION_ERR_BUSY' });
    expect((await cluster.maintenance(host, 'exit')).state).toBe('none');
  }, 120_000);
});
