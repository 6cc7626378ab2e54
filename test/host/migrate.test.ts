// Two host agents in one process, one cluster secret: a guest moves from one
// to the other while it runs, and prints exactly what an unmoved run prints.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { HostAgent } from '../../host-shim/host/agent.js';
import { api, host } from './agents.js';
import { moduleDigest } from '../../host-shim/snapshot/directory.js';
import { runWasi } from '../../host-shim/wasi/run.js';

const counter = join(import.meta.dirname, '..', '..', 'build', 'guests', 'counter.wasm');

async function startGuest(a: HostAgent, bytes: Uint8Array, args: string[]): Promise<string> {
  const digest = moduleDigest(bytes);
  expect((await api(a.url, `/v1/modules/${digest}`, { method: 'PUT', body: bytes })).status).toBe(201);
  const r = await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: digest, args }) });
  expect(r.status).toBe(201);
  return r.body.id;
}

async function reference(bytes: Uint8Array, args: string[]): Promise<string> {
  const out: Buffer[] = [];
  await runWasi(bytes, { programName: 'guest.wasm', args, stdout: (c) => out.push(Buffer.from(c)) });
  return Buffer.concat(out).toString();
}

async function events(base: string, id: string): Promise<any[]> {
  const res = await fetch(new URL(`/v1/migrations/${id}/events`, base));
  return (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

describe.skipIf(!existsSync(counter))('live migration between two hosts', () => {
  const bytes = existsSync(counter) ? readFileSync(counter) : new Uint8Array();
  const args = ['300', '2048', '2'];

  test('a running guest moves and its output has no gap and no duplicate', async () => {
    const expected = await reference(bytes, args);
    const a = await host('a');
    const b = await host('b');
    const id = await startGuest(a, bytes, args);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const m = await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url, downtimeLimitMs: 50 }) });
    expect(m.status).toBe(202);
    const evs = await events(a.url, m.body.id);
    const last = evs[evs.length - 1];
    expect(last.state, JSON.stringify(last.error)).toBe('completed');
    expect(last.downtimeMs).toBeGreaterThan(0);
    expect(evs.some((e) => e.state === 'precopy')).toBe(true);
    expect((await api(a.url, `/v1/guests/${id}`)).body.state).toBe('migrated');
    const waited = await api(b.url, `/v1/guests/${id}/wait`);
    expect(waited.body.exitCode).toBe(0);
    const logs = await (await fetch(new URL(`/v1/guests/${id}/logs`, b.url))).text();
    expect(logs).toBe(expected);
  });

  test('with compression the pages go deflated and the guest arrives whole', async () => {
    const expected = await reference(bytes, args);
    const a = await host('a');
    const b = await host('b');
    const id = await startGuest(a, bytes, args);
    const m = await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url, compress: true }) });
    const last = (await events(a.url, m.body.id)).at(-1);
    expect(last.state).toBe('completed');
    // Its buffer is mostly zeros between sparse writes: deflate shrinks it to about a fifth. On a busy
    // machine the guest runs more rounds, whose rewritten pages shrink less (up to a third seen): half
    // still tells compressed pages from plain ones.
    expect(last.wireBytes).toBeLessThan(last.transferred / 2);
    expect((await api(b.url, `/v1/guests/${id}/wait`)).body.exitCode).toBe(0);
    expect(await (await fetch(new URL(`/v1/guests/${id}/logs`, b.url))).text()).toBe(expected);
  });

  test('migrations beyond the per-host limit wait in the queue, then complete', async () => {
    const a = await host('a', { maxMigrations: 1 });
    const b = await host('b');
    const ids = [await startGuest(a, bytes, ['0', '256', '5']), await startGuest(a, bytes, ['0', '256', '5'])];
    const started = [];
    for (const id of ids) started.push((await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) })).body);
    // The second waits for the first: the host takes one migration at a time.
    expect(started[1].state).toBe('queued');
    const all = await Promise.all(started.map((m) => events(a.url, m.id)));
    for (const evs of all) expect(evs[evs.length - 1].state).toBe('completed');
    // The second one waited: it was still queued while the first had begun.
    const secondStart = all[1].findIndex((e) => e.state !== 'queued');
    expect(secondStart).toBeGreaterThan(0);
    for (const id of ids) {
      expect((await api(b.url, `/v1/guests/${id}`)).body.state).toBe('running');
      await api(b.url, `/v1/guests/${id}/stop`, { method: 'POST' });
    }
  });

  test('a destination without the secret is refused and the guest keeps running at the source', async () => {
    const a = await host('a');
    const stranger = await host('stranger', { secret: Buffer.from('another secret of enough bytes!') });
    const id = await startGuest(a, bytes, ['0', '64', '5']);
    const m = await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: stranger.url }) });
    const evs = await events(a.url, m.body.id);
    expect(evs[evs.length - 1].state).toBe('failed');
    const info = (await api(a.url, `/v1/guests/${id}`)).body;
    expect(info.state).toBe('running');
    const before = Number(info.steps);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await api(stranger.url, `/v1/guests/${id}`)).status).toBe(404);
    await api(a.url, `/v1/guests/${id}/stop`, { method: 'POST' });
    expect(before).toBeGreaterThanOrEqual(0);
  });

  test('a destination that is not a host URL is refused before anything starts', async () => {
    const a = await host('a');
    const id = await startGuest(a, bytes, ['0', '64', '5']);
    for (const to of ['http://[not-a-host', 'http://127.0.0.1:7000/?x=1', 'ftp://127.0.0.1:7000']) {
      const m = await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to }) });
      expect(m.status, to).toBe(400);
      expect(m.body.error.code).toBe('WASMOTION_ERR_USAGE');
    }
    expect((await api(a.url, '/v1/migrations')).body).toEqual([]);
    expect((await api(a.url, `/v1/guests/${id}`)).body.state).toBe('running');
    await api(a.url, `/v1/guests/${id}/stop`, { method: 'POST' });
  });
});
