// Guest pointers are hostile: out-of-bounds ranges give EFAULT with no side
// effect, nothing a guest passes makes the VMM fail, and every byte a WASI
// call writes into guest memory lies on a page the dirty map marks.
import { describe, expect, it } from 'vitest';
import { WasmotionError } from '../../host-shim/errors.js';
import { ConnFlags, VmmNet } from '../../host-shim/sockets/vmm-net.js';
import { DIRTY_PAGE, PAGE, WasiHarness } from './harness.js';
import { Errno, PREVIEW1_NAMES, PREVIEW1_SIGNATURES } from './preview1.js';

const PAGES = 3;
const M = PAGES * PAGE;

function harness(): WasiHarness {
  const h = new WasiHarness({ pages: PAGES, args: ['prog', 'second'], env: ['A=1', 'LONGER=value'] });
  h.pushStdin(new TextEncoder().encode('x'.repeat(300)));
  return h;
}

/** Writes an iovec array at `at`: (ptr, len) pairs. */
function putIovecs(h: WasiHarness, at: number, iovs: [number, number][]): void {
  const v = h.view();
  iovs.forEach(([ptr, len], i) => {
    v.setUint32(at + i * 8, ptr, true);
    v.setUint32(at + i * 8 + 4, len, true);
  });
}

/** Writes a clock subscription at `at`. */
function putClockSub(h: WasiHarness, at: number, userdata: bigint, clock: number, timeout: bigint, flags = 0): void {
  const v = h.view();
  v.setBigUint64(at, userdata, true);
  v.setUint8(at + 8, 0);
  v.setUint32(at + 16, clock, true);
  v.setBigUint64(at + 24, timeout, true);
  v.setUint16(at + 40, flags, true);
}

describe('WASI: out-of-bounds pointers', () => {
  const cases: [string, (number | bigint)[]][] = [
    ['args_sizes_get', [M - 2, 0]],
    ['args_sizes_get', [0, M]],
    ['args_sizes_get', [0xffffffff, 0]],
    ['args_get', [M - 7, 0]],
    ['args_get', [0, M - 11]],
    ['args_get', [0xfffffffc, 0]],
    ['environ_sizes_get', [0, M - 3]],
    ['environ_get', [M - 4, 0]],
    ['environ_get', [0, M - 5]],
    ['clock_res_get', [1, M - 7]],
    ['clock_time_get', [1, 0n, M - 4]],
    ['clock_time_get', [0, 0n, 0xffffffff]],
    ['random_get', [M - 10, 11]],
    ['random_get', [0xffffffff, 2]],
    ['random_get', [0, 0xffffffff]],
    ['fd_write', [1, M - 4, 1, 0]],
    ['fd_write', [1, 0x100, 0x20000000, 0]], // count * 8 wraps a u32
    ['fd_write', [1, 0x100, 1, M - 3]],
    ['fd_write', [1, 0x200, 1, 0]], // the iovec's buffer runs past the end
    ['fd_read', [0, 0x200, 1, 0]],
    ['fd_read', [0, 0x100, 1, M - 1]],
    ['fd_read', [0, M - 8, 2, 0]],
    ['fd_fdstat_get', [1, M - 23]],
    ['fd_filestat_get', [2, M - 63]],
    ['poll_oneoff', [M - 47, 0x1000, 1, 0]],
    ['poll_oneoff', [0x1000, M - 31, 1, 0]],
    ['poll_oneoff', [0x1000, 0x2000, 1, M - 3]],
    ['poll_oneoff', [0x1000, 0x2000, 0x7fffffff, 0]],
  ];

  for (const [name, args] of cases) {
    it(`${name}(${args.join(', ')}) is EFAULT and changes nothing`, () => {
      const h = harness();
      putIovecs(h, 0x100, [[0x400, 16]]);
      putIovecs(h, 0x200, [[M - 2, 5]]);
      putClockSub(h, 0x1000, 1n, 1, 0n);
      const before = h.snapshot();
      h.clearDirty();
      expect(h.call(name, ...args)).toBe(Errno.fault);
      expect(h.changedPages(before)).toEqual([]);
      expect(h.dirtyPages()).toEqual([]);
      expect(h.console).toEqual([]);
    });
  }
});

