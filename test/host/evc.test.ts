// Hosts that offer a restricted feature set, guests under a baseline, and
// the baseline across a live migration: refused in the handshake when the
// destination cannot honour it, and the same feature query answer after a
// move as before.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { HostAgent } from '../../host-shim/host/agent.js';
import { api, host, sleep, start } from './agents.js';
import { WASM1, WASM2 } from '../../host-shim/cluster/evc/index.js';
import { wat } from '../support/wat.js';

const featuresGuest = join(import.meta.dirname, '..', '..', 'build', 'guests', 'features.wasm');

/** Uses bulk memory, and prints a line now and then until stopped: its log shows it runs. */
const bulkSpinner = wat(`(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32)
    (memory.fill (i32.const 16) (i32.const 0x2e) (i32.const 1))
    (i32.store8 (i32.const 17) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 2))
    (loop $forever
      (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $i (i32.const 0))
      (loop $spin
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $spin (i32.lt_u (local.get $i) (i32.const 300000))))
      (br $forever))))`);
/** Plain MVP: spins until stopped. */
const mvpSpinner = wat('(module (memory (export "memory") 1) (func (export "_start") (i32.store (i32.const 0) (i32.const 7)) (loop (br 0))))');

async function migrate(from: HostAgent, id: string, to: HostAgent): Promise<any[]> {
  const m = await api(from.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: to.url }) });
  expect(m.status).toBe(202);
  const res = await fetch(new URL(`/v1/migrations/${m.body.id}/events`, from.url));
  return (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}


async function logs(a: HostAgent, id: string): Promise<string[]> {
  const text = await (await fetch(new URL(`/v1/guests/${id}/logs`, a.url))).text();
  return text.split('\n').filter((l) => l);
}

describe('hosts with a restricted feature set', () => {
  test('GET /v1/host reports what the host offers and the baselines it can present', async () => {
    const full = (await api((await host('full')).url, '/v1/host')).body;
    expect(full.features).toEqual(WASM2.features);
    expect(full.capabilities).toEqual(['wasi-preview1']);
    expect(full.baselines).toEqual(['wasm1', 'wasm2']);
    const old = (await api((await host('old', { features: 'wasm1' })).url, '/v1/host')).body;
    expect(old.features).toEqual(['mutable-globals']);
    expect(old.baselines).toEqual(['wasm1']);
    await expect(host('bad', { features: 'wasm3' })).rejects.toThrow(/unknown feature set "wasm3"/);
  });

  test('a wasm1 host refuses a guest that uses bulk memory, and runs one that does not', async () => {
    const old = await host('old', { features: 'wasm1' });
    const refused = await start(old, bulkSpinner);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('WASMOTION_ERR_FEATURES_MISSING');
    expect(refused.body.error.message).toBe('the guest uses bulk-memory, outside wasm1');
    expect((await api(old.url, '/v1/guests')).body).toEqual([]);
    const ok = await start(old, mvpSpinner);
    expect(ok.status).toBe(201);
    expect(ok.body.baseline).toBe('wasm1');
    expect(ok.body.sees).toEqual({ features: WASM1.features, capabilities: WASM1.capabilities });
    expect(ok.body.uses).toEqual({ features: [], capabilities: [] });
  });

  test('a guest asks for a baseline: one the host cannot present, or an unknown one, is refused', async () => {
    const old = await host('old', { features: 'wasm1' });
    const full = await host('full');
    const tooNew = await start(old, mvpSpinner, { baseline: 'wasm2' });
    expect(tooNew.status).toBe(409);
    expect(tooNew.body.error).toMatchObject({ code: 'WASMOTION_ERR_BASELINE_UNSUPPORTED', message: expect.stringMatching(/^host old cannot present wasm2: it lacks sign-ext/) });
    expect((await start(full, mvpSpinner, { baseline: 'wasm3' })).body.error.code).toBe('WASMOTION_ERR_USAGE');
    expect((await start(full, mvpSpinner, { baseline: 1 })).body.error.code).toBe('WASMOTION_ERR_USAGE');
    const strict = await start(full, bulkSpinner, { baseline: 'wasm1' });
    expect(strict.status).toBe(409);
    expect(strict.body.error.code).toBe('WASMOTION_ERR_FEATURES_MISSING');
  });
});

