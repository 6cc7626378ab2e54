/**
 * The MEMORY section: guest memory as 4 KiB pages.
 *
 *   header:  u32 page size (4096)  u32 memory size in pages, zeros to 64 bytes
 *   the 4096 bytes of every data page, in record order
 *   records × u32: page index; bit 31 set means "all zeros" (no bytes above),
 *            then zero bytes so that index and trailer end on 64 bytes
 *   trailer: u32 records  u32 data pages  u32 0  u32 0
 *
 * Every part is a multiple of 64 bytes, the checksum's block (checksum.ts).
 *
 * Page bytes first and counts last, so that whoever builds the section can
 * checksum each page in the pass that decides whether it is zero, in payload
 * order; pages adjacent in memory are written in one piece. A full snapshot holds every page that is not zero
 * (memory starts zeroed); a diff holds every page dirtied since the snapshot
 * before it, zero or not.
 */
import { SnapshotError } from '../errors.js';
import { viewMemory, type GuestMemory } from '../vmm/guest-memory.js';

export const PAGE = 4096;
export const ZERO_FLAG = 0x8000_0000;
export const ZERO_PAGE = Buffer.alloc(PAGE);
export const HEADER = 64;
export const TRAILER = 16;

/** Whether page `p` of `mem` is all zeros, without allocating. */
export function isZeroPage(mem: Buffer, p: number): boolean {
  return mem.compare(ZERO_PAGE, 0, PAGE, p * PAGE, p * PAGE + PAGE) === 0;
}

/** Bytes of the index with its padding: index and trailer together end on 64 bytes. */
export function indexBytes(count: number): number {
  return ((count * 4 + TRAILER + 63) & ~63) - TRAILER;
}

export function encodeHeader(pages: number): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt32LE(PAGE, 0);
  h.writeUInt32LE(pages, 4);
  return h;
}

/** The index and trailer of a MEMORY payload. */
export function encodeIndex(picked: number[], zero: boolean[]): Buffer {
  const out = Buffer.alloc(indexBytes(picked.length) + TRAILER);
  let data = 0;
  for (let i = 0; i < picked.length; i++) {
    out.writeUInt32LE(zero[i] ? (picked[i] | ZERO_FLAG) >>> 0 : picked[i], i * 4);
    if (!zero[i]) data++;
  }
  encodeTrailer(picked.length, data).copy(out, indexBytes(picked.length));
  return out;
}

export function encodeTrailer(count: number, dataPages: number): Buffer {
  const t = Buffer.alloc(TRAILER);
  t.writeUInt32LE(count, 0);
  t.writeUInt32LE(dataPages, 4);
  return t;
}

/**
 * A MEMORY payload of the chosen pages: `picked` page indices in order, with
 * `zero[i]` telling which are all zeros (listed, no bytes). `alloc` gives
 * the buffer to write it to (a reused one, migration/batch-buffers.ts).
 */
export function encodePages(mem: GuestMemory, pages: number, picked: number[], zero: boolean[], alloc: (bytes: number) => Buffer = Buffer.allocUnsafe): Buffer {
  let data = 0;
  for (const z of zero) if (!z) data++;
  const out = alloc(HEADER + data * PAGE + indexBytes(picked.length) + TRAILER);
  encodeHeader(pages).copy(out, 0);
  let at = HEADER;
  // Copy each run of adjacent non-zero pages at once.
  for (let i = 0; i < picked.length; ) {
    if (zero[i]) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < picked.length && !zero[j] && picked[j] === picked[j - 1] + 1) j++;
    out.set(mem.read(picked[i] * PAGE, (j - i) * PAGE), at);
    at += (j - i) * PAGE;
    i = j;
  }
  encodeIndex(picked, zero).copy(out, at);
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
  return encodePages(viewMemory(mem), pages, picked, zero);
}

/** Size in pages that a MEMORY payload describes. */
export function memoryPagesOf(payload: Uint8Array, what: string): number {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  if (buf.length < HEADER || buf.readUInt32LE(0) !== PAGE) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: bad memory section`);
  return buf.readUInt32LE(4);
}

/**
 * Writes the pages of a MEMORY payload into `memory`, checking every record
 * first. Returns the indices of the pages written.
 */
export function applyMemory(payload: Uint8Array, into: Uint8Array | GuestMemory, what: string): number[] {
  const memory = into instanceof Uint8Array ? viewMemory(into) : into;
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  const pages = memoryPagesOf(payload, what);
  if (buf.length < HEADER + TRAILER) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: memory section cut short`);
  const count = buf.readUInt32LE(buf.length - TRAILER);
  const data = buf.readUInt32LE(buf.length - TRAILER + 4);
  if (pages * PAGE > memory.length) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: memory of ${pages} pages does not fit the guest's ${memory.length / PAGE}`);
  if (count > pages || data > count || buf.length !== HEADER + data * PAGE + indexBytes(count) + TRAILER) {
    throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: memory records do not match their size`);
  }
  const indexAt = HEADER + data * PAGE;
  // First pass: validate, so that a bad record changes nothing.
  const written: number[] = new Array(count);
  let dataSeen = 0;
  for (let i = 0; i < count; i++) {
    const word = buf.readUInt32LE(indexAt + i * 4);
    const page = (word & ~ZERO_FLAG) >>> 0;
    if (page >= pages) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: page ${page} beyond the memory`);
    if (!(word & ZERO_FLAG)) dataSeen++;
    written[i] = page;
  }
  if (dataSeen !== data) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: ${dataSeen} data pages listed, ${data} announced`);
  // Adjacent data pages lie together in the payload: one write each run (a call each, on wasmtime).
  const isZero = (i: number) => (buf.readUInt32LE(indexAt + i * 4) & ZERO_FLAG) !== 0;
  let at = HEADER;
  for (let i = 0; i < count; ) {
    if (isZero(i)) {
      memory.write(written[i] * PAGE, ZERO_PAGE);
      i++;
      continue;
    }
    let j = i + 1;
    while (j < count && !isZero(j) && written[j] === written[j - 1] + 1) j++;
    memory.write(written[i] * PAGE, buf.subarray(at, at + (j - i) * PAGE));
    at += (j - i) * PAGE;
    i = j;
  }
  return written;
}
