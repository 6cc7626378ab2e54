/**
 * Guest memory as it moves during a live migration. The source side picks
 * dirty pages in bounded batches (MEMORY payloads, snapshot/memory.ts) and
 * remembers a checksum of every page as sent; the destination keeps the
 * checksum of every page as written into the guest's memory. At switchover
 * both digest their tables: equal digests mean the destination's memory is
 * the source's, page for page. A guest's disk image moves the same way, its
 * 4 KiB blocks as pages, with its own dirty map and its own pair of tables:
 * nothing here knows which of the two a GuestMemory view holds.
 */
import { checksum, checksumWordsInto, CHECKSUM_BYTES } from '../snapshot/checksum.js';
import { PAGE, ZERO_PAGE, encodePages } from '../snapshot/memory.js';
import { PAGE_SUM_WORDS, type GuestMemory } from '../vmm/guest-memory.js';

const ZERO_SUM = new Uint32Array(Uint8Array.from(checksum(ZERO_PAGE)).buffer);
const SUM_WORDS = CHECKSUM_BYTES / 4;
const PAGE_WORDS = PAGE / 4;

/** Pages checksummed at a time: a chunk of page numbers and their sums. */
const CHUNK = 256;

/** A page copied to a 4-byte aligned place when the memory hands out one that is not (a copy on wasmtime). */
const aligned = new Uint32Array(PAGE_WORDS);

/** The words of `page` (PAGE bytes): a view in place when aligned, else a copy. Valid until the next call. */
function pageWords(page: Uint8Array): { words: Uint32Array; at: number } {
  if (page.byteOffset % 4 === 0) return { words: new Uint32Array(page.buffer, page.byteOffset, PAGE_WORDS), at: 0 };
  new Uint8Array(aligned.buffer).set(page);
  return { words: aligned, at: 0 };
}

/**
 * The checksums of the first `count` pages numbered in `pages`, PAGE_SUM_WORDS
 * words each in `out`: by the memory itself where it can (the VMM's SIMD
 * code, several times faster), else here.
 */
function checksumPages(memory: GuestMemory, pages: Uint32Array, count: number, out: Uint32Array): void {
  if (memory.checksumPages) return memory.checksumPages(pages, count, out);
  for (let i = 0; i < count; i++) {
    const { words, at } = pageWords(memory.read(pages[i] * PAGE, PAGE));
    const zero = checksumWordsInto(words, at, PAGE_WORDS, out, i * PAGE_SUM_WORDS);
    out[i * PAGE_SUM_WORDS + 4] = zero ? 0 : 1;
  }
}

/** Scratch for checksumPages: one thread runs one page table operation at a time. */
const chunkPages = new Uint32Array(CHUNK);
const chunkSums = new Uint32Array(CHUNK * PAGE_SUM_WORDS);

/**
 * A table of page checksums, every page starting as a zero page, and its
 * digest kept up to date as pages change: four 32-bit sums over the pages of
 * mix(page number, its checksum), one per checksum word. A page that changes
 * takes its old term out and puts its new one in, so the digest at
 * switchover costs nothing however large the memory is (folding the whole
 * table there took milliseconds of the guest's pause). Both ends compute it
 * the same way: equal digests mean equal tables, barring a 2^-128 accident.
 * Checksums are kept as four u32 words each (little-endian, as the bytes).
 */
class PageSums {
  sums = new Uint32Array(0);
  pages = 0;
  private readonly acc = new Uint32Array(4);

  resize(pages: number): void {
    if (pages <= this.pages) return;
    const sums = new Uint32Array(pages * SUM_WORDS);
    sums.set(this.sums);
    for (let p = this.pages; p < pages; p++) {
      sums.set(ZERO_SUM, p * SUM_WORDS);
      this.account(p, ZERO_SUM, 0, 1);
    }
    this.sums = sums;
    this.pages = pages;
  }

  /** Records for page number `page` the checksum whose words are at `at` in `words`. */
  set(page: number, words: Uint32Array, at: number): void {
    this.account(page, this.sums, page * SUM_WORDS, -1);
    for (let k = 0; k < SUM_WORDS; k++) this.sums[page * SUM_WORDS + k] = words[at + k];
    this.account(page, words, at, 1);
  }

  digest(pages: number): Uint8Array {
    this.resize(pages);
    const out = new Uint8Array(CHECKSUM_BYTES);
    const v = new DataView(out.buffer);
    for (let k = 0; k < 4; k++) v.setUint32(k * 4, mix(this.acc[k], this.pages + k), true);
    return out;
  }

