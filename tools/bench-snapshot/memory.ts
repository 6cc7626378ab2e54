/**
 * (b) Memory snapshot throughput: encodeMemory and the section checksum, as
 * takeSnapshot and SnapshotDir.write do them, over a guest-sized memory of
 * mixed content, against a plain copy of the same number of bytes in the
 * same process. Reported as a ratio of throughputs (memcpy time / snapshot
 * time), so the machine's own speed cancels out.
 *
 * Content, per 4 KiB page, from a fixed seed: 40% zero (never touched), 15%
 * sparse (a few words in a zero page, like a fresh heap), 25% text-like
 * bytes, 20% random (compressed or encrypted data). A diff covers a random
 * quarter of the pages, as a pre-copy round after a busy slice would.
 */
import { checksum } from '../../host-shim/snapshot/checksum.js';
import { encodeMemory, PAGE } from '../../host-shim/snapshot/memory.js';
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
  /** encodeMemory: zero test, page records, copies. */
  encodeMs: number;
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

function breakdown(memory: Uint8Array, dirty: Uint8Array | null, copyBytes: number, reps: number): Breakdown {
  const target = new Uint8Array(copyBytes);
  const encode: number[] = [];
  const sum: number[] = [];
  const copy: number[] = [];
  // Alternating, after one warm-up round, so that each sees the same machine state.
  for (let i = 0; i <= reps; i++) {
    const c = timeMs(() => target.set(memory.subarray(0, copyBytes)));
    const e = timeMs(() => encodeMemory(memory, dirty));
    const s = timeMs(() => checksum(e.result));
    if (i === 0) continue;
    copy.push(c.ms);
    encode.push(e.ms);
    sum.push(s.ms);
  }
  const encodeMs = median(encode);
  const checksumMs = median(sum);
  const memcpyMs = median(copy);
  return { encodeMs, checksumMs, memcpyMs, ratio: memcpyMs / (encodeMs + checksumMs) };
}

export function measureMemory(bytes: number, reps: number): MemoryTimes {
  const memory = mixedMemory(bytes);
  const dirty = dirtyQuarter(bytes / PAGE);
  const dirtyPages = dirty.reduce((n, d) => n + d, 0);
  return {
    memoryBytes: bytes,
    diffBytes: dirtyPages * PAGE,
    full: breakdown(memory, null, bytes, reps),
    diff: breakdown(memory, dirty, dirtyPages * PAGE, reps),
  };
}
