// The host side of the socket device (host-shim/sockets/guest-net.ts)
// against a recording peer: bytes acknowledged only once in the guest,
// duplicates skipped by offset, sent bytes kept until acknowledged and sent
// again after a rewind, nothing applied while frozen, backlog and receive
// room waited for, connections released once done.
import { describe, expect, it } from 'vitest';
import { GuestNet, type NetPeer } from '../../host-shim/sockets/guest-net.js';
import { VmmNet } from '../../host-shim/sockets/vmm-net.js';
import { WasiHarness } from '../wasi/harness.js';
import { Errno } from '../wasi/preview1.js';

const enc = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

class Recorder implements NetPeer {
  readonly events: string[] = [];
  data(id: number, offset: number, bytes: Uint8Array): void {
    this.events.push(`data ${id}@${offset} ${text(bytes)}`);
  }
  end(id: number, offset: number): void {
    this.events.push(`end ${id}@${offset}`);
  }
  received(id: number, offset: number): void {
    this.events.push(`received ${id}@${offset}`);
  }
  opened(id: number): void {
    this.events.push(`opened ${id}`);
  }
  refused(id: number): void {
    this.events.push(`refused ${id}`);
  }
  closed(id: number): void {
    this.events.push(`closed ${id}`);
  }
  take(): string[] {
    return this.events.splice(0);
  }
}

function setup(): { h: WasiHarness; net: GuestNet; peer: Recorder } {
  const h = new WasiHarness({ pages: 4 });
  const net = new GuestNet(new VmmNet(h.engine.vmm));
  const peer = new Recorder();
  net.peer = peer;
  net.vmm.listen(80);
  return { h, net, peer };
}

function accept(h: WasiHarness): number {
  expect(h.call('sock_accept', 3, 0, 0x10)).toBe(Errno.success);
  return h.view().getUint32(0x10, true);
}

function read(h: WasiHarness, fd: number): string {
  h.view().setUint32(0x100, 0x1000, true);
  h.view().setUint32(0x104, 4096, true);
  expect(h.call('fd_read', fd, 0x100, 1, 0x20)).toBe(Errno.success);
  return text(h.memory().subarray(0x1000, 0x1000 + h.view().getUint32(0x20, true)));
}

function write(h: WasiHarness, fd: number, s: string): void {
  h.memory().set(enc(s), 0x2000);
  h.view().setUint32(0x100, 0x2000, true);
  h.view().setUint32(0x104, s.length, true);
  expect(h.call('fd_write', fd, 0x100, 1, 0x20)).toBe(Errno.success);
}