describe('WASI: dirty marking of every write', () => {
  /** Each call writes across page boundaries; `pages` are the 4 KiB pages it must write and mark. */
  const cases: { name: string; setup?: (h: WasiHarness) => void; args: (number | bigint)[]; pages: number[] }[] = [
    { name: 'args_sizes_get', args: [DIRTY_PAGE - 2, 7 * DIRTY_PAGE - 1], pages: [0, 1, 6, 7] },
    { name: 'args_get', args: [3 * DIRTY_PAGE - 4, 5 * DIRTY_PAGE - 3], pages: [2, 3, 4, 5] },
    { name: 'environ_sizes_get', args: [9 * DIRTY_PAGE - 1, 10 * DIRTY_PAGE], pages: [8, 9, 10] },
    { name: 'environ_get', args: [12 * DIRTY_PAGE - 4, 14 * DIRTY_PAGE - 2], pages: [11, 12, 13, 14] },
    { name: 'clock_time_get', args: [1, 0n, 16 * DIRTY_PAGE - 4], pages: [15, 16] },
    { name: 'clock_res_get', args: [0, 18 * DIRTY_PAGE - 3], pages: [17, 18] },
    { name: 'random_get', args: [20 * DIRTY_PAGE - 100, 5000], pages: [19, 20, 21] },
    {
      name: 'fd_read',
      setup: (h) => putIovecs(h, 0x100, [[23 * DIRTY_PAGE - 10, 20], [25 * DIRTY_PAGE - 5, 1000]]),
      args: [0, 0x100, 2, 27 * DIRTY_PAGE - 2],
      pages: [22, 23, 24, 25, 26, 27],
    },
    {
      name: 'fd_write',
      setup: (h) => putIovecs(h, 0x100, [[0x400, 16]]),
      args: [1, 0x100, 1, 29 * DIRTY_PAGE - 1],
      pages: [28, 29],
    },
    { name: 'fd_fdstat_get', args: [1, 31 * DIRTY_PAGE - 12], pages: [30, 31] },
    { name: 'fd_filestat_get', args: [2, 33 * DIRTY_PAGE - 30], pages: [32, 33] },
    {
      name: 'poll_oneoff',
      setup: (h) => {
        putClockSub(h, 0x800, 0x1111n, 1, 0n); // relative 0: due now
        putClockSub(h, 0x800 + 48, 0x2222n, 0, 0n, 1); // absolute realtime 0: long past
      },
      args: [0x800, 36 * DIRTY_PAGE - 16, 2, 38 * DIRTY_PAGE - 2],
      pages: [35, 36, 37, 38],
    },
  ];

  for (const c of cases) {
    it(`${c.name} marks exactly the pages it writes`, () => {
      const h = harness();
      c.setup?.(h);
      h.memory().fill(0xaa, 0x900); // everything past the inputs: any write shows as a change
      const before = h.snapshot();
      h.clearDirty();
      expect(h.call(c.name, ...c.args)).toBe(Errno.success);
      expect(h.changedPages(before)).toEqual(c.pages);
      expect(h.dirtyPages()).toEqual(c.pages);
    });
  }
});

/** xorshift32: the same calls on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
}

/**
 * Calls `name` with hostile `args`: it must answer an errno, and every page it
 * changed must be marked dirty. A call that blocks (allowed only when
 * `mayBlock`) is abandoned and reported as such.
 */
function callHostile(h: WasiHarness, name: string, args: (number | bigint)[], mayBlock: boolean): 'answered' | 'blocked' {
  const before = h.snapshot();
  h.clearDirty();
  let errno: number;
  try {
    errno = h.call(name, ...args);
  } catch (e) {
    if (!(mayBlock && e instanceof WasmotionError && e.code === 'WASMOTION_ERR_UNEXPECTED_STOP')) throw e;
    return 'blocked';
  }
  expect(errno >= 0 && errno <= 76, `${name}(${args.join(', ')}) returned ${errno}`).toBe(true);
  const dirty = new Set(h.dirtyPages());
  const unmarked = h.changedPages(before).filter((p) => !dirty.has(p));
  expect(unmarked, `${name}(${args.join(', ')}) wrote pages it did not mark`).toEqual([]);
  return 'answered';
}

describe('WASI: hostile arguments', () => {
  it('random arguments to every call: errno answers only, and changed pages are all dirty', () => {
    const next = rng(0x5eed);
    const pick = (): number => {
      const pool = [0, 1, 2, 3, 4, 8, 0x100, M - 1, M - 4, M - 8, M, M + 1, 0x7fffffff, 0x80000000, 0xffffffff];
      const r = next();
      return r % 3 === 0 ? pool[next() % pool.length] : r % 3 === 1 ? next() % M : next() % 64;
    };
    const h = harness();
    h.wasi.wasi_stdin_close();
    // Memory full of small numbers, so iovecs and subscriptions read from it are often valid.
    const v = h.view();
    for (let i = 0; i < M; i += 4) v.setUint32(i, next() % 4 === 0 ? next() : next() % 512, true);
    let blocked = 0;
    let calls = 0;
    for (let round = 0; round < 60; round++) {
      for (const name of PREVIEW1_NAMES) {
        if (name === 'proc_exit') continue;
        const args = [...PREVIEW1_SIGNATURES[name]].map((t) => (t === 'I' ? BigInt(pick()) << BigInt(next() % 40) : pick()));
        // A poll_oneoff whose clock is not yet due blocks; the call is abandoned.
        if (callHostile(h, name, args, name === 'poll_oneoff') === 'blocked') blocked++;
        else calls++;
      }
    }
    expect(calls).toBeGreaterThan(2000);
    expect(blocked).toBeLessThan(60);
  });
});

