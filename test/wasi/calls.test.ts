// What the WASI calls answer: argv and environ layout, stdio descriptors,
// stdin blocking and end of file, clocks, and poll_oneoff's deadlines.
import { describe, expect, it } from 'vitest';
import { RunStatus, WasiHarness } from './harness.js';
import { Errno } from './preview1.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function cString(h: WasiHarness, ptr: number): string {
  const m = h.memory();
  let end = ptr;
  while (m[end] !== 0) end++;
  return text(m.subarray(ptr, end));
}

describe('WASI argv and environ', () => {
  it('hands out the strings set before instantiation, NUL-terminated, with pointers to each', () => {
    const h = new WasiHarness({ args: ['prog', '', 'two words', 'ünï'], env: ['A=1', 'EMPTY='] });
    expect(h.call('args_sizes_get', 0x10, 0x14)).toBe(Errno.success);
    expect([h.view().getUint32(0x10, true), h.view().getUint32(0x14, true)]).toEqual([4, 5 + 1 + 10 + 6]);
    expect(h.call('args_get', 0x100, 0x200)).toBe(Errno.success);
    const argv = [0, 1, 2, 3].map((i) => cString(h, h.view().getUint32(0x100 + i * 4, true)));
    expect(argv).toEqual(['prog', '', 'two words', 'ünï']);
    expect(h.call('environ_sizes_get', 0x10, 0x14)).toBe(Errno.success);
    expect([h.view().getUint32(0x10, true), h.view().getUint32(0x14, true)]).toEqual([2, 11]);
    expect(h.call('environ_get', 0x300, 0x400)).toBe(Errno.success);
    expect([0, 1].map((i) => cString(h, h.view().getUint32(0x300 + i * 4, true)))).toEqual(['A=1', 'EMPTY=']);
  });

  it('has no environment unless one is set', () => {
    const h = new WasiHarness({ args: ['prog'] });
    expect(h.call('environ_sizes_get', 0x10, 0x14)).toBe(Errno.success);
    expect([h.view().getUint32(0x10, true), h.view().getUint32(0x14, true)]).toEqual([0, 0]);
  });
});

describe('WASI stdio descriptors', () => {
  it('writes gathered iovecs to the console device and counts them', () => {
    const h = new WasiHarness();
    const m = h.memory();
    m.set(new TextEncoder().encode('hello, world'), 0x400);
    [[0x400, 5], [0x405, 0], [0x405, 7]].forEach(([p, n], i) => {
      h.view().setUint32(0x100 + i * 8, p, true);
      h.view().setUint32(0x104 + i * 8, n, true);
    });
    expect(h.call('fd_write', 2, 0x100, 3, 0x20)).toBe(Errno.success);
    expect(h.view().getUint32(0x20, true)).toBe(12);
    expect(h.console.map((c) => [c.fd, text(c.bytes)])).toEqual([[2, 'hello'], [2, ', world']]);
    expect(h.call('fd_write', 0, 0x100, 1, 0x20)).toBe(Errno.badf);
    expect(h.call('fd_write', 3, 0x100, 1, 0x20)).toBe(Errno.badf);
  });

  it('describes 0, 1 and 2 as character devices without seek, and nothing else', () => {
    const h = new WasiHarness();
    for (const fd of [0, 1, 2]) {
      expect(h.call('fd_fdstat_get', fd, 0x100)).toBe(Errno.success);
      expect(h.view().getUint8(0x100)).toBe(2);
      const rights = h.view().getBigUint64(0x108, true);
      expect(rights & (1n << 2n) | (rights & (1n << 5n))).toBe(0n); // no seek, no tell: a tty to libc
      expect(rights & (1n << 1n) && rights & (1n << 6n)).toBeTruthy();
      expect(h.call('fd_filestat_get', fd, 0x200)).toBe(Errno.success);
      expect(h.view().getUint8(0x200 + 16)).toBe(2);
      expect(h.call('fd_seek', fd, 0n, 0, 0x300)).toBe(Errno.spipe);
      expect(h.call('fd_tell', fd, 0x300)).toBe(Errno.spipe);
    }
    for (const fd of [3, 4, 0xffffffff]) {
      expect(h.call('fd_fdstat_get', fd, 0x100)).toBe(Errno.badf);
      expect(h.call('fd_prestat_get', fd, 0x100)).toBe(Errno.badf);
      expect(h.call('fd_prestat_dir_name', fd, 0x100, 10)).toBe(Errno.badf);
      expect(h.call('fd_close', fd)).toBe(Errno.badf);
    }
  });

  it('closes a stdio descriptor for good', () => {
    const h = new WasiHarness();
    expect(h.call('fd_close', 1)).toBe(Errno.success);
    expect(h.call('fd_close', 1)).toBe(Errno.badf);
    expect(h.call('fd_write', 1, 0x100, 0, 0x20)).toBe(Errno.badf);
    expect(h.call('fd_fdstat_get', 1, 0x100)).toBe(Errno.badf);
  });

  it('keeps the append and nonblock flags and refuses the sync ones', () => {
    const h = new WasiHarness();
    expect(h.call('fd_fdstat_set_flags', 1, 1)).toBe(Errno.success);
    expect(h.call('fd_fdstat_get', 1, 0x100)).toBe(Errno.success);
    expect(h.view().getUint16(0x102, true)).toBe(1);
    expect(h.call('fd_fdstat_set_flags', 1, 16)).toBe(Errno.notsup);
  });
});

