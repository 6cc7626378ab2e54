// DISK_IMAGE frames: which blocks of a shared disk image the destination
// reads from the file. A payload that is not one of the two forms is refused.
import { describe, expect, test } from 'vitest';
import { decodeImageBlocks, encodeImageBlocks } from '../../host-shim/migration/wire.js';

const refused = (payload: number[]) => {
  try {
    decodeImageBlocks(Buffer.from(payload));
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return 'accepted';
};

describe('DISK_IMAGE payload', () => {
  test('round-trips "every block" and a list of blocks', () => {
    expect(decodeImageBlocks(encodeImageBlocks(null))).toBeNull();
    expect([...decodeImageBlocks(encodeImageBlocks(Uint32Array.from([0, 7, 8, 4095])))!]).toEqual([0, 7, 8, 4095]);
    expect([...decodeImageBlocks(encodeImageBlocks(new Uint32Array(0)))!]).toEqual([]);
  });

  test('refuses an empty, cut or unordered payload with WASMOTION_ERR_MIGRATION_PROTOCOL', () => {
    for (const p of [[], [2], [1, 0], [0, 1, 0, 0], [0, 5, 0, 0, 0, 5, 0, 0, 0], [0, 6, 0, 0, 0, 5, 0, 0, 0]]) expect(refused(p)).toBe('WASMOTION_ERR_MIGRATION_PROTOCOL');
  });
});