/** A harness whose guest listens on fd 3 and has accepted connection 1 as fd 4, with bytes to read and connection 2 waiting. */
function socketHarness(): { h: WasiHarness; net: VmmNet } {
  const h = harness();
  const net = new VmmNet(h.engine.vmm);
  net.listen(1);
  net.open(1);
  expect(h.call('sock_accept', 3, 0, 0x10)).toBe(Errno.success);
  net.push(1, new Uint8Array(9000).fill(0x41));
  net.open(2);
  return { h, net };
}

describe('WASI sockets: out-of-bounds pointers', () => {
  const cases: [string, (number | bigint)[]][] = [
    ['sock_accept', [3, 0, M - 3]],
    ['sock_recv', [4, 0x200, 1, 0, 0x20, 0x24]],
    ['sock_recv', [4, 0x100, 1, 0, M - 3, 0x24]],
    ['sock_recv', [4, 0x100, 1, 0, 0x20, M - 1]],
    ['sock_send', [4, 0x200, 1, 0, 0x20]],
    ['sock_send', [4, 0x100, 0x20000000, 0, 0x20]],
    ['sock_send', [4, 0x100, 1, 0, M - 2]],
    ['fd_read', [4, 0x200, 1, 0x20]],
    ['fd_write', [4, 0x100, 1, M - 1]],
    ['fd_fdstat_get', [4, M - 23]],
    ['fd_filestat_get', [3, M - 63]],
  ];

  for (const [name, args] of cases) {
    it(`${name}(${args.join(', ')}) is EFAULT and changes nothing`, () => {
      const { h, net } = socketHarness();
      putIovecs(h, 0x100, [[0x400, 16]]);
      putIovecs(h, 0x200, [[M - 2, 5]]);
      const before = h.snapshot();
      h.clearDirty();
      expect(h.call(name, ...args)).toBe(Errno.fault);
      expect(h.changedPages(before)).toEqual([]);
      expect(h.dirtyPages()).toEqual([]);
      expect([net.rxBuffered(1), net.txTotal(1), net.flags(2) & ConnFlags.Accepted]).toEqual([9000, 0, 0]);
    });
  }
});

describe('WASI sockets: dirty marking', () => {
  it('sock_recv marks exactly the pages it writes', () => {
    const { h } = socketHarness();
    putIovecs(h, 0x100, [[5 * DIRTY_PAGE - 10, 20], [8 * DIRTY_PAGE - 5, 6000]]);
    h.memory().fill(0xaa, 0x900);
    const before = h.snapshot();
    h.clearDirty();
    expect(h.call('sock_recv', 4, 0x100, 2, 0, 10 * DIRTY_PAGE - 2, 12 * DIRTY_PAGE - 1)).toBe(Errno.success);
    expect(h.changedPages(before)).toEqual([4, 5, 7, 8, 9, 10, 11, 12]);
    expect(h.dirtyPages()).toEqual([4, 5, 7, 8, 9, 10, 11, 12]);
  });

  it('sock_accept marks the page of the descriptor it writes', () => {
    const { h } = socketHarness();
    h.memory().fill(0xaa, 0x900);
    const before = h.snapshot();
    h.clearDirty();
    expect(h.call('sock_accept', 3, 0, 3 * DIRTY_PAGE - 2)).toBe(Errno.success);
    expect(h.changedPages(before)).toEqual([2, 3]);
    expect(h.dirtyPages()).toEqual([2, 3]);
  });
});

describe('WASI sockets: hostile arguments', () => {
  it('random arguments to every call with sockets open: errno answers only, changed pages all dirty, buffers bounded', () => {
    const next = rng(0xc0ffee);
    const pick = (): number => {
      const pool = [0, 1, 2, 3, 4, 5, 6, 8, 0x100, M - 1, M - 4, M, 0x7fffffff, 0xffffffff];
      const r = next();
      return r % 3 === 0 ? pool[next() % pool.length] : r % 3 === 1 ? next() % M : next() % 8;
    };
    const { h, net } = socketHarness();
    h.wasi.wasi_stdin_close();
    const v = h.view();
    for (let i = 0; i < M; i += 4) v.setUint32(i, next() % 4 === 0 ? next() : next() % 512, true);
    let calls = 0;
    let blocked = 0;
    for (let round = 0; round < 40; round++) {
      // The host side keeps moving too: bytes, acknowledgements, new connections.
      net.push(1, new Uint8Array(next() % 3000));
      const sent = net.takeUnsent(1);
      if (sent) net.ack(1, sent.offset + sent.bytes.length);
      net.open(100 + round);
      for (const name of PREVIEW1_NAMES) {
        if (name === 'proc_exit') continue;
        const args = [...PREVIEW1_SIGNATURES[name]].map((t) => (t === 'I' ? BigInt(pick()) << BigInt(next() % 40) : pick()));
        // A blocking call with nothing to do is abandoned (inside a plain call it cannot wait).
        if (callHostile(h, name, args, true) === 'blocked') blocked++;
        else calls++;
      }
    }
    expect(calls).toBeGreaterThan(1500);
    expect(blocked).toBeLessThan(200);
    for (const id of net.ids()) expect(net.txTotal(id) - net.state(id).txAcked).toBeLessThanOrEqual(64 * 1024);
  });
});
