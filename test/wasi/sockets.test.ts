// The socket device in the VMM: a listening socket at fd 3, connections the
// host brings in, bytes both ways with offsets, windows, ends, resets, and
// poll_oneoff readiness; the guest side through the preview1 calls, the
// host side through the VMM's socket entry points.
import { describe, expect, it } from 'vitest';
import { ConnFlags, NetStatus, VmmNet } from '../../host-shim/sockets/vmm-net.js';
import { RunStatus, WasiHarness } from './harness.js';
import { Errno } from './preview1.js';

const enc = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const WINDOW = 64 * 1024;

/** A harness whose guest listens on fd 3, and the host's handle on its sockets. */
function listening(): { h: WasiHarness; net: VmmNet } {
  const h = new WasiHarness({ pages: 4 });
  const net = new VmmNet(h.engine.vmm);
  expect(net.listen(8080)).toBe(3);
  return { h, net };
}

/** Opens connection `id` and has the guest accept it; returns its descriptor. */
function accepted(h: WasiHarness, net: VmmNet, id: number): number {
  expect(net.open(id)).toBe(NetStatus.Ok);
  expect(h.call('sock_accept', 3, 0, 0x10)).toBe(Errno.success);
  return h.view().getUint32(0x10, true);
}

function iovec(h: WasiHarness, at: number, ptr: number, len: number): void {
  h.view().setUint32(at, ptr, true);
  h.view().setUint32(at + 4, len, true);
}

/** sock_recv of up to `len` bytes into 0x1000; returns [errno, text]. */
function recv(h: WasiHarness, fd: number, len: number, flags = 0): [number, string] {
  iovec(h, 0x100, 0x1000, len);
  const errno = h.call('sock_recv', fd, 0x100, 1, flags, 0x20, 0x24);
  return [errno, errno === Errno.success ? text(h.memory().subarray(0x1000, 0x1000 + h.view().getUint32(0x20, true))) : ''];
}

/** sock_send of `data` (written at 0x8000); returns [errno, bytes taken]. */
function send(h: WasiHarness, fd: number, data: Uint8Array): [number, number] {
  h.memory().set(data, 0x8000);
  iovec(h, 0x100, 0x8000, data.length);
  const errno = h.call('sock_send', fd, 0x100, 1, 0, 0x20);
  return [errno, errno === Errno.success ? h.view().getUint32(0x20, true) : 0];
}