  /** Adds (sign 1) or removes (sign -1) the term of `page` whose checksum words are at `at` in `words`. */
  private account(page: number, words: Uint32Array, at: number, sign: 1 | -1): void {
    for (let k = 0; k < 4; k++) this.acc[k] = this.acc[k] + sign * mix(words[at + k], page * 4 + k);
  }
}

/** A 32-bit mix of `word` under `key` (murmur3's finalizer over their combination). */
function mix(word: number, key: number): number {
  let h = (word ^ Math.imul(key + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface Batch {
  /** A MEMORY payload: header and records. */
  records: Uint8Array;
  count: number;
  /** Bytes of page data in the batch. */
  bytes: number;
  /** Dirty pages left after this batch. */
  dirtyLeft: number;
  /** Memory size in 4 KiB pages. */
  pages: number;
}

/** The source's view: which pages the destination holds as zeros, and their checksums. */
export class SourcePages {
  private readonly sums = new PageSums();
  /** 1 while the destination still holds the page as zeros (nothing sent yet). */
  private destZero = new Uint8Array(0);
  private cursor = 0;

  private resize(pages: number): void {
    if (pages <= this.destZero.length) return;
    const z = new Uint8Array(pages).fill(1);
    z.set(this.destZero);
    this.destZero = z;
    this.sums.resize(pages);
  }

  /**
   * Takes dirty pages from `memory` (clearing their bits in `dirty`) until
   * `maxBytes` of page data are in the batch. A zero page the destination
   * already holds as zeros is cleared without being sent. `alloc` gives the
   * batch its buffer.
   */
  collect(memory: GuestMemory, dirty: Uint8Array, maxBytes: number, alloc?: (bytes: number) => Buffer): Batch {
    const pages = memory.length / PAGE;
    this.resize(pages);
    const picked: number[] = [];
    const zero: boolean[] = [];
    let bytes = 0;
    let seen = 0;
    while (seen < pages && bytes < maxBytes) {
      // The next dirty pages, no more than could all be data pages that fit (zero
      // pages take no room: another chunk follows while there is room left).
      const want = Math.min(CHUNK, Math.ceil((maxBytes - bytes) / PAGE));
      let n = 0;
      for (; seen < pages && n < want; seen++) {
        const p = (this.cursor + seen) % pages;
        if (!dirty[p]) continue;
        dirty[p] = 0;
        chunkPages[n++] = p;
      }
      // Each page's checksum, and whether it is zero, in one pass.
      checksumPages(memory, chunkPages, n, chunkSums);
      for (let i = 0; i < n; i++) {
        const p = chunkPages[i];
        const isZero = chunkSums[i * PAGE_SUM_WORDS + 4] === 0;
        this.sums.set(p, chunkSums, i * PAGE_SUM_WORDS);
        // A zero page the destination holds as zeros already had ZERO_SUM in the table: recording it again changed nothing.
        if (isZero && this.destZero[p]) continue;
        this.destZero[p] = isZero ? 1 : 0;
        picked.push(p);
        zero.push(isZero);
        if (!isZero) bytes += PAGE;
      }
    }
    this.cursor = (this.cursor + seen) % Math.max(pages, 1);
    const out = encodePages(memory, pages, picked, zero, alloc);
    let dirtyLeft = 0;
    for (let p = 0; p < pages; p++) dirtyLeft += dirty[p] ? 1 : 0;
    return { records: out, count: picked.length, bytes, dirtyLeft, pages };
  }

  digest(pages: number): Uint8Array {
    return this.sums.digest(pages);
  }
}

/** The destination's view: the checksum of every page as written into guest memory. */
export class DestinationPages {
  private readonly sums = new PageSums();

  /** Records the pages just written, checksummed as guest memory holds them. */
  written(memory: GuestMemory, pages: number[]): void {
    this.sums.resize(memory.length / PAGE);
    for (let from = 0; from < pages.length; from += CHUNK) {
      const n = Math.min(CHUNK, pages.length - from);
      for (let i = 0; i < n; i++) chunkPages[i] = pages[from + i];
      checksumPages(memory, chunkPages, n, chunkSums);
      for (let i = 0; i < n; i++) this.sums.set(chunkPages[i], chunkSums, i * PAGE_SUM_WORDS);
    }
  }

  digest(pages: number): Uint8Array {
    return this.sums.digest(pages);
  }
}
