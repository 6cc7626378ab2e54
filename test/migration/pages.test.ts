// The page tables both ends of a migration keep, and their digests.
import { describe, expect, test } from 'vitest';
import { DestinationPages, SourcePages } from '../../host-shim/migration/pages.js';
import { PAGE_SUM_WORDS, viewMemory } from '../../host-shim/vmm/guest-memory.js';
import { V8Binding } from '../../host-shim/vmm/v8-binding.js';

const PAGES = 64;

function randomMemory(seed: number): Uint8Array {
  const m = new Uint8Array(PAGES * 4096);
  let x = seed;
  for (let p = 0; p < PAGES; p += 3) {
    for (let i = 0; i < 4096; i += 64) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      m[p * 4096 + i] = x & 0xff;
    }
  }
  return m;
}

describe('migration page tables', () => {
  test('the source and the destination digest the same memory alike, whatever the order pages came in', () => {
    const memory = randomMemory(7);
    const source = new SourcePages();
    const dest = new DestinationPages();
    const target = new Uint8Array(memory.length);
    // Two rounds: everything, then a few pages rewritten and sent again.
    const dirty = new Uint8Array(PAGES).fill(1);
    const first = source.collect(viewMemory(memory), dirty, 16 * 4096);
    expect(first.dirtyLeft).toBeGreaterThan(0);
    for (;;) {
      const more = source.collect(viewMemory(memory), dirty, 16 * 4096);
      if (more.count === 0) break;
    }
    for (let p = 0; p < PAGES; p++) target.set(memory.subarray(p * 4096, p * 4096 + 4096), p * 4096);
    dest.written(viewMemory(target), [...Array(PAGES).keys()].reverse());
    expect(Buffer.from(dest.digest(PAGES))).toEqual(Buffer.from(source.digest(PAGES)));

    memory[5 * 4096 + 17] ^= 0xff;
    dirty[5] = 1;
    source.collect(viewMemory(memory), dirty, 16 * 4096);
    expect(Buffer.from(dest.digest(PAGES))).not.toEqual(Buffer.from(source.digest(PAGES)));
    target[5 * 4096 + 17] ^= 0xff;
    dest.written(viewMemory(target), [5]);
    expect(Buffer.from(dest.digest(PAGES))).toEqual(Buffer.from(source.digest(PAGES)));
  });

  test('a page in the wrong place, or a memory of another size, changes the digest', () => {
    const memory = randomMemory(11);
    const dest = new DestinationPages();
    dest.written(viewMemory(memory), [...Array(PAGES).keys()]);
    const swapped = Uint8Array.from(memory);
    swapped.set(memory.subarray(0, 4096), 3 * 4096);
    swapped.set(memory.subarray(3 * 4096, 4 * 4096), 0);
    const other = new DestinationPages();
    other.written(viewMemory(swapped), [...Array(PAGES).keys()]);
    const before = Buffer.from(dest.digest(PAGES));
    expect(Buffer.from(other.digest(PAGES))).not.toEqual(before);
    // One more (zero) page: the memory grew.
    expect(Buffer.from(dest.digest(PAGES + 1))).not.toEqual(before);
  });

  test('the VMM checksums pages in place as the host does, and the tables built either way are equal', () => {
    const vmm = new V8Binding();
    const memory = randomMemory(23);
    // Page 7 has data only in its last word: a page with data is never taken for a zero page.
    memory[7 * 4096 + 4095] = 1;
    const base = vmm.x.vmm_alloc(memory.length);
    vmm.write(base, memory);
    const inVmm = vmm.guestMemory(base, memory.length);
    expect(inVmm.checksumPages).toBeDefined();
    const here = viewMemory(Uint8Array.from(memory));
    expect(here.checksumPages).toBeUndefined();

    const list = Uint32Array.from({ length: 300 }, (_, i) => (i * 7) % PAGES);
    const fromVmm = new Uint32Array(list.length * PAGE_SUM_WORDS);
    inVmm.checksumPages!(list, list.length, fromVmm);
    const source = new SourcePages();
    // The host's own checksums, through a memory that cannot checksum itself, make the same table.
    const dest = new DestinationPages();
    dest.written(here, [...list]);
    const viaVmm = new DestinationPages();
    viaVmm.written(inVmm, [...list]);
    expect(Buffer.from(viaVmm.digest(PAGES))).toEqual(Buffer.from(dest.digest(PAGES)));
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      const zero = memory.subarray(p * 4096, p * 4096 + 4096).every((b) => b === 0);
      expect(fromVmm[i * PAGE_SUM_WORDS + 4], `page ${p}`).toBe(zero ? 0 : 1);
    }
    // The source's table over the VMM's memory equals the destination's over the host's copy.
    source.collect(inVmm, new Uint8Array(PAGES).fill(1), 1 << 30);
    const all = new DestinationPages();
    all.written(here, [...Array(PAGES).keys()]);
    expect(Buffer.from(source.digest(PAGES))).toEqual(Buffer.from(all.digest(PAGES)));
    // A page number beyond the memory is refused, not read.
    expect(() => inVmm.checksumPages!(Uint32Array.of(PAGES), 1, new Uint32Array(PAGE_SUM_WORDS))).toThrow(RangeError);
    vmm.close();
  });
});