describe('WASI sockets: the listener', () => {
  it('is fd 3, a stream socket with the accept right, and no preopened directory', () => {
    const { h } = listening();
    expect(h.call('fd_fdstat_get', 3, 0x100)).toBe(Errno.success);
    expect(h.view().getUint8(0x100)).toBe(6);
    expect(h.view().getBigUint64(0x108, true) & (1n << 29n)).toBe(1n << 29n);
    expect(h.call('fd_filestat_get', 3, 0x200)).toBe(Errno.success);
    expect(h.view().getUint8(0x210)).toBe(6);
    expect(h.call('fd_prestat_get', 3, 0x100)).toBe(Errno.badf);
    expect(h.call('fd_seek', 3, 0n, 0, 0x300)).toBe(Errno.spipe);
  });

  it('refuses a second listener, a port out of range, and connections without a listener', () => {
    const h = new WasiHarness();
    const net = new VmmNet(h.engine.vmm);
    expect(net.open(1)).toBe(NetStatus.NoListener);
    expect(() => net.listen(70000)).toThrow(/status 12/);
    expect(net.listenPort()).toBeNull();
    net.listen(0);
    expect(net.listenPort()).toBe(0);
    expect(() => net.listen(1)).toThrow(/status 10/);
    expect(net.open(0)).toBe(NetStatus.DuplicateConnection);
    expect(net.open(5)).toBe(NetStatus.Ok);
    expect(net.open(5)).toBe(NetStatus.DuplicateConnection);
  });

  it('blocks an accept until a connection arrives, then hands out fd 4', () => {
    const { h, net } = listening();
    h.begin('sock_accept', 3, 0, 0x10);
    expect(h.run()).toBe(RunStatus.Blocked);
    expect(h.wasi.wasi_blocked_on()).toBe(4);
    expect(net.open(77)).toBe(NetStatus.Ok);
    expect(h.run()).toBe(RunStatus.Finished);
    expect(h.result()).toBe(Errno.success);
    expect(h.view().getUint32(0x10, true)).toBe(4);
    expect(net.flags(77) & ConnFlags.Accepted).toBe(ConnFlags.Accepted);
  });

  it('answers EAGAIN on a non-blocking listener, accepts in arrival order, and gives the new fd its flags', () => {
    const { h, net } = listening();
    expect(h.call('fd_fdstat_set_flags', 3, 4)).toBe(Errno.success);
    expect(h.call('sock_accept', 3, 0, 0x10)).toBe(Errno.again);
    net.open(10);
    net.open(11);
    expect(h.call('sock_accept', 3, 4, 0x10)).toBe(Errno.success);
    expect(h.view().getUint32(0x10, true)).toBe(4);
    expect(net.flags(10) & ConnFlags.Accepted).toBeTruthy();
    expect(net.flags(11) & ConnFlags.Accepted).toBe(0);
    expect(h.call('fd_fdstat_get', 4, 0x100)).toBe(Errno.success);
    expect(h.view().getUint16(0x102, true)).toBe(4);
    expect(h.call('sock_accept', 3, 1, 0x10)).toBe(Errno.inval); // only NONBLOCK is a flag for the new descriptor
    expect(h.call('sock_accept', 4, 0, 0x10)).toBe(Errno.inval); // not a listener
    expect(h.call('sock_accept', 1, 0, 0x10)).toBe(Errno.notsock);
    expect(h.call('sock_accept', 9, 0, 0x10)).toBe(Errno.badf);
  });

  it('runs out of descriptors with EMFILE and keeps the connection waiting', () => {
    const { h, net } = listening();
    for (let id = 1; id <= 1023; id++) accepted(h, net, id);
    expect(net.open(5000)).toBe(NetStatus.Ok);
    expect(h.call('sock_accept', 3, 0, 0x10)).toBe(Errno.mfile);
    expect(h.call('fd_close', 4)).toBe(Errno.success);
    expect(h.call('sock_accept', 3, 0, 0x10)).toBe(Errno.success);
    expect(h.view().getUint32(0x10, true)).toBe(4); // the lowest free number
  });

  it('takes at most 128 waiting connections', () => {
    const { net } = listening();
    for (let id = 1; id <= 128; id++) expect(net.open(id)).toBe(NetStatus.Ok);
    expect(net.open(129)).toBe(NetStatus.BacklogFull);
  });

  it('closing it aborts the connections it never accepted', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    net.open(2);
    expect(h.call('fd_close', 3)).toBe(Errno.success);
    expect(net.listenPort()).toBeNull();
    expect(net.flags(2) & (ConnFlags.Reset | ConnFlags.Releasable)).toBe(ConnFlags.Reset | ConnFlags.Releasable);
    expect(net.open(3)).toBe(NetStatus.NoListener);
    expect(h.call('fd_fdstat_get', fd, 0x100)).toBe(Errno.success); // the accepted one lives on
  });
});

