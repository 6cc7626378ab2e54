// Peers that hold the cluster secret and break the migration protocol: a
// source that sends a real destination malformed or misplaced messages, and
// a destination that answers a real source with them. Every attempt ends
// with a stable error code; the destination takes no guest, the source's
// guest runs on, and both hosts go on serving.
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describe, expect, test } from 'vitest';
import type { HostAgent } from '../../host-shim/host/agent.js';
import { dataPreamble } from '../../host-shim/migration/listener.js';
import { secureConnect } from '../../host-shim/migration/transport.js';
import { FrameReader, MAX_FRAME, Msg, PROTOCOL, encodeState, writeFrame, writeJson } from '../../host-shim/migration/wire.js';
import { moduleDigest } from '../../host-shim/snapshot/directory.js';
import { SECRET, afterTest, api, host } from './agents.js';
import { fakeDestination, readyWith, welcomeWith, type Script } from './fake-destination.js';

// (module (memory (export "memory") 1)): enough of a guest to be prepared.
const SCRATCH = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x05, 0x03, 0x01, 0x00, 0x01,
  0x07, 0x0a, 0x01, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
]);
const NOT_WASM = Buffer.from('these bytes are not a wasm module');
const counter = join(import.meta.dirname, '..', '..', 'build', 'guests', 'counter.wasm');

interface Reply {
  type: number;
  body: Record<string, unknown>;
}

/** What a peer sends a destination, on the control connection and (once it has a channel) the data connection. */
interface Peer {
  control: TLSSocket;
  reader: FrameReader;
  /** Sends `hello`, opens the data connection to the channel the WELCOME names, sends `module` if asked; returns the data connection. */
  welcomed(hello: object, module?: Uint8Array): Promise<Socket>;
  /** As welcomed, then waits for PREPARED. */
  prepared(hello?: object): Promise<Socket>;
  /** The destination's next message. */
  reply(): Promise<Reply>;
}

let guestNumber = 0;

/** A HELLO a destination accepts, for the SCRATCH guest; `change` alters it. */
function hello(change: (h: any) => void = () => undefined): object {
  const h = {
    protocol: PROTOCOL,
    migration: 'm-hostile',
    guest: { id: `g-hostile${guestNumber++}`, name: null, module: moduleDigest(SCRATCH), args: [] },
    features: [],
    capabilities: [],
    memoryBytes: 65536,
    diskBytes: null,
    state: '1.0',
  };
  change(h);
  return h;
}

async function peerOf(b: HostAgent): Promise<Peer> {
  const at = b.migrations.endpoint()!;
  const control = await secureConnect(SECRET, at.host, at.port, 5_000);
  afterTest(() => control.destroy());
  const reader = new FrameReader(control);
  const reply = async (): Promise<Reply> => {
    const f = await reader.next(10_000);
    return { type: f.type, body: JSON.parse(f.payload.toString()) };
  };
  const welcomed = async (h: object, module: Uint8Array = SCRATCH): Promise<Socket> => {
    await writeJson(control, Msg.Hello, h);
    const welcome = await reply();
    expect(welcome.type, JSON.stringify(welcome.body)).toBe(Msg.Welcome);
    expect(welcome.body.accept, JSON.stringify(welcome.body)).toBe(true);
    const data = connect({ host: at.host, port: at.port });
    afterTest(() => data.destroy());
    data.on('error', () => undefined);
    await new Promise((resolve) => data.once('connect', resolve));
    data.write(dataPreamble(Buffer.from(welcome.body.channel as string, 'hex')));
    if (!welcome.body.haveModule) await writeFrame(control, Msg.Module, module);
    return data;
  };
  const prepared = async (h: object = hello()): Promise<Socket> => {
    const data = await welcomed(h);
    const f = await reader.next(10_000);
    expect(f.type).toBe(Msg.Prepared);
    return data;
  };
  return { control, reader, welcomed, prepared, reply };
}

/** A STATE whose metadata is `meta`, with a few bytes of state. */
const stateWith = (meta: unknown) => encodeState(meta, Buffer.alloc(16));
const ZERO_DIGEST = '00'.repeat(16);

