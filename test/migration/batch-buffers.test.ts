// Page batches collected into reused buffers: the same bytes as fresh ones, and the buffers really reused.
import { describe, expect, test } from 'vitest';
import { BATCH_BUFFER_BYTES, BatchBuffers } from '../../host-shim/migration/batch-buffers.js';
import { SourcePages } from '../../host-shim/migration/pages.js';
import { applyMemory } from '../../host-shim/snapshot/memory.js';
import { viewMemory } from '../../host-shim/vmm/guest-memory.js';

const PAGES = 48;

function memoryWith(seed: number): Uint8Array {
  const m = new Uint8Array(PAGES * 4096);
  // Every third page zero, the others marked with the seed.
  for (let p = 0; p < PAGES; p++) if (p % 3 !== 0) m.fill((seed + p) & 0xff || 1, p * 4096, p * 4096 + 100);
  return m;
}

describe('batch buffers', () => {
  test('a buffer given back is taken again; a detached, small or huge one is dropped', () => {
    const buffers = new BatchBuffers();
    const first = buffers.take(1000);
    expect(first.length).toBe(1000);
    expect(first.buffer.byteLength).toBe(BATCH_BUFFER_BYTES);
    buffers.give(first.buffer as ArrayBuffer);
    expect(buffers.take(2000).buffer).toBe(first.buffer);

    const detached = new ArrayBuffer(BATCH_BUFFER_BYTES);
    structuredClone(detached, { transfer: [detached] });
    buffers.give(detached);
    buffers.give(new ArrayBuffer(64));
    const huge = new ArrayBuffer(3 * BATCH_BUFFER_BYTES);
    buffers.give(huge);
    const next = buffers.take(10).buffer;
    expect(next).not.toBe(detached);
    expect(next).not.toBe(huge);
    expect(next.byteLength).toBe(BATCH_BUFFER_BYTES);
  });

  test('a batch collected into a reused buffer holding an older batch is byte for byte the fresh one', () => {
    const buffers = new BatchBuffers();
    const take = (bytes: number) => buffers.take(bytes);
    // Fill a buffer with a larger batch of other memory, then give it back.
    const old = new SourcePages().collect(viewMemory(memoryWith(9)), new Uint8Array(PAGES).fill(1), 1 << 20, take);
    buffers.give(old.records.buffer as ArrayBuffer);

    const memory = memoryWith(1);
    const dirty = new Uint8Array(PAGES);
    for (const p of [1, 2, 3, 7, 8, 30]) dirty[p] = 1;
    const reused = new SourcePages().collect(viewMemory(memory), dirty.slice(), 1 << 20, take);
    expect(reused.records.buffer).toBe(old.records.buffer);
    const fresh = new SourcePages().collect(viewMemory(memory), dirty.slice(), 1 << 20);
    expect(Buffer.from(reused.records)).toEqual(Buffer.from(fresh.records));

    const target = new Uint8Array(memory.length);
    // Pages 3 and 30 are zero pages, which a destination that holds nothing yet has already.
    expect(applyMemory(reused.records, target, 'test')).toEqual([1, 2, 7, 8]);
    for (const p of [1, 2, 3, 7, 8, 30]) expect(Buffer.from(target.subarray(p * 4096, p * 4096 + 4096))).toEqual(Buffer.from(memory.subarray(p * 4096, p * 4096 + 4096)));
  });
});