describe('WASI sockets: receiving', () => {
  it('reads what the host pushed, peeks without consuming, and counts every byte', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    net.push(1, enc('hello '));
    net.push(1, enc('world'));
    expect(recv(h, fd, 5, 1)).toEqual([Errno.success, 'hello']);
    expect(recv(h, fd, 3)).toEqual([Errno.success, 'hel']);
    expect(recv(h, fd, 100)).toEqual([Errno.success, 'lo world']);
    expect(h.view().getUint16(0x24, true)).toBe(0);
    expect(net.rxTotal(1)).toBe(11);
    expect(net.rxBuffered(1)).toBe(0);
  });

  it('reads with fd_read too, across several iovecs', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    net.push(1, enc('abcdefgh'));
    iovec(h, 0x100, 0x1000, 3);
    iovec(h, 0x108, 0x2000, 10);
    expect(h.call('fd_read', fd, 0x100, 2, 0x20)).toBe(Errno.success);
    expect(h.view().getUint32(0x20, true)).toBe(8);
    expect(text(h.memory().subarray(0x1000, 0x1003)) + text(h.memory().subarray(0x2000, 0x2005))).toBe('abcdefgh');
  });

  it('blocks when empty, returns EAGAIN when non-blocking, and reads end of stream once the peer ended', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    iovec(h, 0x100, 0x1000, 16);
    h.begin('sock_recv', fd, 0x100, 1, 0, 0x20, 0x24);
    expect(h.run()).toBe(RunStatus.Blocked);
    expect(h.wasi.wasi_blocked_on()).toBe(4);
    net.push(1, enc('late'));
    expect(h.run()).toBe(RunStatus.Finished);
    expect(h.view().getUint32(0x20, true)).toBe(4);
    expect(h.call('fd_fdstat_set_flags', fd, 4)).toBe(Errno.success);
    expect(recv(h, fd, 16)[0]).toBe(Errno.again);
    net.push(1, enc('last'));
    expect(net.peerEnded(1)).toBe(NetStatus.Ok);
    expect(net.push(1, enc('more'))).toBe(NetStatus.Ended);
    expect(recv(h, fd, 16)).toEqual([Errno.success, 'last']);
    expect(recv(h, fd, 16)).toEqual([Errno.success, '']);
  });

  it('WAITALL waits until the buffer can be filled or the stream ends', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    net.push(1, enc('abc'));
    iovec(h, 0x100, 0x1000, 6);
    h.begin('sock_recv', fd, 0x100, 1, 2, 0x20, 0x24);
    expect(h.run()).toBe(RunStatus.Blocked);
    net.push(1, enc('defg'));
    expect(h.run()).toBe(RunStatus.Finished);
    expect(text(h.memory().subarray(0x1000, 0x1000 + h.view().getUint32(0x20, true)))).toBe('abcdef');
    net.peerEnded(1);
    expect(recv(h, fd, 6, 2)).toEqual([Errno.success, 'g']);
  });

  it('after a reset reads are ECONNRESET and the unread bytes are gone', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    net.push(1, enc('dropped'));
    expect(net.reset(1)).toBe(NetStatus.Ok);
    expect(recv(h, fd, 16)[0]).toBe(Errno.connreset);
    expect(send(h, fd, enc('x'))[0]).toBe(Errno.connreset);
  });

  it('after shutting down reading, reads are end of stream and arriving bytes are counted and dropped', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    net.push(1, enc('unread'));
    expect(h.call('sock_shutdown', fd, 1)).toBe(Errno.success);
    expect(recv(h, fd, 16)).toEqual([Errno.success, '']);
    expect(net.push(1, enc('12345'))).toBe(NetStatus.Ok);
    expect(net.rxTotal(1)).toBe(11);
    expect(net.rxBuffered(1)).toBe(0);
  });

  it('refuses a push beyond 16 MiB of unread bytes', () => {
    const { h, net } = listening();
    accepted(h, net, 1);
    const chunk = new Uint8Array(1 << 20);
    for (let i = 0; i < 16; i++) expect(net.push(1, chunk)).toBe(NetStatus.Ok);
    expect(net.push(1, new Uint8Array(1))).toBe(NetStatus.BufferFull);
    expect(net.rxTotal(1)).toBe(16 << 20);
  });
});

