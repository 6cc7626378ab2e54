// Host agents whose guests' VMMs run on wasmtime: they run guests, and a
// guest moves live between V8 and wasmtime hosts, back and forth, printing
// exactly what an unmoved run prints.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cGuestWasmPath } from '../../tools/guests/layout.js';
import { describe, expect, test } from 'vitest';
import { api, host, sleep, start } from '../host/agents.js';
import { cliAsync, startProcess, until as eventually } from '../support/processes.js';
import { counter, reference, vmmProcesses, wasmtimeMissing } from './support.js';

const missing = wasmtimeMissing();

async function events(base: string, id: string): Promise<any[]> {
  const res = await fetch(new URL(`/v1/migrations/${id}/events`, base));
  return (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

/** Migrates guest `id` from `from` to `to`; returns the last event. */
async function migrate(from: string, to: string, id: string): Promise<any> {
  const m = await api(from, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to }) });
  expect(m.status).toBe(202);
  const last = (await events(from, m.body.id)).at(-1);
  expect(last.state, JSON.stringify(last.error)).toBe('completed');
  return last;
}

async function until(what: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (what()) return true;
  return what();
}

describe('hosts on wasmtime', () => {
  test('reports its engine and runs a guest to the same output as V8', async (ctx) => {
    if (missing) return ctx.skip(missing);
    const args = ['50', '256', '0'];
    const expected = await reference(counter(), args);
    const h = await host('w', { engine: 'wasmtime' });
    const info = (await api(h.url, '/v1/host')).body;
    expect(info.engine).toBe('wasmtime');
    // The runner this run of the tests asked for (vitest.config.ts), and no other.
    expect(info.engineRunner.kind).toBe(process.env.WASMOTION_WASMTIME);
    const g = await start(h, counter(), { args });
    expect(g.status).toBe(201);
    expect(vmmProcesses().length).toBeGreaterThan(0);
    const waited = await api(h.url, `/v1/guests/${g.body.id}/wait`);
    expect(waited.body.exitCode).toBe(0);
    expect(await (await fetch(new URL(`/v1/guests/${g.body.id}/logs`, h.url))).text()).toBe(expected);
    await h.close();
    // Its VMM process ended with the guest's worker.
    expect(await until(() => vmmProcesses().length === 0)).toBe(true);
  }, 120_000);

  test('host start logs which wasmtime runner it uses, and host info shows it', async (ctx) => {
    if (missing) return ctx.skip(missing);
    const h = await startProcess(['host', 'start', '--listen', '127.0.0.1:0', '--name', 'wlog', '--engine', 'wasmtime']);
    try {
      const line = await eventually('the engine log line', () => /^\S+ engine (\{.*\})$/m.exec(h.stderr())?.[1]);
      const logged = JSON.parse(line);
      expect(logged.engine).toBe('wasmtime');
      expect(logged.runner.kind).toBe(process.env.WASMOTION_WASMTIME);
      const info = await cliAsync(['host', 'info', '--host', h.url]);
      expect(info.code).toBe(0);
      expect(info.stdout).toContain(`wasmtime (${logged.runner.description})`);
      expect(info.stdout).toMatch(/^engine\s+wasmtime \(wasmtime (CLI|Python embedding) \S+/m);
    } finally {
      h.proc.kill('SIGTERM');
    }
  }, 60_000);

  test('a guest moves live V8 → wasmtime → V8 → wasmtime → V8 and prints what an unmoved run prints', async (ctx) => {
    if (missing) return ctx.skip(missing);
    const args = ['2500', '1024', '2'];
    // The sleep between lines changes no line: the reference runs without it.
    const expected = await reference(counter(), ['2500', '1024', '0']);
    const v8 = await host('v8');
    const wt = await host('wt', { engine: 'wasmtime' });
    const g = await start(v8, counter(), { args });
    expect(g.status).toBe(201);
    const id = g.body.id;
    const downtimes: Record<string, number[]> = { 'v8→wasmtime': [], 'wasmtime→v8': [] };
    let at = v8;
    for (let i = 0; i < 4; i++) {
      await sleep(60);
      const to = at === v8 ? wt : v8;
      const last = await migrate(at.url, to.url, id);
      downtimes[at === v8 ? 'v8→wasmtime' : 'wasmtime→v8'].push(last.downtimeMs);
      expect((await api(to.url, `/v1/guests/${id}`)).body.state).not.toBe('migrated');
      at = to;
    }
    expect(at).toBe(v8);
    const waited = await api(v8.url, `/v1/guests/${id}/wait`);
    expect(waited.body.exitCode).toBe(0);
    const logs = await (await fetch(new URL(`/v1/guests/${id}/logs`, v8.url))).text();
    // Guard against a run that ended before it moved: every hop happened with lines still to come.
    expect(logs.split('\n').length).toBeGreaterThan(2500);
    expect(logs).toBe(expected);
    expect(downtimes['v8→wasmtime']).toHaveLength(2);
    expect(downtimes['wasmtime→v8']).toHaveLength(2);
  }, 180_000);

  test('a guest moves between two wasmtime hosts', async (ctx) => {
    if (missing) return ctx.skip(missing);
    const args = ['1500', '512', '2'];
    const expected = await reference(counter(), ['1500', '512', '0']);
    const a = await host('wa', { engine: 'wasmtime' });
    const b = await host('wb', { engine: 'wasmtime' });
    const g = await start(a, counter(), { args });
    await sleep(80);
    await migrate(a.url, b.url, g.body.id);
    expect((await api(a.url, `/v1/guests/${g.body.id}`)).body.state).toBe('migrated');
    const waited = await api(b.url, `/v1/guests/${g.body.id}/wait`);
    expect(waited.body.exitCode).toBe(0);
    expect(await (await fetch(new URL(`/v1/guests/${g.body.id}/logs`, b.url))).text()).toBe(expected);
  }, 120_000);

  test('a guest whose disk is in a shared directory moves V8 → wasmtime → V8 through the directory', async (ctx) => {
    if (missing) return ctx.skip(missing);
    const appender = cGuestWasmPath('appender');
    if (!existsSync(appender)) return ctx.skip('the appender guest is not built');
    const bytes = readFileSync(appender);
    const shared = mkdtempSync(join(tmpdir(), 'wasmotion-shared-'));
    try {
      const args = ['/data', '300', '4', '4'];
      const v8 = await host('v8', { sharedDir: shared });
      const wt = await host('wt', { engine: 'wasmtime', sharedDir: shared });
      const ref = await start(v8, bytes, { args, disk: 1 << 20 });
      expect((await api(v8.url, `/v1/guests/${ref.body.id}/wait`)).body.exitCode).toBe(0);
      const expected = await (await fetch(new URL(`/v1/guests/${ref.body.id}/logs`, v8.url))).text();
      const g = await start(v8, bytes, { args, disk: 1 << 20, diskShared: true });
      expect(g.status, JSON.stringify(g.body)).toBe(201);
      let at = v8;
      for (let i = 0; i < 2; i++) {
        await sleep(200);
        const to = at === v8 ? wt : v8;
        const last = await migrate(at.url, to.url, g.body.id);
        expect(last.disk).toBe('shared');
        expect(last.diskTransferred).toBe(0);
        at = to;
      }
      expect((await api(at.url, `/v1/guests/${g.body.id}/wait`)).body.exitCode).toBe(0);
      expect(await (await fetch(new URL(`/v1/guests/${g.body.id}/logs`, at.url))).text()).toBe(expected);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  }, 120_000);
});
