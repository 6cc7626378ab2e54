// The WASI state survives a checkpoint: saved by one VMM (checkpoint_save),
// restored into another (instance_restore), with the monotonic clock
// continuing from its saved reading on a host whose clock differs.
import { describe, expect, it } from 'vitest';
import type { VmmExtern } from '../../host-shim/engine/vmm.js';
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