describe('WASI sockets: sending', () => {
  it('queues bytes with their stream offsets until the peer acknowledges them', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    expect(send(h, fd, enc('one '))).toEqual([Errno.success, 4]);
    iovec(h, 0x100, 0x8000, 3);
    h.memory().set(enc('two'), 0x8000);
    expect(h.call('fd_write', fd, 0x100, 1, 0x20)).toBe(Errno.success);
    const first = net.takeUnsent(1)!;
    expect([first.offset, text(first.bytes)]).toEqual([0, 'one two']);
    expect(net.takeUnsent(1)).toBeUndefined();
    send(h, fd, enc('!'));
    expect(net.takeUnsent(1)!.offset).toBe(7);
    expect(net.ack(1, 4)).toBe(NetStatus.Ok);
    expect(net.rewind(1)).toBe(NetStatus.Ok); // everything unacknowledged again, from offset 4
    const again = net.takeUnsent(1)!;
    expect([again.offset, text(again.bytes)]).toEqual([4, 'two!']);
    expect(net.ack(1, 9)).toBe(NetStatus.BadOffset);
    expect(net.ack(1, 2)).toBe(NetStatus.Ok); // below the acknowledged offset: nothing changes
    expect(net.state(1).txAcked).toBe(4);
  });

  it('fills a 64 KiB window: non-blocking writes are partial, then EAGAIN; blocking ones wait for room', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    expect(h.call('fd_fdstat_set_flags', fd, 4)).toBe(Errno.success);
    expect(send(h, fd, new Uint8Array(WINDOW - 10))).toEqual([Errno.success, WINDOW - 10]);
    expect(send(h, fd, new Uint8Array(100))).toEqual([Errno.success, 10]);
    expect(send(h, fd, new Uint8Array(1))[0]).toBe(Errno.again);
    expect(h.call('fd_fdstat_set_flags', fd, 0)).toBe(Errno.success);
    h.memory().set(enc('wait'), 0x8000);
    iovec(h, 0x100, 0x8000, 4);
    h.begin('sock_send', fd, 0x100, 1, 0, 0x20);
    expect(h.run()).toBe(RunStatus.Blocked);
    expect(h.wasi.wasi_blocked_on()).toBe(4);
    net.takeUnsent(1);
    expect(h.run()).toBe(RunStatus.Blocked); // read by the host, not yet acknowledged: still no room
    net.ack(1, 1000);
    expect(h.run()).toBe(RunStatus.Finished);
    expect(h.view().getUint32(0x20, true)).toBe(4);
  });

  it('a blocking write larger than the window takes a window\'s worth once the window is empty', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    expect(send(h, fd, new Uint8Array(WINDOW + 5000))).toEqual([Errno.success, WINDOW]);
    expect(net.txTotal(1)).toBe(WINDOW);
  });

  it('after shutting down writing, writes are EPIPE and the connection says its stream ended', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    expect(h.call('sock_shutdown', fd, 2)).toBe(Errno.success);
    expect(send(h, fd, enc('x'))[0]).toBe(Errno.pipe);
    expect(net.flags(1) & ConnFlags.SendEnded).toBe(ConnFlags.SendEnded);
    expect(h.call('sock_shutdown', fd, 0)).toBe(Errno.inval);
    expect(h.call('sock_shutdown', fd, 4)).toBe(Errno.inval);
    expect(h.call('sock_shutdown', 3, 2)).toBe(Errno.notconn);
    expect(h.call('sock_shutdown', 2, 2)).toBe(Errno.notsock);
    expect(h.call('sock_send', fd, 0x100, 0, 1, 0x20)).toBe(Errno.inval); // preview1 has no send flags
  });
});

describe('WASI sockets: closing and releasing', () => {
  it('a closed connection keeps its unsent bytes until the peer has them, then the host releases it', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    send(h, fd, enc('bye'));
    net.push(1, enc('ignored'));
    expect(h.call('fd_close', fd)).toBe(Errno.success);
    expect(h.call('fd_close', fd)).toBe(Errno.badf);
    expect(recv(h, fd, 4)[0]).toBe(Errno.badf);
    const f = net.flags(1);
    expect(f & (ConnFlags.Closed | ConnFlags.SendEnded)).toBe(ConnFlags.Closed | ConnFlags.SendEnded);
    expect(f & ConnFlags.Releasable).toBe(0);
    expect(net.release(1)).toBe(NetStatus.NotReleasable);
    expect(text(net.takeUnsent(1)!.bytes)).toBe('bye');
    net.ack(1, 3);
    expect(net.flags(1) & ConnFlags.Releasable).toBe(ConnFlags.Releasable);
    expect(net.release(1)).toBe(NetStatus.Ok);
    expect(net.flags(1)).toBe(0);
    expect(net.ids()).toEqual([]);
    expect(net.release(1)).toBe(NetStatus.UnknownConnection);
  });

  it('a reset connection is releasable once the guest closes it', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    send(h, fd, enc('never delivered'));
    net.reset(1);
    h.call('fd_close', fd);
    expect(net.release(1)).toBe(NetStatus.Ok);
  });

  it('the errors of a descriptor that is not a connection', () => {
    const { h } = listening();
    iovec(h, 0x100, 0x1000, 4);
    expect(h.call('sock_recv', 3, 0x100, 1, 0, 0x20, 0x24)).toBe(Errno.notconn);
    expect(h.call('sock_recv', 0, 0x100, 1, 0, 0x20, 0x24)).toBe(Errno.notsock);
    expect(h.call('sock_recv', 40, 0x100, 1, 0, 0x20, 0x24)).toBe(Errno.badf);
    expect(h.call('fd_read', 3, 0x100, 1, 0x20)).toBe(Errno.notconn);
    expect(h.call('fd_write', 3, 0x100, 1, 0x20)).toBe(Errno.notconn);
  });
});

