// Pages are authenticated end to end: a single bit changed on the data
// connection, where sealed page batches travel, fails the migration before
// anything of the batch reaches the guest, and the guest runs on at the source.
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

/**
 * A proxy to `target` that flips one bit of the byte at `offset` of what a
 * data connection (one that does not start with a TLS record) sends up.
 */
function flippingProxy(target: { host: string; port: number }, offset: number): { server: Server; flipped: () => number } {
  let flipped = 0;
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect(target);
    sockets.push(client, upstream);
    let seen = 0;
    let data: boolean | undefined;
    client.on('data', (chunk: Buffer) => {
      data ??= chunk[0] !== 0x16;
      if (data && seen <= offset && offset < seen + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[offset - seen] ^= 0x10;
        flipped++;
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
  return { server, flipped: () => flipped };
}

describe.skipIf(!existsSync(counter))('sealed page batches', () => {
  let a: HostAgent;
  let b: HostAgent;
  let proxy: ReturnType<typeof flippingProxy>;
  const failures: string[] = [];

  beforeAll(async () => {
    a = await HostAgent.start({ name: 'a', host: '127.0.0.1', port: 0, secret });
    b = await HostAgent.start({ name: 'b', host: '127.0.0.1', port: 0, secret });
    b.on('migration-in-failed', (e: { error: string }) => failures.push(e.error));
    const real = b.migrations.endpoint()!;
    // Past the preamble (24 bytes) and the first frame's header (5): inside the first batch's ciphertext.
    proxy = flippingProxy(real, 24 + 5 + 1000);
    proxy.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => proxy.server.once('listening', resolve));
    const via = proxy.server.address() as AddressInfo;
    b.migrations.endpoint = () => ({ ...real, host: '127.0.0.1', port: via.port });
    const bytes = readFileSync(counter);
    await api(a.url, `/v1/modules/${moduleDigest(bytes)}`, { method: 'PUT', body: bytes });
  }, 60_000);

  afterAll(async () => {
    proxy?.server.close();
    await a?.close();
    await b?.close();
  });

  test('one bit changed on the data connection fails the migration; the guest runs on at the source', async () => {
    const digest = moduleDigest(readFileSync(counter));
    const guest = (await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: digest, args: ['0', '256', '3'] }) })).body;
    const m = (await api(a.url, `/v1/guests/${guest.id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) })).body;
    const events = (await (await fetch(new URL(`/v1/migrations/${m.id}/events`, a.url))).text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    const final = events[events.length - 1];
    expect(proxy.flipped()).toBe(1);
    expect(final.state).toBe('failed');
    expect(final.error.code).toBe('WASMOTION_ERR_MIGRATION_AUTH');
    expect(failures.join('\n')).toMatch(/failed authentication/);
    expect((await api(a.url, `/v1/guests/${guest.id}`)).body.state).toBe('running');
    const there = await api(b.url, `/v1/guests/${guest.id}`);
    expect(there.status === 404 || there.body.state !== 'running').toBe(true);
    await api(a.url, `/v1/guests/${guest.id}/stop`, { method: 'POST' });
  }, 60_000);
});