describe('a source that breaks the protocol', () => {
  const refusals: { name: string; send: (p: Peer) => Promise<unknown>; code: string }[] = [
    { name: 'a first message that is not HELLO', send: (p) => writeJson(p.control, Msg.Go, {}), code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' },
    { name: 'a HELLO that is not JSON', send: (p) => writeFrame(p.control, Msg.Hello, Buffer.from('{"protocol":')), code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' },
    ...[null, [], 5, 'hello'].map((value) => ({ name: `a HELLO of ${JSON.stringify(value)}`, send: (p: Peer) => writeJson(p.control, Msg.Hello, value), code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' })),
    ...Object.entries({
      'a protocol in a string': (h: any) => { h.protocol = String(PROTOCOL); },
      'args that are not strings': (h: any) => { h.guest.args = [1, {}]; },
      'args that are not a list': (h: any) => { h.guest.args = 7; },
      'a name that is not a string': (h: any) => { h.guest.name = { first: 'x' }; },
      'a guest id that is a path': (h: any) => { h.guest.id = '../../etc/passwd'; },
      'an empty guest id': (h: any) => { h.guest.id = ''; },
      'a module that is not a digest': (h: any) => { h.guest.module = 'abc'; },
      'memory in a string': (h: any) => { h.memoryBytes = 'lots'; },
      'negative memory': (h: any) => { h.memoryBytes = -65536; },
      'features that are not a list': (h: any) => { h.features = 'simd128'; },
      'a disk of 3 bytes': (h: any) => { h.diskBytes = 3; },
      'no checkpoint version': (h: any) => { delete h.state; },
    }).map(([what, change]) => ({ name: `a HELLO with ${what}`, send: (p: Peer) => writeJson(p.control, Msg.Hello, hello(change)), code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' })),
    {
      name: 'a frame of 0 bytes',
      send: (p) => new Promise((resolve) => p.control.write(Buffer.alloc(4), resolve)),
      code: 'WASMOTION_ERR_MIGRATION_PROTOCOL',
    },
    {
      name: 'a frame longer than the largest',
      send: (p) => {
        const head = Buffer.alloc(5);
        head.writeUInt32LE(MAX_FRAME + 1, 0);
        return new Promise((resolve) => p.control.write(head, resolve));
      },
      code: 'WASMOTION_ERR_MIGRATION_PROTOCOL',
    },
    {
      name: 'module bytes other than the announced ones',
      send: (p) => p.welcomed(hello((h) => (h.guest.module = moduleDigest(Buffer.from('some other module')))), SCRATCH),
      code: 'WASMOTION_ERR_MIGRATION_PROTOCOL',
    },
    { name: 'a module that is not wasm', send: (p) => p.welcomed(hello((h) => (h.guest.module = moduleDigest(NOT_WASM))), NOT_WASM), code: 'WASMOTION_ERR_MALFORMED' },
    { name: 'GO before STATE', send: async (p) => (await p.prepared(), writeJson(p.control, Msg.Go, {})), code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' },
    { name: 'PAGES on the control connection', send: async (p) => (await p.prepared(), writeFrame(p.control, Msg.Pages, Buffer.alloc(64))), code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' },
    ...[null, { frames: 'all', digest: ZERO_DIGEST, diskDigest: ZERO_DIGEST }, { frames: 0, digest: 'not hex', diskDigest: ZERO_DIGEST }, { frames: 0, digest: ZERO_DIGEST }].map((meta) => ({
      name: `a STATE with metadata ${JSON.stringify(meta)}`,
      send: async (p: Peer) => (await p.prepared(), writeFrame(p.control, Msg.State, stateWith(meta))),
      code: 'WASMOTION_ERR_MIGRATION_PROTOCOL',
    })),
    {
      name: 'a forged page batch on the data connection',
      send: async (p) => {
        const data = await p.prepared();
        const frame = Buffer.alloc(5 + 4096 + 16, 0x5a);
        frame.writeUInt32LE(1 + 4096 + 16, 0);
        frame[4] = Msg.Pages;
        data.write(frame);
      },
      code: 'WASMOTION_ERR_MIGRATION_AUTH',
    },
  ];

  for (const { name, send, code } of refusals) {
    test(`${name}: refused with ${code}, no guest taken`, async () => {
      const b = await host('b');
      const p = await peerOf(b);
      await send(p);
      const r = await p.reply();
      // A refusal in the handshake comes as a WELCOME that says no; anything later as an ABORT.
      if (r.type === Msg.Welcome) expect(r.body.accept).toBe(false);
      else expect(r.type, JSON.stringify(r.body)).toBe(Msg.Abort);
      expect(r.body.code, JSON.stringify(r.body)).toBe(code);
      expect((await api(b.url, '/v1/guests')).body).toEqual([]);
      expect((await api(b.url, '/v1/host')).status).toBe(200);
    });
  }

  test('a HELLO of another protocol, in another shape, is refused for its version', async () => {
    const b = await host('b');
    const p = await peerOf(b);
    await writeJson(p.control, Msg.Hello, { protocol: PROTOCOL + 1, guest: 'described otherwise' });
    const r = await p.reply();
    expect(r).toMatchObject({ type: Msg.Welcome, body: { accept: false, code: 'WASMOTION_ERR_MIGRATION_VERSION' } });
  });

  test('a STATE whose digests do not match the pages written is not verified, and no guest is taken', async () => {
    const b = await host('b');
    const p = await peerOf(b);
    await p.prepared();
    await writeFrame(p.control, Msg.State, stateWith({ frames: 0, digest: 'ff'.repeat(16), diskDigest: ZERO_DIGEST }));
    const r = await p.reply();
    expect(r).toMatchObject({ type: Msg.Ready, body: { ok: false } });
    expect(r.body.reason).toMatch(/checksums/);
    expect((await p.reply())).toMatchObject({ type: Msg.Abort, body: { code: 'WASMOTION_ERR_MIGRATION_VERIFY' } });
    expect((await api(b.url, '/v1/guests')).body).toEqual([]);
  });
});

describe.skipIf(!existsSync(counter))('a destination that breaks the protocol', () => {
  const bytes = existsSync(counter) ? readFileSync(counter) : new Uint8Array();
  const cases: { name: string; script: Script; hostInfo?: unknown; code: string }[] = [
    { name: 'a WELCOME that is not JSON', script: welcomeWith(Buffer.from('{')), code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' },
    { name: 'a WELCOME of null', script: welcomeWith(null), code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' },
    { name: 'a WELCOME that accepts in a string', script: welcomeWith({ accept: 'yes' }), code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' },
    { name: 'a refusal with a number for its code', script: welcomeWith({ accept: false, code: 42, reason: 'no' }), code: 'WASMOTION_ERR_MIGRATION_REFUSED' },
    { name: 'a refusal with a code not of wasmotion', script: welcomeWith({ accept: false, code: 'EVIL', reason: { long: 'x'.repeat(10_000) } }), code: 'WASMOTION_ERR_MIGRATION_REFUSED' },
    { name: 'a WELCOME without a data channel', script: welcomeWith({ accept: true }), code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' },
    {
      name: 'an ABORT with a code not of wasmotion',
      script: async (control, reader) => {
        await reader.expect(Msg.Hello, 10_000);
        await writeJson(control, Msg.Abort, { code: 'EVIL', message: 42 });
        await reader.next(10_000);
      },
      code: 'WASMOTION_ERR_MIGRATION_ABORTED',
    },
    { name: 'a READY of null', script: readyWith(null), code: 'WASMOTION_ERR_MIGRATION_VERIFY' },
    { name: 'a READY that says ok in a string', script: readyWith({ ok: 'yes' }), code: 'WASMOTION_ERR_MIGRATION_VERIFY' },
    { name: 'host info with a migration address of the wrong types', script: welcomeWith(null), hostInfo: { migration: { host: 5, port: 'x' }, switch: null }, code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' },
    { name: 'host info with a port beyond 65535', script: welcomeWith(null), hostInfo: { migration: { host: '127.0.0.1', port: 70000 }, switch: null }, code: 'WASMOTION_ERR_MIGRATION_PROTOCOL' },
  ];

  for (const { name, script, hostInfo, code } of cases) {
    test(`${name}: the migration fails with ${code}, the guest runs on at the source`, async () => {
      const a = await host('a');
      const fake = await fakeDestination(script, { hostInfo });
      await api(a.url, `/v1/modules/${moduleDigest(bytes)}`, { method: 'PUT', body: bytes });
      const g = (await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: moduleDigest(bytes), args: ['0', '64', '5'] }) })).body;
      const m = await api(a.url, `/v1/guests/${g.id}/migrate`, { method: 'POST', body: JSON.stringify({ to: fake.url }) });
      expect(m.status).toBe(202);
      const events = (await (await fetch(new URL(`/v1/migrations/${m.body.id}/events`, a.url))).text()).split('\n').filter((l) => l.trim());
      const last = JSON.parse(events[events.length - 1]);
      expect(last.state).toBe('failed');
      expect(last.error.code, last.error.message).toBe(code);
      expect(last.error.message.length).toBeLessThan(1_000);
      // GO goes out only after a READY that says ok: true.
      expect(fake.seen.map((f) => f.type)).not.toContain(Msg.Go);
      const info = (await api(a.url, `/v1/guests/${g.id}`)).body;
      expect(info.state).toBe('running');
      const before = (await (await fetch(new URL(`/v1/guests/${g.id}/logs`, a.url))).text()).length;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await (await fetch(new URL(`/v1/guests/${g.id}/logs`, a.url))).text()).length).toBeGreaterThan(before);
    });
  }
});

describe.skipIf(!existsSync(counter))('a guest that two migrations bring at once', () => {
  test('only the migration that reaches STATE first may answer READY: the other fails with _DUPLICATE, and its guest runs on at the source', async () => {
    const a = await host('a');
    const b = await host('b');
    const bytes = readFileSync(counter);
    await api(a.url, `/v1/modules/${moduleDigest(bytes)}`, { method: 'PUT', body: bytes });
    const g = (await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: moduleDigest(bytes), args: ['0', '64', '5'] }) })).body;
    // A peer brings a guest of the same id to b and holds its STATE open: it names a sealed frame that never comes.
    const p = await peerOf(b);
    await p.prepared(hello((h) => (h.guest.id = g.id)));
    await writeFrame(p.control, Msg.State, stateWith({ frames: 1, digest: ZERO_DIGEST, diskDigest: ZERO_DIGEST }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const m = await api(a.url, `/v1/guests/${g.id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) });
    const events = (await (await fetch(new URL(`/v1/migrations/${m.body.id}/events`, a.url))).text()).split('\n').filter((l) => l.trim());
    const last = JSON.parse(events[events.length - 1]);
    expect(last.state).toBe('failed');
    expect(last.error.code, last.error.message).toBe('WASMOTION_ERR_MIGRATION_DUPLICATE');
    expect((await api(a.url, `/v1/guests/${g.id}`)).body.state).toBe('running');
    expect((await api(b.url, '/v1/guests')).body).toEqual([]);
  });
});
