// Per-guest resource policy through the host API: strict validation, what
// guest and host info show, admission control on start and on arrival by
// migration, and the memory limit.
import { describe, expect, test } from 'vitest';
import { parsePolicy } from '../../host-shim/host/policy.js';
import { api, host, sleep, start } from './agents.js';
import { BUSY, GROWER } from './policy-guests.js';

const MiB = 1 << 20;

async function events(base: string, id: string): Promise<any[]> {
  const res = await fetch(new URL(`/v1/migrations/${id}/events`, base));
  return (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

describe('policy validation', () => {
  test.each([
    [{ cpu: { reservation: 0.5, weight: 2 } }, 'unknown key "weight"'],
    [{ disk: {} }, 'unknown key "disk"'],
    [{ cpu: { reservation: 0.6, limit: 0.5 } }, 'is above "policy.cpu.limit"'],
    [{ cpu: { shares: 0 } }, '"policy.cpu.shares" must be a number above 0'],
    [{ cpu: { reservation: 2 } }, 'a guest is one thread'],
    [{ cpu: { limit: 0.001 } }, 'at least 0.01 cores'],
    [{ cpu: { reservation: '0.5' } }, '"policy.cpu.reservation" must be'],
    [{ memory: { reservation: 1.5 } }, 'a whole number of bytes'],
    [{ memory: { reservation: 2 * MiB, limit: MiB } }, 'is above "policy.memory.limit"'],
    [{ memory: { limit: 1000 } }, 'below one wasm page'],
    [[], '"policy" must be an object'],
  ])('%j is refused', async (policy, why) => {
    const a = await host('strict');
    const r = await start(a, BUSY, { policy });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('WASMOTION_ERR_USAGE');
    expect(r.body.error.message).toContain(why);
    expect(a.guests.size).toBe(0);
  });

  test('what is left out takes the defaults; a limit of null is none', () => {
    expect(parsePolicy(undefined)).toEqual({ cpu: { reservation: 0, limit: null, shares: 1000 }, memory: { reservation: 0, limit: null } });
    expect(parsePolicy({ cpu: { limit: null, shares: 2000 } })).toEqual({ cpu: { reservation: 0, limit: null, shares: 2000 }, memory: { reservation: 0, limit: null } });
  });
});

describe('guest and host info', () => {
  test('a guest shows its policy and measured usage; the host its capacity and reservations', async () => {
    const a = await host('info', { capacity: { cpu: 1.5, memory: 512 * MiB } });
    const policy = { cpu: { reservation: 0.25, limit: 0.5, shares: 2000 }, memory: { reservation: 64 * MiB, limit: 128 * MiB } };
    const r = await start(a, BUSY, { policy });
    expect(r.status).toBe(201);
    expect(r.body.policy).toEqual(policy);
    await sleep(1200);
    const info = (await api(a.url, `/v1/guests/${r.body.id}`)).body;
    // It runs flat out within its limit of half a core.
    expect(info.usage.cpu).toBeGreaterThan(0.3);
    expect(info.usage.cpu).toBeLessThanOrEqual(0.51);
    expect(info.usage.memory).toBe(65536);
    expect(Number(info.steps)).toBeGreaterThan(0);
    const h = (await api(a.url, '/v1/host')).body;
    expect(h.capacity).toEqual({ cpu: 1.5, memory: 512 * MiB });
    expect(h.reserved).toEqual({ cpu: 0.25, memory: 64 * MiB });
  });
});

describe('admission control', () => {
  test('a guest whose reservation does not fit is refused with 409; room comes back when a guest ends', async () => {
    const a = await host('admit', { capacity: { cpu: 1, memory: 256 * MiB } });
    const first = await start(a, BUSY, { policy: { cpu: { reservation: 0.7 } } });
    expect(first.status).toBe(201);
    const refused = await start(a, BUSY, { policy: { cpu: { reservation: 0.5 } } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('WASMOTION_ERR_ADMISSION');
    expect(refused.body.error.message).toContain('0.3 of this host\'s 1 cores are unreserved');
    const memory = await start(a, BUSY, { policy: { memory: { reservation: 300 * MiB } } });
    expect(memory.status).toBe(409);
    expect(memory.body.error.message).toContain('memory reservation');
    // Guests without reservations are always admitted: they share what is left.
    expect((await start(a, BUSY)).status).toBe(201);
    expect((await start(a, BUSY, { policy: { cpu: { reservation: 0.3 } } })).status).toBe(201);
    expect((await api(a.url, '/v1/host')).body.reserved.cpu).toBeCloseTo(1, 9);
    await api(a.url, `/v1/guests/${first.body.id}/stop`, { method: 'POST' });
    expect((await api(a.url, '/v1/host')).body.reserved.cpu).toBeCloseTo(0.3, 9);
    expect((await start(a, BUSY, { policy: { cpu: { reservation: 0.5 } } })).status).toBe(201);
  });
});

describe('memory limit', () => {
  test('caps the guest\'s memory: memory.grow past it fails', async () => {
    const a = await host('memory');
    // 1 page now + 4 more: 320 KiB. Allowed by the host, refused under a limit of 128 KiB.
    const free = await start(a, GROWER);
    const capped = await start(a, GROWER, { policy: { memory: { limit: 128 * 1024 } } });
    expect((await api(a.url, `/v1/guests/${free.body.id}/wait`)).body.exitCode).toBe(2);
    expect((await api(a.url, `/v1/guests/${capped.body.id}/wait`)).body.exitCode).toBe(0);
  });
});

describe('policy and migration', () => {
  test('the policy travels with the guest and the destination enforces it', async () => {
    const a = await host('a');
    const b = await host('b', { capacity: { cpu: 1 } });
    const policy = { cpu: { reservation: 0.1, limit: 0.2, shares: 500 }, memory: { reservation: MiB, limit: 4 * MiB } };
    const id = (await start(a, BUSY, { policy })).body.id;
    const m = await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) });
    const last = (await events(a.url, m.body.id)).at(-1);
    expect(last.state, JSON.stringify(last.error)).toBe('completed');
    const arrived = (await api(b.url, `/v1/guests/${id}`)).body;
    expect(arrived.state).toBe('running');
    expect(arrived.policy).toEqual(policy);
    expect((await api(b.url, '/v1/host')).body.reserved).toEqual({ cpu: 0.1, memory: MiB });
    expect((await api(a.url, '/v1/host')).body.reserved).toEqual({ cpu: 0, memory: 0 });
    await sleep(1200);
    // Alone on b, with room for a whole core, it is held to its limit there.
    expect(b.guests.get(id)!.duty).toBeCloseTo(0.2, 9);
    expect((await api(b.url, `/v1/guests/${id}`)).body.usage.cpu).toBeLessThanOrEqual(0.21);
  });

  test('a destination without room for the reservation refuses before any memory moves; the guest runs on', async () => {
    const a = await host('a');
    const b = await host('b', { capacity: { cpu: 1 } });
    expect((await start(b, BUSY, { policy: { cpu: { reservation: 0.8 } } })).status).toBe(201);
    const id = (await start(a, BUSY, { policy: { cpu: { reservation: 0.5 } } })).body.id;
    const m = await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) });
    const evs = await events(a.url, m.body.id);
    const last = evs.at(-1);
    expect(last.state).toBe('failed');
    expect(last.error.code).toBe('WASMOTION_ERR_ADMISSION');
    expect(last.error.message).toContain('0.2 of this host\'s 1 cores are unreserved');
    expect(evs.some((e) => e.state === 'precopy')).toBe(false);
    expect(evs.every((e) => !(e.transferred > 0))).toBe(true);
    const info = (await api(a.url, `/v1/guests/${id}`)).body;
    expect(info.state).toBe('running');
    const steps = Number(info.steps);
    await sleep(300);
    expect(Number((await api(a.url, `/v1/guests/${id}`)).body.steps)).toBeGreaterThan(steps);
    expect((await api(b.url, `/v1/guests/${id}`)).status).toBe(404);
    expect((await api(b.url, '/v1/host')).body.reserved.cpu).toBeCloseTo(0.8, 9);
  });
});
