import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { BatchDeflater } from '../../host-shim/migration/batch-deflater.js';

describe('page batches deflated only where that shrinks them', () => {
  test('a batch that shrinks goes deflated, and inflates to itself', () => {
    const batch = new Uint8Array(1 << 20);
    for (let i = 0; i < batch.length; i += 4096) batch[i] = i & 0xff;
    const out = new BatchDeflater().deflate(batch);
    expect(out).not.toBeNull();
    expect(out!.length).toBeLessThan(batch.length / 8);
    expect(Buffer.from(inflateRawSync(out!)).equals(Buffer.from(batch))).toBe(true);
  });

  test('after a batch that does not shrink, the next fifteen go as they are without a try; then deflate is tried again', () => {
    const deflater = new BatchDeflater();
    const noise = randomBytes(256 << 10);
    const zeros = new Uint8Array(256 << 10);
    expect(deflater.deflate(noise)).toBeNull();
    // Even memory that would shrink goes as it is while the deflater holds back.
    for (let i = 0; i < 15; i++) expect(deflater.deflate(zeros), `batch ${i}`).toBeNull();
    expect(deflater.deflate(zeros)).not.toBeNull();
    expect(deflater.deflate(zeros)).not.toBeNull();
  });
});