describe('GuestNet', () => {
  it('opens, brings bytes in and acknowledges them, skipping what the guest already has', () => {
    const { h, net, peer } = setup();
    net.open(1);
    net.receive(1, 0, enc('GET a\n'));
    net.receive(1, 3, enc(' a\nGET b\n')); // overlaps: only "GET b\n" is new
    expect(peer.take()).toEqual(['opened 1', 'received 1@6', 'received 1@12']);
    const fd = accept(h);
    expect(read(h, fd)).toBe('GET a\nGET b\n');
    expect(() => net.receive(1, 20, enc('x'))).toThrow(/offset 20, expected 12/);
  });

  it('sends the guest\'s bytes with their offsets after a slice, keeps them until acknowledged, and sends them again after a rewind', () => {
    const { h, net, peer } = setup();
    net.open(1);
    const fd = accept(h);
    peer.take();
    write(h, fd, 'hello ');
    write(h, fd, 'world');
    net.afterRun();
    expect(peer.take()).toEqual(['data 1@0 hello world']);
    net.afterRun();
    expect(peer.take()).toEqual([]);
    net.ack(1, 6);
    net.rewind();
    net.afterRun();
    expect(peer.take()).toEqual(['data 1@6 world']);
    expect(() => net.ack(1, 100)).toThrow(/more than were sent/);
  });

  it('ends and releases a connection the guest closed once its bytes are acknowledged', () => {
    const { h, net, peer } = setup();
    net.open(1);
    const fd = accept(h);
    write(h, fd, 'bye');
    expect(h.call('fd_close', fd)).toBe(Errno.success);
    net.afterRun();
    expect(peer.take()).toEqual(['opened 1', 'data 1@0 bye', 'end 1@3']);
    net.ack(1, 3);
    net.afterRun();
    expect(peer.take()).toEqual(['closed 1']);
    expect(net.known()).toEqual([]);
  });

  it('holds a peer end until the bytes before it are in, and treats a reset of a connection not yet opened as closed', () => {
    const { h, net, peer } = setup();
    net.open(1);
    net.receive(1, 0, enc('abc'));
    net.peerEnd(1, 3);
    const fd = accept(h);
    expect(read(h, fd)).toBe('abc');
    expect(read(h, fd)).toBe(''); // end of stream
    expect(() => net.peerEnd(2, 0)).not.toThrow(); // unknown: ignored
    for (let id = 10; id < 10 + 128; id++) net.open(id); // one is already waiting (1 was accepted): the backlog fills at 127 more
    peer.take();
    net.open(500);
    expect(peer.take()).toEqual([]); // no room: it waits
    net.peerReset(500);
    expect(peer.take()).toEqual(['closed 500']);
  });

  it('retries an open when the backlog has room again, and refuses connections once the guest stops listening', () => {
    const { h, net, peer } = setup();
    for (let id = 1; id <= 128; id++) net.open(id);
    net.open(129);
    net.receive(129, 0, enc('early'));
    expect(peer.take().filter((e) => e.includes('129'))).toEqual([]);
    accept(h);
    expect(net.afterRun()).toBe(true);
    expect(peer.take()).toEqual(['opened 129', 'received 129@5']);
    expect(h.call('fd_close', 3)).toBe(Errno.success);
    net.open(200);
    expect(peer.take()).toEqual(['refused 200']);
  });

  it('holds bytes beyond 256 KiB unread until the guest reads, acknowledging only what went in', () => {
    const { h, net, peer } = setup();
    net.open(1);
    const fd = accept(h);
    peer.take();
    const chunk = new Uint8Array(100 * 1024).fill(0x61);
    for (let i = 0; i < 4; i++) net.receive(1, i * chunk.length, chunk);
    expect(peer.take()).toEqual(['received 1@102400', 'received 1@204800', 'received 1@307200']);
    expect(net.afterRun()).toBe(false); // still over the mark
    h.view().setUint32(0x100, 0x4000, true);
    h.view().setUint32(0x104, 200 * 1024, true);
    expect(h.call('fd_read', fd, 0x100, 1, 0x20)).toBe(Errno.success);
    expect(net.afterRun()).toBe(true);
    expect(peer.take()).toEqual(['received 1@409600']);
  });

  it('holds back beyond 16 MiB unread over all connections, so clients that all send cannot fill the VMM', () => {
    const { net, peer } = setup();
    const chunk = new Uint8Array(128 * 1024);
    for (let id = 1; id <= 80; id++) {
      net.open(id);
      net.receive(id, 0, chunk);
      net.receive(id, chunk.length, chunk);
    }
    const acked = peer.take().filter((e) => e.startsWith('received')).length * chunk.length;
    expect(net.vmm.rxBufferedTotal()).toBe(acked);
    expect(acked).toBeGreaterThanOrEqual(16 << 20);
    expect(acked).toBeLessThan((16 << 20) + chunk.length * 2);
  });

  it('while frozen changes nothing in the VMM and acknowledges nothing; thawed, it applies everything in order', () => {
    const { h, net, peer } = setup();
    net.open(1);
    const fd = accept(h);
    write(h, fd, 'out');
    net.afterRun();
    peer.take();
    const before = net.known();
    net.freeze();
    net.receive(1, 0, enc('in'));
    net.ack(1, 3);
    net.open(2);
    net.peerEnd(1, 2);
    expect(net.afterRun()).toBe(false);
    expect(net.known()).toEqual(before);
    expect(peer.take()).toEqual([]);
    net.thaw();
    expect(peer.take()).toEqual(['received 1@2', 'opened 2']);
    expect(net.known().find((c) => c.id === 1)).toMatchObject({ rx: 2, rxEnded: true, txAcked: 3 });
  });

  it('a restored guest comes with its connections; a wait for traffic ends at the next change', async () => {
    const { h, net } = setup();
    net.open(7);
    accept(h);
    const again = new GuestNet(net.vmm);
    expect(again.known().map((c) => c.id)).toEqual([7]);
    let woke = false;
    const waiting = again.changed().then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    again.receive(7, 0, enc('x'));
    await waiting;
    expect(woke).toBe(true);
  });
});
