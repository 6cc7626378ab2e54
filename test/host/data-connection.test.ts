// The data connection, where sealed page batches travel: a single bit
// changed on it fails the migration before anything of the batch reaches the
// guest, and so does the connection's loss while the control connection
// stays up; either way the guest runs on at the source, and only there.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HostAgent } from '../../host-shim/host/agent.js';
import { moduleDigest } from '../../host-shim/snapshot/directory.js';

const counter = join(import.meta.dirname, '..', '..', 'build', 'guests', 'counter.wasm');
const secret = Buffer.from('tamper test cluster secret here!');

async function api(base: string, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, base), init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** What the proxy does to a data connection (one that does not start with a TLS record) at byte `at` of what it sends up. */
type Sabotage = { flip: true; at: number } | { reset: true; at: number };

/** A proxy to `target` that does `sabotage()` to data connections; `done` counts the times it did. */
function sabotagingProxy(target: { host: string; port: number }, sabotage: () => Sabotage): { server: Server; done: () => number } {
  let done = 0;
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect(target);
    sockets.push(client, upstream);
    let seen = 0;
    let data: boolean | undefined;
    client.on('data', (chunk: Buffer) => {
      data ??= chunk[0] !== 0x16;
      const what = sabotage();
      if (data && seen <= what.at && what.at < seen + chunk.length) {
        done++;
        if ('reset' in what) {
          upstream.resetAndDestroy();
          client.resetAndDestroy();
          return;
        }
        chunk = Buffer.from(chunk);
        chunk[what.at - seen] ^= 0x10;
      }
      seen += chunk.length;
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return { server, done: () => done };
}

describe.skipIf(!existsSync(counter))('the data connection', () => {
  let a: HostAgent;
  let b: HostAgent;
  let proxy: ReturnType<typeof sabotagingProxy>;
  let sabotage: Sabotage;
  const failures: string[] = [];

  beforeAll(async () => {
    a = await HostAgent.start({ name: 'a', host: '127.0.0.1', port: 0, secret });
    b = await HostAgent.start({ name: 'b', host: '127.0.0.1', port: 0, secret });
    b.on('migration-in-failed', (e: { error: string }) => failures.push(e.error));
    const real = b.migrations.endpoint()!;
    proxy = sabotagingProxy(real, () => sabotage);
    proxy.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => proxy.server.once('listening', resolve));
    const via = proxy.server.address() as AddressInfo;
    b.migrations.advertise({ host: '127.0.0.1', port: via.port });
    const bytes = readFileSync(counter);
    await api(a.url, `/v1/modules/${moduleDigest(bytes)}`, { method: 'PUT', body: bytes });
  }, 60_000);

  afterAll(async () => {
    proxy?.server.close();
    await a?.close();
    await b?.close();
  });

  /** Migrates a new counter guest from a to b through the proxy; returns the migration's last event, once the guest's fate is checked. */
  async function migrateFailing(): Promise<any> {
    const before = proxy.done();
    failures.length = 0;
    const digest = moduleDigest(readFileSync(counter));
    const guest = (await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: digest, args: ['0', '256', '3'] }) })).body;
    const m = (await api(a.url, `/v1/guests/${guest.id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) })).body;
    const events = (await (await fetch(new URL(`/v1/migrations/${m.id}/events`, a.url))).text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    const final = events[events.length - 1];
    expect(proxy.done()).toBe(before + 1);
    expect(final.state).toBe('failed');
    // The guest runs on at the source, and prints on: it was resumed.
    expect((await api(a.url, `/v1/guests/${guest.id}`)).body.state).toBe('running');
    const printed = async () => (await (await fetch(new URL(`/v1/guests/${guest.id}/logs`, a.url))).text()).length;
    const then = await printed();
    for (let i = 0; i < 100 && (await printed()) === then; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await printed()).toBeGreaterThan(then);
    const there = await api(b.url, `/v1/guests/${guest.id}`);
    expect(there.status === 404 || there.body.state !== 'running').toBe(true);
    await api(a.url, `/v1/guests/${guest.id}/stop`, { method: 'POST' });
    return final;
  }

  test('one bit changed on the data connection fails the migration with the destination\'s reason', async () => {
    // Past the preamble (24 bytes) and the first frame's header (5): inside the first batch's ciphertext.
    sabotage = { flip: true, at: 24 + 5 + 1000 };
    const final = await migrateFailing();
    expect(final.error.code).toBe('WASMOTION_ERR_MIGRATION_AUTH');
    expect(failures.join('\n')).toMatch(/failed authentication/);
  }, 60_000);

  test('the data connection lost in pre-copy, the control connection up, fails the migration', async () => {
    // Within the first batch (the counter's memory is a few hundred KiB).
    sabotage = { reset: true, at: 100_000 };
    const final = await migrateFailing();
    expect(final.error.code).toBe('WASMOTION_ERR_MIGRATION_CONNECTION');
    expect(failures.join('\n')).toMatch(/the migration data connection/);
  }, 60_000);
});
