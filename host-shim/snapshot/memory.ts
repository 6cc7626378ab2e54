/**
 * The MEMORY section: guest memory as 4 KiB pages.
 *
 *   u32 page size (4096)   u32 memory size in pages   u32 record count
 *   records: u32 page index, then 4096 bytes; bit 31 of the index set
 *            means "this page is all zeros" and no bytes follow
 *
 * A full snapshot holds every page that is not zero (memory starts zeroed); a
 * diff holds every page dirtied since the snapshot before it, zero or not.
 */
import { SnapshotError } from '../errors.js';

export const PAGE = 4096;
export const ZERO_FLAG = 0x8000_0000;
export const ZERO_PAGE = Buffer.alloc(PAGE);

/** Pages of `memory` to write: all non-zero pages, or the dirty ones (byte map, one per page). */
export function encodeMemory(memory: Uint8Array, dirty: Uint8Array | null): Buffer {
  const pages = memory.length / PAGE;
  const mem = Buffer.from(memory.buffer, memory.byteOffset, memory.length);
  const chosen: number[] = [];
  const zero: boolean[] = [];
  let dataPages = 0;
  for (let p = 0; p < pages; p++) {
    if (dirty && !dirty[p]) continue;
    const isZero = mem.subarray(p * PAGE, p * PAGE + PAGE).equals(ZERO_PAGE);
    if (isZero && !dirty) continue;
    chosen.push(p);
    zero.push(isZero);
    if (!isZero) dataPages++;
  }
  const out = Buffer.allocUnsafe(12 + chosen.length * 4 + dataPages * PAGE);
  out.writeUInt32LE(PAGE, 0);
  out.writeUInt32LE(pages, 4);
  out.writeUInt32LE(chosen.length, 8);
  let at = 12;
  for (let i = 0; i < chosen.length; i++) {
    const p = chosen[i];
    if (zero[i]) {
      out.writeUInt32LE((p | ZERO_FLAG) >>> 0, at);
      at += 4;
    } else {
      out.writeUInt32LE(p, at);
      mem.copy(out, at + 4, p * PAGE, p * PAGE + PAGE);
      at += 4 + PAGE;
    }
  }
  return out;
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
  // First pass: validate, so that a bad record changes nothing.
  let at = 12;
  for (let i = 0; i < count; i++) {
    if (buf.length - at < 4) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: memory records cut short`);
    const word = buf.readUInt32LE(at);
    const page = word & ~ZERO_FLAG;
    if (page >= pages) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: page ${page} beyond the memory`);
    at += 4 + (word & ZERO_FLAG ? 0 : PAGE);
    if (at > buf.length) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: memory records cut short`);
  }
  if (at !== buf.length) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: bytes after the memory records`);
  at = 12;
  const written: number[] = [];
  for (let i = 0; i < count; i++) {
    const word = buf.readUInt32LE(at);
    const page = word & ~ZERO_FLAG;
    written.push(page);
    if (word & ZERO_FLAG) {
      memory.fill(0, page * PAGE, page * PAGE + PAGE);
      at += 4;
    } else {
      memory.set(buf.subarray(at + 4, at + 4 + PAGE), page * PAGE);
      at += 4 + PAGE;
    }
  }
  return written;
}
