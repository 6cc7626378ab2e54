// Guest workers started ahead of need: the pool fills while the host is
// quiet, a guest (started here or arriving by migration) takes a started
// worker, and closing the pool stops the idle ones.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GUEST_WORKER_SCRIPT } from '../../host-shim/host/guest-handle.js';
import { WorkerPool } from '../../host-shim/host/worker-pool.js';
import { api, host, sleep, start } from './agents.js';
import { cliAsync } from '../support/processes.js';

const counter = join(import.meta.dirname, '..', '..', 'build', 'guests', 'counter.wasm');

async function until(what: string, done: () => boolean, ms = 5_000): Promise<void> {
  for (const end = Date.now() + ms; !done(); await sleep(20)) if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
}

describe('the worker pool', () => {
  test('fills while the host is quiet, and only then; a take starts a replacement', async () => {
    let quiet = false;
    const pool = new WorkerPool(GUEST_WORKER_SCRIPT(), 2, () => quiet);
    try {
      await sleep(1_200);
      expect(pool.ready).toBe(0);
      quiet = true;
      await until('two idle workers', () => pool.ready === 2);
      const taken = pool.take();
      expect(pool.served).toBe(1);
      expect(pool.ready).toBe(1);
      await until('the pool refilled', () => pool.ready === 2);
      await taken.terminate();
    } finally {
      await pool.close();
    }
    expect(pool.ready).toBe(0);
  });

  test('an empty pool still gives a worker, and a pool of size 0 never starts one', async () => {
    const pool = new WorkerPool(GUEST_WORKER_SCRIPT(), 0, () => true);
    try {
      const worker = pool.take();
      expect(pool.served).toBe(0);
      const online = await new Promise<boolean>((resolve) => {
        worker.once('online', () => resolve(true));
        worker.once('error', () => resolve(false));
      });
      expect(online).toBe(true);
      await worker.terminate();
      await sleep(800);
      expect(pool.ready).toBe(0);
    } finally {
      await pool.close();
    }
  });
});

describe.skipIf(!existsSync(counter))('a host\'s started workers', () => {
  test('a guest started here and one arriving by migration each take a started worker', async () => {
    const a = await host('a');
    const b = await host('b');
    await until('both hosts have an idle worker', () => a.workers.ready === 1 && b.workers.ready === 1);
    const id = (await start(a, readFileSync(counter), { args: ['0', '64', '5'] })).body.id;
    expect(a.workers.served).toBe(1);
    const m = await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) });
    const events = (await (await fetch(new URL(`/v1/migrations/${m.body.id}/events`, a.url))).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(events.at(-1).state, JSON.stringify(events.at(-1).error)).toBe('completed');
    expect(b.workers.served).toBe(1);
    expect((await api(b.url, `/v1/guests/${id}`)).body.state).toBe('running');
    await until('both pools refilled', () => a.workers.ready === 1 && b.workers.ready === 1);
    await api(b.url, `/v1/guests/${id}/stop`, { method: 'POST' });
  });
});

test('host start --spare-workers takes an integer from 0 to 64', async () => {
  for (const bad of ['-1', '1.5', 'many', '65']) {
    const r = await cliAsync(['host', 'start', '--listen', '127.0.0.1:0', '--spare-workers', bad]);
    expect(r.code, bad).toBe(2);
    expect(r.stderr).toContain('--spare-workers must be an integer from 0 to 64');
  }
});

test.runIf(!existsSync(counter))('a host\'s started workers: skipped (build/guests/counter.wasm is not built)', () => {
  expect(existsSync(counter)).toBe(false);
});