describe('baselines across live migration', () => {
  test('a guest using bulk memory is refused by a wasm1 destination in the handshake and keeps running at the source', async () => {
    const src = await host('src', { features: 'wasm2' });
    const dst = await host('dst', { features: 'wasm1' });
    const { body: guest } = await start(src, bulkSpinner);
    expect(guest.uses).toEqual({ features: ['bulk-memory'], capabilities: ['wasi-preview1'] });
    const evs = await migrate(src, guest.id, dst);
    const last = evs.at(-1);
    expect(last.state).toBe('failed');
    expect(last.error.code).toBe('WASMOTION_ERR_MIGRATION_FEATURES');
    expect(last.error.message).toMatch(/the guest uses bulk-memory, outside what this host offers \(wasm1\)/);
    // Refused before any memory moved: no pre-copy round, nothing transferred, nothing prepared there.
    expect(evs.some((e) => e.state === 'precopy')).toBe(false);
    expect(evs.every((e) => !e.transferred)).toBe(true);
    expect((await api(dst.url, `/v1/guests/${guest.id}`)).status).toBe(404);
    expect((await api(src.url, `/v1/guests/${guest.id}`)).body.state).toBe('running');
    const printed = (await logs(src, guest.id)).length;
    const deadline = Date.now() + 5_000;
    while ((await logs(src, guest.id)).length <= printed && Date.now() < deadline) await sleep(20);
    expect((await logs(src, guest.id)).length).toBeGreaterThan(printed);
  });

  test('a guest shown wasm2 is refused by a wasm1 destination even when its code is plain MVP', async () => {
    const src = await host('src');
    const dst = await host('dst', { features: 'wasm1' });
    const { body: guest } = await start(src, mvpSpinner, { baseline: 'wasm2' });
    const last = (await migrate(src, guest.id, dst)).at(-1);
    expect(last.error.code).toBe('WASMOTION_ERR_MIGRATION_FEATURES');
    expect(last.error.message).toMatch(/the guest runs under wasm2, which this host cannot present: it lacks sign-ext/);
    expect((await api(src.url, `/v1/guests/${guest.id}`)).body.state).toBe('running');
  });

  test.skipIf(!existsSync(featuresGuest))('the feature query returns the guest\'s baseline, the same before and after a move', async () => {
    const bytes = readFileSync(featuresGuest);
    const src = await host('src');
    const old = await host('old', { features: 'wasm1' });
    const mid = await host('mid', { features: 'wasm2' });
    const cases = [
      { baseline: 'wasm1', to: old, line: 'features 0x40: mutable-globals' },
      { baseline: 'wasm2', to: mid, line: 'features 0x5f: sign-ext sat-float-to-int multi-value bulk-memory reference-types mutable-globals' },
    ];
    for (const c of cases) {
      const r = await start(src, bytes, { args: ['60', '20'], baseline: c.baseline });
      expect(r.status).toBe(201);
      const id = r.body.id;
      while ((await logs(src, id)).length < 3) await sleep(10);
      const last = (await migrate(src, id, c.to)).at(-1);
      expect(last.state, JSON.stringify(last.error)).toBe('completed');
      const beforeMove = await logs(src, id);
      expect((await api(c.to.url, `/v1/guests/${id}`)).body.baseline).toBe(c.baseline);
      expect((await api(c.to.url, `/v1/guests/${id}/wait`)).body.exitCode).toBe(0);
      const all = await logs(c.to, id);
      expect(all).toHaveLength(60);
      // Lines printed on both hosts, every one the baseline's set.
      expect(beforeMove.length).toBeGreaterThanOrEqual(3);
      expect(beforeMove.length).toBeLessThan(60);
      expect(new Set(all)).toEqual(new Set([c.line]));
    }
  });
});
