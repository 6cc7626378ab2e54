// The virtual switch against hosts played by the test: publishing, client
// connections multiplexed by id, and what happens when a new host attaches
// the guest (resume by offsets, superseded links ignored, stale ones
// refused), when none is attached, and when the guest goes away.
import { connect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualSwitch } from '../../host-shim/switch/switch.js';
import { switchConnect } from '../../host-shim/switch/transport.js';
import { Frame, FrameParser, dataHeader, idFrame, jsonFrame, offsetFrame, readData, readId, readJson, readOffset } from '../../host-shim/switch/wire.js';

const secret = Buffer.from('test cluster secret, 32 bytes..');
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: () => T | undefined, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

/** A host link played by the test: frames it got, in readable form. */
class FakeHost {
  readonly got: string[] = [];
  closed = false;
  private constructor(readonly socket: TLSSocket) {
    const parser = new FrameParser((type, p) => this.got.push(show(type, p)));
    socket.on('data', (d: Buffer) => parser.push(d));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }
  static async connect(sw: VirtualSwitch): Promise<FakeHost> {
    const [host, port] = sw.endpoint.split(':');
    const h = new FakeHost(await switchConnect(secret, host, Number(port), 2000));
    closers.push(() => h.socket.destroy());
    return h;
  }
  attach(guest: string, epoch: number, conns: { id: number; rx: number; rxEnded: boolean }[] = [], port = 0): void {
    this.socket.write(jsonFrame(Frame.Attach, { guest, port, epoch, conns }));
  }
  data(id: number, offset: number, text: string): void {
    this.socket.write(Buffer.concat([dataHeader(id, offset, text.length), Buffer.from(text)]));
  }
  send(frame: Buffer): void {
    this.socket.write(frame);
  }
  take(): string[] {
    return this.got.splice(0);
  }
  async next(match: RegExp): Promise<string> {
    return until(() => this.got.find((g) => match.test(g)));
  }
}

function show(type: number, p: Buffer): string {
  switch (type) {
    case Frame.Attached: return `ATTACHED ${readJson(p).port}`;
    case Frame.Refused: return `REFUSED ${readJson(p).code}`;
    case Frame.Open: return `OPEN ${readId(p)}`;
    case Frame.Reset: return `RESET ${readId(p)}`;
    case Frame.Data: { const d = readData(p); return `DATA ${d.id}@${d.offset} ${d.bytes.toString()}`; }
    case Frame.Ack: { const o = readOffset(p); return `ACK ${o.id}@${o.offset}`; }
    case Frame.End: { const o = readOffset(p); return `END ${o.id}@${o.offset}`; }
    default: return `FRAME ${type}`;
  }
}

async function client(port: number): Promise<{ socket: Socket; text: () => string; ended: Promise<void>; closed: Promise<boolean> }> {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise((resolve) => socket.once('connect', resolve));
  closers.push(() => socket.destroy());
  let text = '';
  socket.on('data', (d: Buffer) => (text += d));
  socket.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
  const closed = new Promise<boolean>((resolve) => socket.once('close', (hadError) => resolve(hadError)));
  return { socket, text: () => text, ended, closed };
}

async function start(orphanTimeoutMs?: number): Promise<VirtualSwitch> {
  const sw = await VirtualSwitch.start({ host: '127.0.0.1', port: 0, secret, orphanTimeoutMs });
  closers.push(() => sw.close());
  return sw;
}

async function published(sw: VirtualSwitch, h: FakeHost, guest: string, epoch = 1, conns: { id: number; rx: number; rxEnded: boolean }[] = []): Promise<number> {
  h.attach(guest, epoch, conns);
  const line = await h.next(/^ATTACHED/);
  h.got.splice(h.got.indexOf(line), 1);
  return Number(line.split(' ')[1]);
}