describe('WASI stdin', () => {
  function readCall(h: WasiHarness, len: number): void {
    h.view().setUint32(0x100, 0x400, true);
    h.view().setUint32(0x104, len, true);
    h.begin('fd_read', 0, 0x100, 1, 0x20);
  }

  it('blocks on an empty buffer, then the same call reads what the host pushed', () => {
    const h = new WasiHarness();
    readCall(h, 64);
    expect(h.run()).toBe(RunStatus.Blocked);
    expect(h.wasi.wasi_blocked_on()).toBe(1);
    expect(h.wasi.wasi_sleep_until()).toBe(-1n);
    expect(h.run()).toBe(RunStatus.Blocked); // still nothing there
    h.pushStdin(new TextEncoder().encode('abc'));
    h.pushStdin(new TextEncoder().encode('def'));
    expect(h.run()).toBe(RunStatus.Finished);
    expect(h.result()).toBe(Errno.success);
    expect(h.view().getUint32(0x20, true)).toBe(6);
    expect(text(h.memory().subarray(0x400, 0x406))).toBe('abcdef');
  });

  it('reads in pieces no larger than asked, then end of file once closed', () => {
    const h = new WasiHarness();
    h.pushStdin(new TextEncoder().encode('0123456789'));
    h.wasi.wasi_stdin_close();
    h.pushStdin(new TextEncoder().encode('ignored after close'));
    h.view().setUint32(0x100, 0x400, true);
    h.view().setUint32(0x104, 4, true);
    const reads: string[] = [];
    for (let i = 0; i < 4; i++) {
      expect(h.call('fd_read', 0, 0x100, 1, 0x20)).toBe(Errno.success);
      reads.push(text(h.memory().subarray(0x400, 0x400 + h.view().getUint32(0x20, true))));
    }
    expect(reads).toEqual(['0123', '4567', '89', '']);
  });

  it('answers EAGAIN instead of blocking on a non-blocking stdin', () => {
    const h = new WasiHarness();
    expect(h.call('fd_fdstat_set_flags', 0, 4)).toBe(Errno.success);
    h.view().setUint32(0x104, 8, true);
    expect(h.call('fd_read', 0, 0x100, 1, 0x20)).toBe(Errno.again);
  });

  it('reads nothing from stdout', () => {
    const h = new WasiHarness();
    expect(h.call('fd_read', 1, 0x100, 0, 0x20)).toBe(Errno.badf);
  });
});

describe('WASI clocks', () => {
  it('reads the host clocks, rejects unknown clock ids', () => {
    const h = new WasiHarness();
    expect(h.call('clock_time_get', 0, 0n, 0x10)).toBe(Errno.success);
    expect(h.view().getBigUint64(0x10, true)).toBe(h.realtime);
    h.monotonic += 123n;
    expect(h.call('clock_time_get', 1, 0n, 0x10)).toBe(Errno.success);
    expect(h.view().getBigUint64(0x10, true)).toBe(h.monotonic);
    for (const id of [0, 1, 2, 3]) {
      expect(h.call('clock_res_get', id, 0x18)).toBe(Errno.success);
      expect(h.view().getBigUint64(0x18, true)).toBeGreaterThan(0n);
    }
    expect(h.call('clock_time_get', 4, 0n, 0x10)).toBe(Errno.inval);
    expect(h.call('clock_res_get', 0xffffffff, 0x10)).toBe(Errno.inval);
  });

  it('counts CPU time from the guest start', () => {
    const h = new WasiHarness();
    h.monotonic += 2_000n;
    expect(h.call('clock_time_get', 2, 0n, 0x10)).toBe(Errno.success);
    expect(h.view().getBigUint64(0x10, true)).toBe(2_000n);
  });

  it('keeps the monotonic clock from running backwards, and continues it after a restore', () => {
    const h = new WasiHarness();
    const read = () => (h.call('clock_time_get', 1, 0n, 0x10), h.view().getBigUint64(0x10, true));
    const t0 = read();
    h.monotonic -= 1_000_000n; // the host clock stepped back
    expect(read()).toBe(t0);
    // Restored on a host whose monotonic clock started much later or earlier.
    h.wasi.wasi_set_monotonic(10_000_000_000n);
    h.monotonic = 7n;
    h.wasi.wasi_set_monotonic(10_000_000_000n);
    expect(read()).toBe(10_000_000_000n);
    h.monotonic += 5n;
    expect(read()).toBe(10_000_000_005n);
    expect(h.wasi.wasi_monotonic_now()).toBe(10_000_000_005n);
  });
});

