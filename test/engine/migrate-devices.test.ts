// Guests with devices move live between two hosts whose VMMs run on
// wasmtime: a guest with a disk (the appender) keeps its files, and a guest
// with a service on the virtual switch (the key-value server) keeps its
// clients' connections, as between V8 hosts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { HostAgent } from '../../host-shim/host/agent.js';
import { VirtualSwitch } from '../../host-shim/switch/switch.js';
import { KvClient } from '../../tools/bench-service/kv-client.js';
import { checkLog } from '../../tools/bench-service/log-check.js';
import { SECRET, api, host, sleep, start } from '../host/agents.js';
import { reference, wasmtimeMissing } from './support.js';

const guests = join(import.meta.dirname, '..', '..', 'build', 'guests');
const appender = join(guests, 'appender.wasm');
const kvserver = join(guests, 'kvserver.wasm');
const missing = wasmtimeMissing();
const DISK = 1 << 20;
const switches: VirtualSwitch[] = [];

afterEach(async () => {
  for (const sw of switches.splice(0)) await sw.close();
});

/** Why a test cannot run here, or null. */
function cannotRun(guest: string): string | null {
  return missing ?? (existsSync(guest) ? null : `${guest} is not built (npm run build:guests)`);
}

/** Migrates guest `id` from `from` to `to` and returns the migration's last event, which must say completed. */
async function migrate(from: HostAgent, to: HostAgent, id: string): Promise<any> {
  const m = await api(from.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: to.url }) });
  expect(m.status, JSON.stringify(m.body)).toBe(202);
  const text = await (await fetch(new URL(`/v1/migrations/${m.body.id}/events`, from.url))).text();
  const last = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)).at(-1);
  expect(last.state, JSON.stringify(last.error)).toBe('completed');
  return last;
}

const logs = async (a: HostAgent, id: string) => (await fetch(new URL(`/v1/guests/${id}/logs`, a.url))).text();

describe('guests with devices migrate between wasmtime hosts', () => {
  test('a guest with a disk moves three times while it writes; its files read back as in an unmoved run', async (ctx) => {
    const why = cannotRun(appender);
    if (why) return ctx.skip(why);
    const bytes = readFileSync(appender);
    // The sleep between rounds changes no line: the reference runs without it.
    const expected = await reference(bytes, ['/data', '300', '4', '0'], 'guest.wasm', { disk: { bytes: DISK } });
    expect(expected).toMatch(/round 300 sum [0-9a-f]{8}\n/);
    expect(expected).toMatch(/checksum [0-9a-f]{8}\n$/);
    const a = await host('wa', { engine: 'wasmtime' });
    const b = await host('wb', { engine: 'wasmtime' });
    expect((await api(b.url, '/v1/host')).body.engine).toBe('wasmtime');
    const g = await start(a, bytes, { args: ['/data', '300', '4', '30'], disk: DISK });
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    const id = g.body.id as string;
    let [here, there] = [a, b];
    for (let move = 0; move < 3; move++) {
      await sleep(300);
      const last = await migrate(here, there, id);
      expect(last.downtimeMs).toBeGreaterThan(0);
      const info = (await api(there.url, `/v1/guests/${id}`)).body;
      expect(info.state).toBe('running');
      expect(info.diskBytes).toBe(DISK);
      // Each checksum line so far is of what it read back from its disk: the same as unmoved.
      const sofar = await logs(there, id);
      expect(expected.startsWith(sofar), sofar).toBe(true);
      // It moved while it was still writing: its final checksum was not printed yet.
      expect(sofar).not.toMatch(/^checksum/m);
      [here, there] = [there, here];
    }
    const waited = await api(here.url, `/v1/guests/${id}/wait`);
    expect(waited.body.exitCode, JSON.stringify(waited.body)).toBe(0);
    expect(await logs(here, id)).toBe(expected);
  }, 180_000);

  test('a guest with a service and a disk moves back and forth; its client keeps its connection, the guest its data and its files', async (ctx) => {
    const why = cannotRun(kvserver);
    if (why) return ctx.skip(why);
    const sw = await VirtualSwitch.start({ host: '127.0.0.1', port: 0, secret: SECRET });
    switches.push(sw);
    const [address, port] = sw.endpoint.split(':');
    const attached = { switch: { host: address, port: Number(port) }, engine: 'wasmtime' as const };
    const a = await host('wa', attached);
    const b = await host('wb', attached);
    // Its writes go to a log on its disk (fd 3), its listener is fd 4.
    const g = await start(a, readFileSync(kvserver), { listen: 0, disk: DISK, args: ['--log', '/data/kv.log', '4'] });
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    const id = g.body.id as string;
    const service = g.body.service as { address: string; port: number };
    const held = await KvClient.connect(service.port);
    const writes = { lines: ['SET p0:before moving'], acked: 0 };
    expect(await held.request('SET p0:before moving')).toBe('OK');
    writes.acked++;
    let [here, there] = [a, b];
    for (let move = 0; move < 4; move++) {
      // Requests in flight across the switchover: answered in order once the guest runs on its new host.
      writes.lines.push(`SET p0:k${move} v${move}`);
      const inFlight = held.pipeline([`SET p0:k${move} v${move}`, `GET p0:k${move}`]);
      await migrate(here, there, id);
      expect(await inFlight).toEqual(['OK', `VALUE v${move}`]);
      writes.acked++;
      // Its log, read back from its disk through its service, holds every write in order.
      const files = await checkLog(held, new Map([['p0', writes]]));
      expect(files.problems).toEqual([]);
      expect(files.entries).toBe(move + 2);
      expect(await held.request('GET p0:before')).toBe('VALUE moving');
      const info = (await api(there.url, `/v1/guests/${id}`)).body;
      expect(info.service?.address ?? service.address).toBe(service.address);
      // A new connection reaches it at the same address.
      const fresh = await KvClient.connect(service.port);
      expect(await fresh.request(`GET p0:k${move}`)).toBe(`VALUE v${move}`);
      await fresh.quit();
      [here, there] = [there, here];
    }
    expect(await held.request('COUNT')).toBe('COUNT 5');
    expect(await held.request('SHUTDOWN')).toBe('BYE');
    const waited = await api(here.url, `/v1/guests/${id}/wait`);
    expect(waited.body.exitCode, JSON.stringify(waited.body)).toBe(0);
  }, 180_000);
});
