// A host measures each guest's dirty rate (docs/host-api.md, usage.dirtyRate),
// which the cluster manager uses to price moving the guest.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { api, host, sleep, start } from './agents.js';

const dirtier = join(import.meta.dirname, '..', '..', 'build', 'guests', 'dirtier.wasm');

async function rateOf(base: string, id: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const { body } = await api(base, `/v1/guests/${id}`);
    if (typeof body.usage.dirtyRate === 'number' && i >= 15) return body.usage.dirtyRate;
    await sleep(100);
  }
  throw new Error('no dirty rate measured');
}

describe.skipIf(!existsSync(dirtier))('the dirty rate a host reports', () => {
  test('follows what the guest writes: about 8 MB/s for a guest rewriting 8 MB/s, near nothing for an idle one', async () => {
    const a = await host('rates');
    const bytes = readFileSync(dirtier);
    const busy = await start(a, bytes, { args: ['16', '8', '0'] });
    const idle = await start(a, bytes, { args: ['16', '0', '0'] });
    expect(busy.status).toBe(201);
    const [busyRate, idleRate] = await Promise.all([rateOf(a.url, busy.body.id), rateOf(a.url, idle.body.id)]);
    // The guest paces itself by the clock; a loaded machine may make it fall a little behind.
    expect(busyRate).toBeGreaterThan(5e6);
    expect(busyRate).toBeLessThan(11e6);
    expect(idleRate).toBeLessThan(0.3e6);
  }, 30_000);
});