describe('virtual switch', () => {
  test('publishes a guest and carries a client connection both ways, with offsets and acknowledgements', async () => {
    const sw = await start();
    const h = await FakeHost.connect(sw);
    const port = await published(sw, h, 'g1');
    expect(sw.services.get('g1')?.address).toBe(`127.0.0.1:${port}`);
    const c = await client(port);
    c.socket.write('hello');
    await h.next(/^DATA 1@0 hello/);
    expect(h.take()).toEqual(['OPEN 1', 'DATA 1@0 hello']);
    h.send(idFrame(Frame.Opened, 1));
    h.data(1, 0, 'world');
    await until(() => c.text() === 'world');
    expect(await h.next(/^ACK/)).toBe('ACK 1@5');
    h.send(offsetFrame(Frame.Ack, 1, 5));
    h.send(offsetFrame(Frame.End, 1, 5));
    await c.ended;
    c.socket.end();
    await h.next(/^END 1@5/);
  });

  test('a new host resumes every connection where its guest stands; the superseded one is cut off and ignored', async () => {
    const sw = await start();
    const a = await FakeHost.connect(sw);
    const port = await published(sw, a, 'g');
    const c = await client(port);
    c.socket.write('0123456789');
    await a.next(/^DATA 1@0/);
    a.send(idFrame(Frame.Opened, 1));
    a.send(offsetFrame(Frame.Ack, 1, 4)); // the guest on A has "0123"
    a.data(1, 0, 'abc');
    await until(() => c.text() === 'abc');
    // B's guest came from a checkpoint with 6 client bytes and none of its own acknowledged.
    const b = await FakeHost.connect(sw);
    expect(await published(sw, b, 'g', 2, [{ id: 1, rx: 6, rxEnded: false }])).toBe(port);
    await until(() => a.closed);
    await b.next(/^ACK/);
    expect(b.take()).toEqual(['DATA 1@6 6789', 'ACK 1@3']);
    // B sends its bytes again from 0: the client gets only what it lacked.
    b.data(1, 0, 'abcdef');
    await until(() => c.text() === 'abcdef');
    expect(await b.next(/^ACK/)).toBe('ACK 1@6');
  });

  test('refuses an attachment older than the current one, and a port taken by another guest', async () => {
    const sw = await start();
    const a = await FakeHost.connect(sw);
    const port = await published(sw, a, 'g', 5);
    const stale = await FakeHost.connect(sw);
    stale.attach('g', 5);
    expect(await stale.next(/^REFUSED/)).toBe('REFUSED WASMOTION_ERR_SWITCH_STALE');
    const other = await FakeHost.connect(sw);
    other.attach('h', 1, [], port);
    expect(await other.next(/^REFUSED/)).toBe('REFUSED WASMOTION_ERR_SWITCH_PORT');
    expect(a.closed).toBe(false);
  });

  test('clients wait while no host is attached; the next host gets them, finishes released ones and resets unknown ones', async () => {
    const sw = await start();
    const a = await FakeHost.connect(sw);
    const port = await published(sw, a, 'g');
    const released = await client(port);
    await a.next(/^OPEN 1/);
    a.send(idFrame(Frame.Opened, 1));
    a.socket.destroy();
    await until(() => !sw.services.get('g')!.attached);
    const waiting = await client(port);
    waiting.socket.end('GET x\n');
    await sleep(50);
    const b = await FakeHost.connect(sw);
    await published(sw, b, 'g', 2, [{ id: 99, rx: 0, rxEnded: false }]);
    await b.next(/^END 2/);
    expect(b.take()).toEqual(['OPEN 2', 'DATA 2@0 GET x\n', 'END 2@6', 'RESET 99']);
    // Connection 1 was established on A and B's guest no longer holds it: it was released.
    expect(await released.closed).toBe(true);
  });

  test('a service without a host for too long is closed, and so is one whose guest unpublished', async () => {
    const sw = await start(100);
    const a = await FakeHost.connect(sw);
    await published(sw, a, 'orphan');
    const b = await FakeHost.connect(sw);
    const port = await published(sw, b, 'leaving');
    const c = await client(port);
    a.socket.destroy();
    await until(() => !sw.services.has('orphan'));
    b.send(jsonFrame(Frame.Unpublish, {}));
    await until(() => !sw.services.has('leaving'));
    await c.closed;
  });

  test('a link that sends garbage is dropped; one without the secret never gets in', async () => {
    const sw = await start();
    const refused: unknown[] = [];
    sw.on('link-refused', (e) => refused.push(e));
    const bad = await FakeHost.connect(sw);
    bad.socket.write(Buffer.from([0xff, 0xff, 0xff, 0x7f, 1]));
    await until(() => bad.closed);
    expect(refused).toHaveLength(1);
    const [host, port] = sw.endpoint.split(':');
    await expect(switchConnect(Buffer.from('a different secret of 32 bytes.'), host, Number(port), 2000)).rejects.toMatchObject({
      code: 'WASMOTION_ERR_SWITCH_UNREACHABLE',
    });
  });
});
