/**
 * The MEMORY section: guest memory as 4 KiB pages.
 *
 *   u32 page size (4096)   u32 memory size in pages   u32 record count
 *   record count × u32: page index; bit 31 set means "all zeros"
 *   then the 4096 bytes of every page without bit 31, in record order
 *
 * Indices first and bytes after, so that a run of pages adjacent in memory
 * is copied in one piece. A full snapshot holds every page that is not zero
 * (memory starts zeroed); a diff holds every page dirtied since the snapshot
 * before it, zero or not.
 */
import { SnapshotError } from '../errors.js';

export const PAGE = 4096;
export const ZERO_FLAG = 0x8000_0000;
export const ZERO_PAGE = Buffer.alloc(PAGE);

/** Whether page `p` of `mem` is all zeros, without allocating. */
export function isZeroPage(mem: Buffer, p: number): boolean {
  return mem.compare(ZERO_PAGE, 0, PAGE, p * PAGE, p * PAGE + PAGE) === 0;
}

/**
 * A MEMORY payload of the chosen pages: `picked` page indices in order, with
 * `zero[i]` telling which are all zeros (sent as index only).
 */
export function encodePages(mem: Buffer, pages: number, picked: number[], zero: boolean[]): Buffer {
  let data = 0;
  for (const z of zero) if (!z) data++;
  const out = Buffer.allocUnsafe(12 + picked.length * 4 + data * PAGE);
  out.writeUInt32LE(PAGE, 0);
  out.writeUInt32LE(pages, 4);
  out.writeUInt32LE(picked.length, 8);
  // Small buffers come from Node's pool and may not be 4-byte aligned.
  const index = out.byteOffset % 4 === 0 ? new Uint32Array(out.buffer, out.byteOffset, out.length >>> 2) : null;
  let at = 12 + picked.length * 4;
  // Copy each run of adjacent non-zero pages at once.
  let runStart = -1;
  let runAt = 0;
  let runLen = 0;
  const flush = () => {
    if (runLen > 0) out.set(mem.subarray(runStart * PAGE, (runStart + runLen) * PAGE), runAt);
    runLen = 0;
  };
  for (let i = 0; i < picked.length; i++) {
    const p = picked[i];
    const word = zero[i] ? (p | ZERO_FLAG) >>> 0 : p;
    if (index) index[3 + i] = word;
    else out.writeUInt32LE(word, 12 + i * 4);
    if (zero[i]) continue;
    if (runLen > 0 && p === runStart + runLen) runLen++;
    else {
      flush();
      runStart = p;
      runAt = at;
      runLen = 1;
    }
    at += PAGE;
  }
  flush();
  return out;
}

/** Pages of `memory` to write: all non-zero pages, or the dirty ones (byte map, one per page). */
export function encodeMemory(memory: Uint8Array, dirty: Uint8Array | null): Buffer {
  const pages = memory.length / PAGE;
  const mem = Buffer.from(memory.buffer, memory.byteOffset, memory.length);
  const picked: number[] = [];
  const zero: boolean[] = [];
  for (let p = 0; p < pages; p++) {
    if (dirty && !dirty[p]) continue;
    const isZero = isZeroPage(mem, p);
    if (isZero && !dirty) continue;
    picked.push(p);
    zero.push(isZero);
  }
  return encodePages(mem, pages, picked, zero);
}

/** Size in pages that a MEMORY payload describes. */
export function memoryPagesOf(payload: Uint8Array, what: string): number {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  if (buf.length < 12 || buf.readUInt32LE(0) !== PAGE) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: bad memory section`);
  return buf.readUInt32LE(4);
}

/**
 * Writes the pages of a MEMORY payload into `memory`, checking every record
 * first. Returns the indices of the pages written.
 */
export function applyMemory(payload: Uint8Array, memory: Uint8Array, what: string): number[] {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  const pages = memoryPagesOf(payload, what);
  const count = buf.readUInt32LE(8);
  if (pages * PAGE > memory.length) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: memory of ${pages} pages does not fit the guest's ${memory.length / PAGE}`);
  if (buf.length < 12 + count * 4) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: memory records cut short`);
  // First pass: validate, so that a bad record changes nothing.
  let data = 0;
  const written: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const word = buf.readUInt32LE(12 + i * 4);
    const page = (word & ~ZERO_FLAG) >>> 0;
    if (page >= pages) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: page ${page} beyond the memory`);
    if (!(word & ZERO_FLAG)) data++;
    written[i] = page;
  }
  if (buf.length !== 12 + count * 4 + data * PAGE) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: page bytes do not match the records`);
  let at = 12 + count * 4;
  for (let i = 0; i < count; i++) {
    const word = buf.readUInt32LE(12 + i * 4);
    const page = written[i];
    if (word & ZERO_FLAG) {
      memory.fill(0, page * PAGE, page * PAGE + PAGE);
    } else {
      memory.set(buf.subarray(at, at + PAGE), page * PAGE);
      at += PAGE;
    }
  }
  return written;
}
