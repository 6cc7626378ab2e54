// The WASI state survives a checkpoint: saved by one VMM (checkpoint_save),
// restored into another (instance_restore), with the monotonic clock
// continuing from its saved reading on a host whose clock differs.
import { describe, expect, it } from 'vitest';
import type { VmmExtern } from '../../host-shim/engine/vmm.js';
import { VmmNet } from '../../host-shim/sockets/vmm-net.js';
import { WasiHarness } from './harness.js';
import { Errno } from './preview1.js';

interface CheckpointEntryPoints {
  checkpoint_save(inst: number): number;
  instance_restore(module: number, importsPtr: number, count: number, ptr: number, len: number): number;
}

const checkpoints = (h: WasiHarness) => h.engine.vmm.x as unknown as CheckpointEntryPoints;
const hasCheckpoints = 'checkpoint_save' in new WasiHarness().engine.vmm.x;

function save(h: WasiHarness): Uint8Array {
  const ptr = checkpoints(h).checkpoint_save((h.instance as unknown as { id: number }).id) >>> 0;
  if (!ptr) throw new Error(h.engine.vmm.lastError().message);
  const len = h.engine.vmm.view().getUint32(ptr, true);
  const state = Uint8Array.from(h.engine.vmm.bytes(ptr + 4, len));
  h.engine.vmm.x.vmm_free(ptr);
  return state;
}

/** A fresh VMM holding the guest restored from `state`, its WASI memory bound. */
function restore(from: WasiHarness, state: Uint8Array, monotonic: bigint): WasiHarness {
  const to = new WasiHarness();
  to.monotonic = monotonic;
  const vmm = to.engine.vmm;
  const module = to.engine.compile(from.bytes) as unknown as { id: number; imports: { name: string }[] };
  const pairs = new Uint32Array(module.imports.length * 2);
  module.imports.forEach((imp, i) => {
    pairs[i * 2 + 1] = (to.engine.wasiFunction(imp.name) as VmmExtern).address;
  });
  const importsPtr = vmm.writeBytes(new Uint8Array(pairs.buffer));
  const statePtr = vmm.writeBytes(state);
  const inst = checkpoints(to).instance_restore(module.id, importsPtr, module.imports.length, statePtr, state.length);
  vmm.x.vmm_free(importsPtr);
  vmm.x.vmm_free(statePtr);
  if (inst < 0) throw new Error(vmm.lastError().message);
  // The harness keeps calling its own instance, whose WASI functions serve
  // its own memory; the WASI state is the VMM's, restored above.
  expect(to.engine.exportOf(inst, 'memory')).toBeDefined();
  return to;
}

describe('WASI state in a checkpoint', () => {
  it.skipIf(!hasCheckpoints)('round-trips argv, environ, unread stdin, stdio flags and the monotonic clock', () => {
    const a = new WasiHarness({ args: ['prog', 'arg'], env: ['K=v'] });
    a.pushStdin(new TextEncoder().encode('abcdef'));
    a.view().setUint32(0x100, 0x400, true);
    a.view().setUint32(0x104, 2, true);
    expect(a.call('fd_read', 0, 0x100, 1, 0x20)).toBe(Errno.success);
    expect(a.call('fd_close', 2)).toBe(Errno.success);
    expect(a.call('fd_fdstat_set_flags', 1, 1)).toBe(Errno.success);
    a.monotonic += 1_000_000n;
    expect(a.call('clock_time_get', 1, 0n, 0x10)).toBe(Errno.success);
    const savedClock = a.view().getBigUint64(0x10, true);

    const b = restore(a, save(a), 3n); // the new host's monotonic clock reads 3 ns
    expect(b.call('clock_time_get', 1, 0n, 0x10)).toBe(Errno.success);
    expect(b.view().getBigUint64(0x10, true)).toBe(savedClock);
    b.monotonic += 10n;
    expect(b.call('clock_time_get', 1, 0n, 0x10)).toBe(Errno.success);
    expect(b.view().getBigUint64(0x10, true)).toBe(savedClock + 10n);

    expect(b.call('args_sizes_get', 0x10, 0x14)).toBe(Errno.success);
    expect([b.view().getUint32(0x10, true), b.view().getUint32(0x14, true)]).toEqual([2, 9]);
    expect(b.call('environ_sizes_get', 0x10, 0x14)).toBe(Errno.success);
    expect([b.view().getUint32(0x10, true), b.view().getUint32(0x14, true)]).toEqual([1, 4]);
    b.view().setUint32(0x100, 0x400, true);
    b.view().setUint32(0x104, 16, true);
    b.wasi.wasi_stdin_close();
    expect(b.call('fd_read', 0, 0x100, 1, 0x20)).toBe(Errno.success);
    expect(new TextDecoder().decode(b.memory().subarray(0x400, 0x400 + b.view().getUint32(0x20, true)))).toBe('cdef');
    expect(b.call('fd_fdstat_get', 2, 0x200)).toBe(Errno.badf);
    expect(b.call('fd_fdstat_get', 1, 0x200)).toBe(Errno.success);
    expect(b.view().getUint16(0x202, true)).toBe(1);
  });
});

