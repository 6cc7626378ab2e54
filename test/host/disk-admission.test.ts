// A guest's disk counts as reserved memory in a host's admission control:
// its image lives in the guest's VMM whatever the guest does. A host
// refuses a disk that does not fit its unreserved memory, at start and on
// arrival by migration (before anything moves), and frees it when the
// guest leaves.
import { describe, expect, test } from 'vitest';
import { api, host, start } from './agents.js';
import { SLEEPER } from './policy-guests.js';

const MiB = 1 << 20;

async function events(base: string, id: string): Promise<any[]> {
  const res = await fetch(new URL(`/v1/migrations/${id}/events`, base));
  return (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

const reserved = async (url: string) => (await api(url, '/v1/host')).body.reserved;

describe('disks in admission control', () => {
  test('a disk is reserved memory: a second one that does not fit is refused, naming the disk', async () => {
    const a = await host('a', { capacity: { cpu: 1, memory: 64 * MiB } });
    const first = await start(a, SLEEPER, { disk: 32 * MiB, policy: { memory: { reservation: 8 * MiB } } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(await reserved(a.url)).toEqual({ cpu: 0, memory: 40 * MiB });
    const second = await start(a, SLEEPER, { disk: 32 * MiB });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('WASMOTION_ERR_ADMISSION');
    expect(second.body.error.message).toBe(
      `host a cannot admit the guest: a memory reservation of ${32 * MiB} bytes (its disk's ${32 * MiB} included) does not fit: ${24 * MiB} of this host's ${64 * MiB} bytes are unreserved`,
    );
    // Without a disk, a guest is admitted beside it.
    expect((await start(a, SLEEPER)).status).toBe(201);
    // A stopped guest frees its disk's memory.
    await api(a.url, `/v1/guests/${first.body.id}/stop`, { method: 'POST' });
    expect(await reserved(a.url)).toEqual({ cpu: 0, memory: 0 });
    expect((await start(a, SLEEPER, { disk: 32 * MiB })).status).toBe(201);
  });

  test('a destination without room for the disk refuses before anything moves; with room, the disk is reserved there and freed here', async () => {
    const a = await host('a', { capacity: { cpu: 1, memory: 64 * MiB } });
    const small = await host('small', { capacity: { cpu: 1, memory: 16 * MiB } });
    const roomy = await host('roomy', { capacity: { cpu: 1, memory: 64 * MiB } });
    const id = (await start(a, SLEEPER, { disk: 32 * MiB })).body.id;
    const refused = await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: small.url }) });
    const evs = await events(a.url, refused.body.id);
    expect(evs.at(-1).state).toBe('failed');
    expect(evs.at(-1).error.code).toBe('WASMOTION_ERR_ADMISSION');
    expect(evs.at(-1).error.message).toContain(`its disk's ${32 * MiB} included`);
    expect(evs.some((e) => e.state === 'precopy')).toBe(false);
    expect((await api(a.url, `/v1/guests/${id}`)).body.state).toBe('running');
    expect(await reserved(small.url)).toEqual({ cpu: 0, memory: 0 });

    const moved = await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: roomy.url }) });
    const last = (await events(a.url, moved.body.id)).at(-1);
    expect(last.state, JSON.stringify(last.error)).toBe('completed');
    expect(await reserved(roomy.url)).toEqual({ cpu: 0, memory: 32 * MiB });
    expect(await reserved(a.url)).toEqual({ cpu: 0, memory: 0 });
  });
});
