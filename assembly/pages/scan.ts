import { theStore } from "../runtime/store";

/**
 * Helpers for the embedder's snapshots and migrations, run where guest memory
 * lives so that no page is copied to be looked at: which pages to write, and
 * the snapshot checksum over them (host-shim/snapshot/checksum.ts computes
 * the same function; the two must agree to the bit).
 *
 * The checksum is FNV-1a over 32-bit words in sixteen lanes: four i32x4
 * vectors, each its own dependency chain, so multiplies overlap. The lane
 * state is 64 bytes; ranges are multiples of 64 bytes.
 */

const PAGE: usize = 4096;
const FNV_PRIME: i32 = 0x01000193;
const ZERO_FLAG: u32 = 0x80000000;
const LANE_BYTES: usize = 64;

/**
 * Lists and checksums the pages of a MEMORY section (host-shim/snapshot/
 * memory.ts) for memory `addr`, in one pass over each page: one u32 index
 * entry per page to write, in page order, bit 31 set for a zero page; every
 * data page folded into the checksum lanes at `lanes`, in that order. A
 * full section (`diff` false) lists every non-zero page; a diff lists every
 * dirty page. Writes to `out` (room for a u32 per page); returns the count,
 * or -1 for an unknown memory.
 */
export function pages_index(addr: u32, diff: bool, out: usize, lanes: usize): i32 {
  if (addr >= <u32>theStore.memories.length) return -1;
  let m = theStore.memories[addr];
  return scanPages(m.base, m.dirty, <usize>(m.byteLength >> 12), diff, out, lanes);
}

/**
 * pages_index over any run of 4 KiB pages: `pages` pages at `base`, with a
 * dirty byte per page at `dirty` (guest memory, or the disk's blocks).
 */
export function scanPages(base: usize, dirty: usize, pages: usize, diff: bool, out: usize, lanes: usize): i32 {
  let n: usize = 0;
  for (let p: usize = 0; p < pages; p++) {
    // SAFETY: p < pages, inside both the pages and their dirty map; out holds a u32 per page.
    if (diff && load<u8>(dirty + p) == 0) continue;
    // Hash while looking for a non-zero word; a zero page's hash is thrown away.
    let zero = !hashPage(lanes, PAGE_LANES, base + (p << 12));
    if (zero && !diff) continue;
    if (!zero) memory.copy(lanes, PAGE_LANES, LANE_BYTES);
    store<u32>(out + (n << 2), <u32>p | (zero ? ZERO_FLAG : 0));
    n++;
  }
  return <i32>n;
}

/** One page's lanes while it is hashed (hashPage). */
const PAGE_LANES: usize = memory.data(LANE_BYTES, 16);

/**
 * Folds the 4 KiB page at `page` into the lanes at `from` (64 bytes: four
 * i32x4 vectors, each its own dependency chain, so multiplies overlap),
 * writing the result to `into`; returns whether any word of the page is
 * not zero. Both checksums above and below hash pages with it.
 */
@inline function hashPage(from: usize, into: usize, page: usize): bool {
  let prime = i32x4.splat(FNV_PRIME);
  let s0 = v128.load(from), s1 = v128.load(from, 16), s2 = v128.load(from, 32), s3 = v128.load(from, 48);
  let acc = i32x4.splat(0);
  for (let off: usize = 0; off < PAGE; off += 64) {
    let w0 = v128.load(page + off), w1 = v128.load(page + off, 16), w2 = v128.load(page + off, 32), w3 = v128.load(page + off, 48);
    acc = v128.or(acc, v128.or(v128.or(w0, w1), v128.or(w2, w3)));
    s0 = i32x4.mul(v128.xor(s0, w0), prime);
    s1 = i32x4.mul(v128.xor(s1, w1), prime);
    s2 = i32x4.mul(v128.xor(s2, w2), prime);
    s3 = i32x4.mul(v128.xor(s3, w3), prime);
  }
  v128.store(into, s0);
  v128.store(into, s1, 16);
  v128.store(into, s2, 32);
  v128.store(into, s3, 48);
  return v128.any_true(acc);
}

/**
 * Folds [ptr, ptr+len) into the sixty-four bytes of checksum lanes at
 * `lanes`. `len` must be a multiple of 64; the embedder finishes the checksum.
 */
export function checksum_update(lanes: usize, ptr: usize, len: u32): void {
  let s0 = v128.load(lanes), s1 = v128.load(lanes, 16), s2 = v128.load(lanes, 32), s3 = v128.load(lanes, 48);
  let prime = i32x4.splat(FNV_PRIME);
  let end = ptr + (<usize>len & ~<usize>63);
  // SAFETY: the embedder passes a range of VMM memory it owns or a guest memory range.
  for (let p = ptr; p < end; p += 64) {
    s0 = i32x4.mul(v128.xor(s0, v128.load(p)), prime);
    s1 = i32x4.mul(v128.xor(s1, v128.load(p, 16)), prime);
    s2 = i32x4.mul(v128.xor(s2, v128.load(p, 32)), prime);
    s3 = i32x4.mul(v128.xor(s3, v128.load(p, 48)), prime);
  }
  v128.store(lanes, s0);
  v128.store(lanes, s1, 16);
  v128.store(lanes, s2, 32);
  v128.store(lanes, s3, 48);
}

/** u32 words per page in page_checksums' output: the checksum's four, then 1 for a page with data, 0 for a zero page. */
const SUM_RECORD_WORDS: usize = 5;

/**
 * The checksum of each of `count` 4 KiB pages of the memory or disk at
 * `base` (`pages` pages long), whose numbers are the u32s at `list`: for a
 * migration's page tables (host-shim/migration/pages.ts), which hold a
 * checksum per page, each the snapshot checksum of the page alone (the
 * lanes seeded from the 64 bytes at `seeds`, folded as
 * host-shim/snapshot/checksum.ts does). Writes SUM_RECORD_WORDS u32s per
 * page to `out`. Returns the count, or -1 (nothing written after it) at the
 * first page number outside the memory.
 */
export function page_checksums(base: usize, pages: u32, list: usize, count: u32, seeds: usize, out: usize): i32 {
  let prime = i32x4.splat(FNV_PRIME);
  for (let i: u32 = 0; i < count; i++) {
    let p = load<u32>(list + (<usize>i << 2));
    if (p >= pages) return -1;
    // SAFETY: p < pages, so the page lies inside the memory the embedder named.
    let data = hashPage(seeds, PAGE_LANES, base + (<usize>p << 12));
    // The fold: word k from lanes k, k+4, k+8 and k+12; word 3 also takes the length.
    let x = i32x4.mul(v128.xor(v128.load(PAGE_LANES), v128.load(PAGE_LANES, 16)), prime);
    x = i32x4.mul(v128.xor(x, v128.load(PAGE_LANES, 32)), prime);
    x = i32x4.mul(v128.xor(x, v128.load(PAGE_LANES, 48)), prime);
    let rec = out + <usize>i * (SUM_RECORD_WORDS << 2);
    v128.store(rec, x);
    store<i32>(rec, (i32x4.extract_lane(x, 3) ^ <i32>PAGE) * FNV_PRIME, 12);
    store<u32>(rec, data ? 1 : 0, 16);
  }
  return <i32>count;
}
