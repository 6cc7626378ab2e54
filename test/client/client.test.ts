import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  HostApiError,
  HostClient,
  logsFollowing,
  sha256Hex,
  waitFollowing,
  type MigrationEvent,
} from '../../host-shim/client/index.js';
import { WasmotionError } from '../../host-shim/errors.js';
import { FakeHost } from './fake-host.js';

const MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

let a: FakeHost;
let b: FakeHost;
beforeAll(async () => {
  [a, b] = await Promise.all([FakeHost.start(), FakeHost.start()]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

async function caught(promise: Promise<unknown>): Promise<WasmotionError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(WasmotionError);
    return err as WasmotionError;
  }
  throw new Error('expected a rejection');
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('HostClient', () => {
  test('reads host info; a trailing slash or a missing scheme in the URL does not matter', async () => {
    const info = await new HostClient(`${a.url}/`).host();
    expect(info.name).toBe('fake-1');
    expect(info.migration.protocol).toBe(1);
    expect(new HostClient(a.url.replace('http://', '')).url).toBe(a.url);
  });

  test('putModule asks with HEAD first and uploads a module only once', async () => {
    const bytes = new Uint8Array([...MODULE, 1]);
    const first = await new HostClient(a.url).putModule(bytes);
    const second = await new HostClient(a.url).putModule(bytes);
    expect(first).toEqual({ digest: sha256Hex(bytes), uploaded: true });
    expect(second).toEqual({ digest: first.digest, uploaded: false });
    expect(a.count(`PUT /v1/modules/${first.digest}`)).toBe(1);
    expect(a.count(`HEAD /v1/modules/${first.digest}`)).toBe(2);
    expect(Buffer.from(a.modules.get(first.digest)!)).toEqual(Buffer.from(bytes));
  });

  test('startGuest sends args, env, name and policy, and leaves out what was not given', async () => {
    const client = new HostClient(a.url);
    const g = await client.startGuest({ module: MODULE, args: ['x', 'y z'], env: { K: 'v' }, name: 'web' });
    expect(g).toMatchObject({ name: 'web', args: ['x', 'y z'], state: 'running', module: sha256Hex(MODULE) });
    expect(a.bodies.at(-1)).toEqual({ module: sha256Hex(MODULE), args: ['x', 'y z'], env: { K: 'v' }, name: 'web' });
    const bare = await client.startGuest({ module: sha256Hex(MODULE) });
    expect(a.bodies.at(-1)).toEqual({ module: sha256Hex(MODULE) });
    await client.startGuest({ module: sha256Hex(MODULE), policy: { cpu: { shares: 2000 } } });
    expect(a.bodies.at(-1)).toEqual({ module: sha256Hex(MODULE), policy: { cpu: { shares: 2000 } } });
    expect((await client.guests()).map((x) => x.id)).toEqual(expect.arrayContaining([g.id, bare.id]));
    expect((await client.guest(g.id)).name).toBe('web');
    expect((await client.stop(bare.id)).state).toBe('stopped');
  });

  test('an API error keeps its code, message and status', async () => {
    const err = await caught(new HostClient(a.url).guest('g-none'));
    expect(err).toBeInstanceOf(HostApiError);
    expect(err.code).toBe('WASMOTION_ERR_NO_GUEST');
    expect(err.message).toBe('no guest g-none on this host');
    expect((err as HostApiError).status).toBe(404);
    const refused = await caught(new HostClient(a.url).startGuest({ module: 'f'.repeat(64) }));
    expect(refused.code).toBe('WASMOTION_ERR_NO_MODULE');
  });

  test('an error that is not the API\'s (a proxy page) is a protocol error naming the URL and status', async () => {
    const err = await caught(new HostClient(a.url).guest('behind-a-proxy'));
    expect(err.code).toBe('WASMOTION_ERR_HOST_PROTOCOL');
    expect(err.message).toContain(`${a.url}/v1/guests/behind-a-proxy`);
    expect(err.message).toContain('HTTP 502');
    expect((err as HostApiError).status).toBe(502);
  });

  test('a bad digest is refused before any request', async () => {
    const err = await caught(new HostClient(a.url).startGuest({ module: 'not-a-digest' }));
    expect(err.code).toBe('WASMOTION_ERR_USAGE');
  });

  test('a host that cannot be reached gives WASMOTION_ERR_HOST_UNREACHABLE with the URL', async () => {
    const url = await closedPortUrl();
    const err = await caught(new HostClient(url).host());
    expect(err.code).toBe('WASMOTION_ERR_HOST_UNREACHABLE');
    expect(err.message).toContain(`${url}/v1/host`);
    expect(err.message).toContain('ECONNREFUSED');
  });

  test('a request that outlives its timeout fails with WASMOTION_ERR_HOST_TIMEOUT', async () => {
    a.stallHost = true;
    try {
      const started = Date.now();
      const err = await caught(new HostClient(a.url, { timeoutMs: 150 }).host());
      expect(err.code).toBe('WASMOTION_ERR_HOST_TIMEOUT');
      expect(err.message).toContain('150 ms');
      expect(Date.now() - started).toBeLessThan(2000);
      const perCall = await caught(new HostClient(a.url).host({ timeoutMs: 100 }));
      expect(perCall.code).toBe('WASMOTION_ERR_HOST_TIMEOUT');
    } finally {
      a.stallHost = false;
    }
  });

  test('followed logs deliver output while the guest runs, and end when it ends', async () => {
    const g = a.addGuest({}, [Buffer.from('before\n')]);
    const received: string[] = [];
    const iterator = new HostClient(a.url).logs(g.id, { follow: true })[Symbol.asyncIterator]();
    received.push(String((await iterator.next()).value));
    a.write(g.id, 'while running\n');
    received.push(String((await iterator.next()).value));
    // Both pieces arrived before the guest ended.
    expect(a.guests.get(g.id)!.info.state).toBe('running');
    a.finish(g.id, { state: 'exited', exitCode: 0 });
    expect((await iterator.next()).done).toBe(true);
    expect(received.join('')).toBe('before\nwhile running\n');
  });

  test('logs without follow give what was printed so far and end', async () => {
    const g = a.addGuest({}, [Buffer.from('one '), Buffer.from('two')]);
    const chunks: Buffer[] = [];
    for await (const chunk of new HostClient(a.url).logs(g.id)) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('one two');
  });

  test('logs from a byte offset, whether or not the host can start there itself', async () => {
    const output = [Buffer.from('0123'), Buffer.from('456789')];
    for (const honors of [true, false]) {
      a.honorsLogOffset = honors;
      const g = a.addGuest({}, output);
      const chunks: Buffer[] = [];
      for await (const chunk of new HostClient(a.url).logs(g.id, { from: 6 })) chunks.push(chunk);
      expect(Buffer.concat(chunks).toString(), `host honors from: ${honors}`).toBe('6789');
      expect(a.requests.at(-1)).toBe(`GET /v1/guests/${g.id}/logs`);
    }
    a.honorsLogOffset = true;
  });

  test('logs from a byte the host no longer holds start where its history does, and say what was dropped', async () => {
    a.holdsFrom = 4;
    const g = a.addGuest({}, [Buffer.from('0123'), Buffer.from('456789')]);
    const dropped: [number, number][] = [];
    const chunks: Buffer[] = [];
    for await (const chunk of new HostClient(a.url).logs(g.id, { from: 1, onDropped: (from, to) => dropped.push([from, to]) })) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('456789');
    expect(dropped).toEqual([[1, 4]]);
    a.holdsFrom = 0;
  });

  test('wait answers when the guest ends; a migrated guest gives GUEST_MIGRATED with `to`', async () => {
    const client = new HostClient(a.url);
    const g = a.addGuest();
    const waiting = client.wait(g.id);
    setTimeout(() => a.finish(g.id, { state: 'exited', exitCode: 7 }), 30);
    expect((await waiting).exitCode).toBe(7);

    const moving = a.addGuest();
    const pending = caught(client.wait(moving.id));
    setTimeout(() => a.moveTo(moving.id, b), 30);
    const err = await pending;
    expect(err.code).toBe('WASMOTION_ERR_GUEST_MIGRATED');
    expect((err as HostApiError).to).toBe(b.url);
  });

  test('waitFollowing and logsFollowing carry on at the host the guest moved to, without repeating output', async () => {
    // The new host sends its log from the start: the client must skip what it has shown.
    b.honorsLogOffset = false;
    const g = a.addGuest({}, [Buffer.from('on a; ')]);
    const moves: string[] = [];
    const text = (async () => {
      const chunks: Buffer[] = [];
      for await (const c of logsFollowing(new HostClient(a.url), g.id, { follow: true, onMove: (to) => moves.push(to) })) chunks.push(c);
      return Buffer.concat(chunks).toString();
    })();
    const waited = waitFollowing(new HostClient(a.url), g.id);
    await new Promise((r) => setTimeout(r, 50));
    a.moveTo(g.id, b);
    await new Promise((r) => setTimeout(r, 50));
    b.write(g.id, 'on b');
    setTimeout(() => b.finish(g.id, { state: 'exited', exitCode: 3 }), 30);
    const { info, host } = await waited;
    expect(info.exitCode).toBe(3);
    expect(host.url).toBe(b.url);
    expect(await text).toBe('on a; on b');
    expect(moves).toEqual([b.url]);
    b.honorsLogOffset = true;
  });

  test('logsFollowing goes on where the new host\'s history starts when it no longer holds the next byte', async () => {
    const g = a.addGuest({}, [Buffer.from('on a; ')]);
    const dropped: [number, number][] = [];
    const text = (async () => {
      const chunks: Buffer[] = [];
      for await (const c of logsFollowing(new HostClient(a.url), g.id, { follow: true, onDropped: (from, to) => dropped.push([from, to]) })) chunks.push(c);
      return Buffer.concat(chunks).toString();
    })();
    await new Promise((r) => setTimeout(r, 50));
    a.moveTo(g.id, b);
    b.write(g.id, 'lost; ');
    // b holds the guest's output from byte 12 on: 'on a; lost; ' are bytes 0-11.
    b.holdsFrom = 12;
    await new Promise((r) => setTimeout(r, 50));
    b.write(g.id, 'on b');
    setTimeout(() => b.finish(g.id, { state: 'exited', exitCode: 0 }), 30);
    expect(await text).toBe('on a; on b');
    expect(dropped).toEqual([[6, 12]]);
    b.holdsFrom = 0;
  });

  test('migrate sends only the given fields and its events arrive in order until completed', async () => {
    const client = new HostClient(a.url);
    const g = a.addGuest();
    const started = await client.migrate(g.id, { to: b.url, downtimeLimitMs: 300 });
    expect(a.bodies.at(-1)).toEqual({ to: b.url, downtimeLimitMs: 300 });
    expect(started).toMatchObject({ guest: g.id, to: b.url, state: 'queued' });
    const events: MigrationEvent[] = [];
    for await (const e of client.migrationEvents(started.id)) events.push(e);
    expect(events.map((e) => e.state)).toEqual(['queued', 'handshake', 'precopy', 'precopy', 'precopy', 'switchover', 'completed']);
    expect(events.at(-1)).toMatchObject({ downtimeMs: 3.1, totalMs: 412 });
    expect((await client.migration(started.id)).state).toBe('completed');
  });

  test('cancelMigration ends a migration with a cancelled event', async () => {
    a.nextMigration = 'hang';
    try {
      const client = new HostClient(a.url);
      const started = await client.migrate(a.addGuest().id, { to: b.url, policy: 'abort' });
      const states: string[] = [];
      for await (const e of client.migrationEvents(started.id)) {
        states.push(e.state);
        if (e.state === 'precopy') await client.cancelMigration(started.id);
      }
      expect(states).toEqual(['queued', 'handshake', 'precopy', 'cancelled']);
    } finally {
      a.nextMigration = 'complete';
    }
  });
});