describe('WASI poll_oneoff', () => {
  function clockSub(h: WasiHarness, at: number, userdata: bigint, clock: number, timeout: bigint, absolute = false): void {
    h.view().setBigUint64(at, userdata, true);
    h.view().setUint8(at + 8, 0);
    h.view().setUint32(at + 16, clock, true);
    h.view().setBigUint64(at + 24, timeout, true);
    h.view().setUint16(at + 40, absolute ? 1 : 0, true);
  }

  function fdSub(h: WasiHarness, at: number, userdata: bigint, tag: number, fd: number): void {
    h.view().setBigUint64(at, userdata, true);
    h.view().setUint8(at + 8, tag);
    h.view().setUint32(at + 16, fd, true);
  }

  function events(h: WasiHarness, at: number, count: number) {
    return Array.from({ length: count }, (_, i) => ({
      userdata: h.view().getBigUint64(at + i * 32, true),
      error: h.view().getUint16(at + i * 32 + 8, true),
      type: h.view().getUint8(at + i * 32 + 10),
      nbytes: h.view().getBigUint64(at + i * 32 + 16, true),
      flags: h.view().getUint16(at + i * 32 + 24, true),
    }));
  }

  it('sleeps until a relative deadline counted from the first attempt, not from each retry', () => {
    const h = new WasiHarness();
    clockSub(h, 0x100, 42n, 1, 30_000_000n);
    const start = h.monotonic;
    h.begin('poll_oneoff', 0x100, 0x400, 1, 0x20);
    expect(h.run()).toBe(RunStatus.Blocked);
    expect(h.wasi.wasi_blocked_on()).toBe(2);
    expect(h.wasi.wasi_sleep_until()).toBe(start + 30_000_000n);
    h.monotonic += 10_000_000n;
    expect(h.wasi.wasi_sleep_remaining()).toBe(20_000_000n);
    expect(h.run()).toBe(RunStatus.Blocked); // an early wake-up: same deadline
    expect(h.wasi.wasi_sleep_until()).toBe(start + 30_000_000n);
    h.monotonic += 20_000_000n;
    expect(h.run()).toBe(RunStatus.Finished);
    expect(h.result()).toBe(Errno.success);
    expect(h.view().getUint32(0x20, true)).toBe(1);
    expect(events(h, 0x400, 1)).toEqual([{ userdata: 42n, error: 0, type: 0, nbytes: 0n, flags: 0 }]);
  });

  it('reports only what is due: past absolute deadlines, stdout, bad clocks and descriptors', () => {
    const h = new WasiHarness();
    clockSub(h, 0x100, 1n, 1, 1_000_000_000n); // relative 1 s: not due
    clockSub(h, 0x130, 2n, 1, h.monotonic - 1n, true); // absolute monotonic, past
    clockSub(h, 0x160, 3n, 0, h.realtime, true); // absolute realtime, now
    clockSub(h, 0x190, 4n, 9, 0n); // no such clock
    fdSub(h, 0x1c0, 5n, 2, 1); // stdout takes writes
    fdSub(h, 0x1f0, 6n, 1, 7); // no fd 7
    expect(h.call('poll_oneoff', 0x100, 0x400, 6, 0x20)).toBe(Errno.success);
    expect(h.view().getUint32(0x20, true)).toBe(5);
    expect(events(h, 0x400, 5).map((e) => [e.userdata, e.error, e.type])).toEqual([
      [2n, 0, 0], [3n, 0, 0], [4n, Errno.inval, 0], [5n, 0, 2], [6n, Errno.badf, 1],
    ]);
  });

  it('waits for stdin or a deadline, whichever comes first', () => {
    const h = new WasiHarness();
    fdSub(h, 0x100, 1n, 1, 0);
    clockSub(h, 0x130, 2n, 0, h.realtime + 50_000_000n, true);
    h.begin('poll_oneoff', 0x100, 0x400, 2, 0x20);
    expect(h.run()).toBe(RunStatus.Blocked);
    expect(h.wasi.wasi_blocked_on()).toBe(3);
    expect(h.wasi.wasi_sleep_remaining()).toBe(50_000_000n);
    h.pushStdin(new TextEncoder().encode('hey'));
    expect(h.run()).toBe(RunStatus.Finished);
    expect(events(h, 0x400, 1)).toEqual([{ userdata: 1n, error: 0, type: 1, nbytes: 3n, flags: 0 }]);
  });

  it('reports the end of stdin as a hang-up', () => {
    const h = new WasiHarness();
    h.wasi.wasi_stdin_close();
    fdSub(h, 0x100, 9n, 1, 0);
    expect(h.call('poll_oneoff', 0x100, 0x400, 1, 0x20)).toBe(Errno.success);
    expect(events(h, 0x400, 1)).toEqual([{ userdata: 9n, error: 0, type: 1, nbytes: 0n, flags: 1 }]);
  });

  it('refuses no subscriptions and unknown subscription kinds', () => {
    const h = new WasiHarness();
    expect(h.call('poll_oneoff', 0x100, 0x400, 0, 0x20)).toBe(Errno.inval);
    fdSub(h, 0x100, 1n, 3, 0);
    expect(h.call('poll_oneoff', 0x100, 0x400, 1, 0x20)).toBe(Errno.inval);
  });
});
