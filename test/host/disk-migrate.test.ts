// A guest with a virtual disk moves back and forth between two host agents
// while it appends to files there: its disk moves in pre-copy beside its
// memory, and what it reads back (its printed checksums) and prints at the
// end equal a run that never moved.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { HostAgent } from '../../host-shim/host/agent.js';
import { api, host, sleep, start } from './agents.js';

const appender = join(import.meta.dirname, '..', '..', 'build', 'guests', 'appender.wasm');
const DISK = 16 << 20;
/** 600 rounds over 4 files, 4 ms apart: a few seconds of appending, a checksum line every 50 rounds. */
const ARGS = ['/data', '600', '4', '4'];

async function events(base: string, id: string): Promise<any[]> {
  const res = await fetch(new URL(`/v1/migrations/${id}/events`, base));
  return (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

const logs = async (a: HostAgent, id: string) => (await fetch(new URL(`/v1/guests/${id}/logs`, a.url))).text();

describe.skipIf(!existsSync(appender))('a guest with a disk migrates while it writes', () => {
  const bytes = existsSync(appender) ? readFileSync(appender) : new Uint8Array();

  test('moved four times, its files and output equal an unmoved run', async () => {
    const a = await host('a');
    const b = await host('b');
    const ref = await start(a, bytes, { args: ARGS, disk: DISK });
    expect(ref.status, JSON.stringify(ref.body)).toBe(201);
    expect(ref.body.diskBytes).toBe(DISK);
    expect((await api(a.url, `/v1/guests/${ref.body.id}/wait`)).body.exitCode).toBe(0);
    const expected = await logs(a, ref.body.id);
    expect(expected).toMatch(/round 600 sum [0-9a-f]{8}\n/);
    expect(expected).toMatch(/checksum [0-9a-f]{8}\n$/);

    const moved = await start(a, bytes, { args: ARGS, disk: DISK });
    const id = moved.body.id as string;
    let here = a;
    let there = b;
    const downtimes: number[] = [];
    for (let move = 0; move < 4; move++) {
      // Let it write a while here (at least one more checksum line) before it moves on.
      await sleep(250);
      const m = await api(here.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: there.url, downtimeLimitMs: 50 }) });
      expect(m.status).toBe(202);
      const evs = await events(here.url, m.body.id);
      const last = evs.at(-1);
      expect(last.state, JSON.stringify(last.error)).toBe('completed');
      // Round 1 carried the disk's written blocks beside the memory.
      expect(evs.find((e) => e.state === 'precopy').total).toBeGreaterThanOrEqual(DISK);
      downtimes.push(last.downtimeMs);
      const info = (await api(there.url, `/v1/guests/${id}`)).body;
      expect(info.diskBytes).toBe(DISK);
      expect(info.state).toBe('running');
      // What it printed so far (checksums of what it read back from its disk) is what the unmoved run printed.
      const sofar = await logs(there, id);
      expect(expected.startsWith(sofar), sofar).toBe(true);
      [here, there] = [there, here];
    }
    expect((await api(here.url, `/v1/guests/${id}/wait`)).body.exitCode).toBe(0);
    expect(await logs(here, id)).toBe(expected);
    expect(downtimes.every((ms) => ms > 0)).toBe(true);
  }, 60_000);

  test('a bad disk size is refused with a usage error', async () => {
    const a = await host('a');
    for (const disk of [1000, 4096, 2 ** 31, '16MiB']) {
      const r = await start(a, bytes, { args: ARGS, disk });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('WASMOTION_ERR_USAGE');
    }
  });
});
