/**
 * (b) Memory snapshot throughput: the MEMORY section as takeSnapshot builds
 * it (memorySection: the VMM scans the guest's pages and checksums them in
 * place; the file is written from views of guest memory), over a guest
 * memory of mixed content, against a plain copy of the same number of bytes
 * in the same process. Reported as a ratio of throughputs (memcpy time / snapshot
 * time), so the machine's own speed cancels out.
 *
 * Content, per 4 KiB page, from a fixed seed: 40% zero (never touched), 15%
 * sparse (a few words in a zero page, like a fresh heap), 25% text-like
 * bytes, 20% random (compressed or encrypted data). A diff covers a random
 * quarter of the pages, as a pre-copy round after a busy slice would.
 */
import { viewMemory } from '../../host-shim/vmm/guest-memory.js';
import { Vmm } from '../../host-shim/api.js';
import type { VmmExtern } from '../../host-shim/engine/vmm.js';
import { memorySection, type MemorySource } from '../../host-shim/snapshot/memory-section.js';
import { PAGE } from '../../host-shim/snapshot/memory.js';
import { Prng } from '../fuzz/prng.js';
import { median, timeMs } from '../bench/timing.js';

export interface MemoryTimes {
  memoryBytes: number;
  /** Bytes of guest memory the diff covers (dirty pages x 4 KiB). */
  diffBytes: number;
  full: Breakdown;
  diff: Breakdown;
}

export interface Breakdown {
  /** memorySection: page scan, index, checksum of the pages in place. */
  encodeMs: number;
  /** Included in encodeMs (the VMM checksums while the section is built); 0. */
  checksumMs: number;
  /** A plain copy of as many bytes as the snapshot reads (all memory, or the dirty pages). */
  memcpyMs: number;
  /** memcpy time / (encode + checksum) time: 1 means as fast as a copy. */
  ratio: number;
}

export function mixedMemory(bytes: number, seed = 42): Uint8Array {
  // Guest memory lives in a WebAssembly.Memory in the VMM: use one here too.
  const memory = new Uint8Array(new WebAssembly.Memory({ initial: bytes / 65536 }).buffer);
  const rng = new Prng(seed);
  const words = new Uint32Array(memory.buffer);
  const text = Buffer.from('the quick brown fox jumps over the lazy dog; {"key": 12345, "value": [1, 2, 3]}\n');
  for (let p = 0; p < bytes / PAGE; p++) {
    const kind = rng.below(100);
    const at = p * PAGE;
    if (kind < 40) continue;
    if (kind < 55) {
      for (let i = 0; i < 8; i++) words[at / 4 + rng.below(PAGE / 4)] = rng.u32();
    } else if (kind < 80) {
      for (let i = 0; i < PAGE; i += text.length) text.copy(memory, at + i, 0, Math.min(text.length, PAGE - i));
      memory[at + rng.below(PAGE)] = rng.below(256);
    } else {
      for (let i = 0; i < PAGE / 4; i++) words[at / 4 + i] = rng.u32();
    }
  }
  return memory;
}

function dirtyQuarter(pages: number, seed = 7): Uint8Array {
  const rng = new Prng(seed);
  const dirty = new Uint8Array(pages);
  for (let p = 0; p < pages; p++) dirty[p] = rng.below(4) === 0 ? 1 : 0;
  return dirty;
}

function breakdown(src: MemorySource, memory: Uint8Array, dirtyMap: Uint8Array, dirty: Uint8Array | null, copyBytes: number, reps: number): Breakdown {
  const target = new Uint8Array(copyBytes);
  target.fill(1); // touched, as the memcpy's destination would be
  const encode: number[] = [];
  const copy: number[] = [];
  // Alternating, after one warm-up round, so that each sees the same machine state.
  for (let i = 0; i <= reps; i++) {
    const c = timeMs(() => target.set(memory.subarray(0, copyBytes)));
    if (dirty) dirtyMap.set(dirty);
    const e = timeMs(() => memorySection(src, dirty !== null));
    if (i === 0) continue;
    copy.push(c.ms);
    encode.push(e.ms);
  }
  const encodeMs = median(encode);
  const memcpyMs = median(copy);
  return { encodeMs, checksumMs: 0, memcpyMs, ratio: memcpyMs / encodeMs };
}

export function measureMemory(bytes: number, reps: number): MemoryTimes {
  // The guest's memory inside a VMM, filled with the mixed content.
  const vmm = new Vmm({ maxMemoryPages: bytes / 65536 });
  const guest = vmm.load(Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // (module
    0x05, 0x05, 0x01, 0x00, ...leb(bytes / 65536), //   (memory N)
    0x07, 0x0a, 0x01, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, // (export "memory"))
  ]));
  const memory = guest.memory();
  memory.set(mixedMemory(bytes));
  const addr = (guest.export('memory') as VmmExtern).address;
  const x = vmm.engine.vmm.x;
  const dirtyMap = vmm.engine.vmm.read(x.memory_dirty(addr), bytes / PAGE);
  const src: MemorySource = { vmm: vmm.engine.vmm, memoryAddr: addr, memory: viewMemory(memory) };
  const dirty = dirtyQuarter(bytes / PAGE);
  const dirtyPages = dirty.reduce((n, d) => n + d, 0);
  return {
    memoryBytes: bytes,
    diffBytes: dirtyPages * PAGE,
    full: breakdown(src, memory, dirtyMap, null, bytes, reps),
    diff: breakdown(src, memory, dirtyMap, dirty, dirtyPages * PAGE, reps),
  };
}

/** Memory sizes in pages as a 3-byte LEB128 (fits any wasm32 memory). */
function leb(n: number): number[] {
  return [0x80 | (n & 0x7f), 0x80 | ((n >> 7) & 0x7f), (n >> 14) & 0x7f];
}