/** Writes an fd subscription (type 1 read, 2 write) at `at`. */
function fdSub(h: WasiHarness, at: number, userdata: bigint, type: number, fd: number): void {
  h.view().setBigUint64(at, userdata, true);
  h.view().setUint8(at + 8, type);
  h.view().setUint32(at + 16, fd, true);
}

/** The events poll_oneoff wrote at 0x3000: [userdata, error, type, nbytes, flags]. */
function events(h: WasiHarness): [number, number, number, number, number][] {
  const v = h.view();
  return Array.from({ length: v.getUint32(0x30, true) }, (_, i) => {
    const e = 0x3000 + i * 32;
    return [Number(v.getBigUint64(e, true)), v.getUint16(e + 8, true), v.getUint8(e + 10), Number(v.getBigUint64(e + 16, true)), v.getUint16(e + 24, true)];
  });
}

describe('WASI sockets: poll_oneoff', () => {
  it('reports a waiting connection, received bytes, the end of a stream and room to send', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    net.open(2);
    net.push(1, enc('12345'));
    fdSub(h, 0x2000, 1n, 1, 3);
    fdSub(h, 0x2030, 2n, 1, fd);
    fdSub(h, 0x2060, 3n, 2, fd);
    expect(h.call('poll_oneoff', 0x2000, 0x3000, 3, 0x30)).toBe(Errno.success);
    expect(events(h)).toEqual([[1, 0, 1, 1, 0], [2, 0, 1, 5, 0], [3, 0, 2, WINDOW, 0]]);
    recv(h, fd, 16);
    net.peerEnded(1);
    expect(h.call('poll_oneoff', 0x2030, 0x3000, 1, 0x30)).toBe(Errno.success);
    expect(events(h)).toEqual([[2, 0, 1, 0, 1]]); // hang-up
  });

  it('blocks on sockets until one is ready, and reports errors for descriptors that cannot be polled so', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    fdSub(h, 0x2000, 1n, 1, 3);
    fdSub(h, 0x2030, 2n, 1, fd);
    h.begin('poll_oneoff', 0x2000, 0x3000, 2, 0x30);
    expect(h.run()).toBe(RunStatus.Blocked);
    expect(h.wasi.wasi_blocked_on()).toBe(4);
    net.push(1, enc('x'));
    expect(h.run()).toBe(RunStatus.Finished);
    expect(events(h)).toEqual([[2, 0, 1, 1, 0]]);
    fdSub(h, 0x2000, 7n, 2, 3);
    fdSub(h, 0x2030, 8n, 1, 99);
    expect(h.call('poll_oneoff', 0x2000, 0x3000, 2, 0x30)).toBe(Errno.success);
    expect(events(h)).toEqual([[7, Errno.notconn, 2, 0, 0], [8, Errno.badf, 1, 0, 0]]);
    h.call('sock_shutdown', fd, 2);
    fdSub(h, 0x2000, 9n, 2, fd);
    expect(h.call('poll_oneoff', 0x2000, 0x3000, 1, 0x30)).toBe(Errno.success);
    expect(events(h)).toEqual([[9, Errno.pipe, 2, 0, 0]]);
  });

  it('a full send window blocks a write subscription until the peer acknowledges', () => {
    const { h, net } = listening();
    const fd = accepted(h, net, 1);
    send(h, fd, new Uint8Array(WINDOW));
    fdSub(h, 0x2000, 1n, 2, fd);
    h.begin('poll_oneoff', 0x2000, 0x3000, 1, 0x30);
    expect(h.run()).toBe(RunStatus.Blocked);
    net.takeUnsent(1);
    net.ack(1, 100);
    expect(h.run()).toBe(RunStatus.Finished);
    expect(events(h)).toEqual([[1, 0, 2, 100, 0]]);
  });
});
