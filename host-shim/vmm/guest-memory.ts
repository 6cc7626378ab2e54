/**
 * A guest's linear memory as one operation between two runs sees it (a
 * snapshot, a batch of migration pages): on V8 a view of VMM memory in place,
 * on wasmtime reads and writes that cross to the wasmtime process, cached by
 * chunk so that walking a memory page by page costs one transfer per chunk.
 */
export interface GuestMemory {
  readonly length: number;
  /** Bytes [offset, offset+len): in place on V8, a copy on wasmtime; read-only either way. */
  read(offset: number, len: number): Buffer;
  write(offset: number, bytes: Uint8Array): void;
  /**
   * Where the memory can checksum its own pages faster than reading them
   * (guest memory in the VMM: its SIMD code, in place): the checksum of each
   * of the first `count` pages numbered in `pages`, as migration/pages.ts
   * keeps them, written to `out` as PAGE_SUM_WORDS words per page.
   */
  checksumPages?(pages: Uint32Array, count: number, out: Uint32Array): void;
}

/** Words per page that checksumPages writes: the checksum's four (checksum.ts), then 1 for a page with data, 0 for a zero page. */
export const PAGE_SUM_WORDS = 5;

/** A guest memory that is a view (V8, or a plain buffer). */
export function viewMemory(view: Uint8Array): GuestMemory {
  const buf = Buffer.from(view.buffer, view.byteOffset, view.length);
  return {
    length: buf.length,
    read: (offset, len) => buf.subarray(offset, offset + len),
    write: (offset, bytes) => buf.set(bytes, offset),
  };
}

/** Transfer unit of a chunked memory: 64 pages of 4 KiB. */
const CHUNK = 256 << 10;

/** A guest memory reached through read and write calls (wasmtime), read a chunk at a time. */
export function chunkedMemory(length: number, read: (offset: number, len: number) => Buffer, write: (offset: number, bytes: Uint8Array) => void): GuestMemory {
  const chunks = new Map<number, Buffer>();
  const chunk = (c: number): Buffer => {
    let data = chunks.get(c);
    if (!data) chunks.set(c, (data = read(c * CHUNK, Math.min(CHUNK, length - c * CHUNK))));
    return data;
  };
  return {
    length,
    read(offset, len) {
      const first = Math.floor(offset / CHUNK);
      const last = Math.floor((offset + len - 1) / CHUNK);
      if (len > 0 && first === last) return chunk(first).subarray(offset - first * CHUNK, offset - first * CHUNK + len);
      return read(offset, len);
    },
    write(offset, bytes) {
      write(offset, bytes);
      // Keep cached chunks true to memory.
      for (let c = Math.floor(offset / CHUNK); c * CHUNK < offset + bytes.length; c++) {
        const data = chunks.get(c);
        if (!data) continue;
        const from = Math.max(offset, c * CHUNK);
        const to = Math.min(offset + bytes.length, c * CHUNK + data.length);
        data.set(bytes.subarray(from - offset, to - offset), from - c * CHUNK);
      }
    },
  };
}