describe('socket device in a checkpoint', () => {
  const enc = (s: string) => new TextEncoder().encode(s);

  /** A guest listening, with one connection accepted and busy both ways, one shut down, one waiting. */
  function busy(): { h: WasiHarness; net: VmmNet } {
    const h = new WasiHarness();
    const net = new VmmNet(h.engine.vmm);
    net.listen(9000);
    expect(h.call('fd_fdstat_set_flags', 3, 4)).toBe(Errno.success);
    for (const id of [11, 12]) {
      net.open(id);
      expect(h.call('sock_accept', 3, 0, 0x10)).toBe(Errno.success);
    }
    net.push(11, enc('request one;request two'));
    h.view().setUint32(0x100, 0x400, true);
    h.view().setUint32(0x104, 12, true);
    expect(h.call('sock_recv', 4, 0x100, 1, 0, 0x20, 0x24)).toBe(Errno.success); // "request one;"
    h.memory().set(enc('answer one'), 0x500);
    h.view().setUint32(0x104, 10, true);
    h.view().setUint32(0x100, 0x500, true);
    expect(h.call('sock_send', 4, 0x100, 1, 0, 0x20)).toBe(Errno.success);
    net.takeUnsent(11);
    net.ack(11, 7); // the peer has "answer "
    net.peerEnded(11);
    expect(h.call('sock_shutdown', 5, 2)).toBe(Errno.success);
    net.open(13);
    net.push(13, enc('early'));
    net.nextEpoch();
    net.nextEpoch();
    return { h, net };
  }

  it.skipIf(!hasCheckpoints)('round-trips the listener, connections, their unread and unacknowledged bytes and the epoch', () => {
    const a = busy();
    const b = restore(a.h, save(a.h), 1n);
    const net = new VmmNet(b.engine.vmm);
    expect(net.listenPort()).toBe(9000);
    expect(net.ids()).toEqual([11, 12, 13]);
    for (const id of [11, 12, 13]) expect(net.state(id)).toEqual(a.net.state(id));
    expect(net.nextEpoch()).toBe(3);
    // Sent bytes not acknowledged are read again from the acknowledged offset.
    const unsent = net.takeUnsent(11)!;
    expect([unsent.offset, new TextDecoder().decode(unsent.bytes)]).toEqual([7, 'one']);
    // The rest of the request is still there to read; then the end of the stream.
    b.view().setUint32(0x100, 0x600, true);
    b.view().setUint32(0x104, 64, true);
    expect(b.call('sock_recv', 4, 0x100, 1, 0, 0x20, 0x24)).toBe(Errno.success);
    expect(new TextDecoder().decode(b.memory().subarray(0x600, 0x600 + b.view().getUint32(0x20, true)))).toBe('request two');
    expect(b.call('sock_recv', 4, 0x100, 1, 0, 0x20, 0x24)).toBe(Errno.success);
    expect(b.view().getUint32(0x20, true)).toBe(0);
    expect(b.call('sock_send', 5, 0x100, 1, 0, 0x20)).toBe(Errno.pipe);
    // The waiting connection is accepted next, with the bytes that came early; the listener kept NONBLOCK.
    expect(b.call('sock_accept', 3, 0, 0x10)).toBe(Errno.success);
    expect(b.view().getUint32(0x10, true)).toBe(6);
    expect(b.call('sock_recv', 6, 0x100, 1, 0, 0x20, 0x24)).toBe(Errno.success);
    expect(b.view().getUint32(0x20, true)).toBe(5);
    expect(b.call('sock_accept', 3, 0, 0x10)).toBe(Errno.again);
  });

  it.skipIf(!hasCheckpoints)('a checkpoint with damaged socket state is refused or restores whole, and never breaks the VMM', () => {
    const a = busy();
    const state = save(a.h);
    // The socket section (about 150 bytes) is the tail of the state: damage every third byte of it in turn.
    let refused = 0;
    for (let back = 1; back <= 150; back += 3) {
      const bad = Uint8Array.from(state);
      bad[bad.length - back] ^= 0xff;
      try {
        const b = restore(a.h, bad, 1n);
        // Some bytes are data (buffered bytes): flipping them gives a valid state.
        expect(new VmmNet(b.engine.vmm).ids().length).toBeLessThanOrEqual(3);
      } catch (err) {
        expect((err as Error).message).toMatch(/socket state|truncated|checkpoint/);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(10);
  });
});
