import { describe, expect, test } from 'vitest';
import { SnapshotError } from '../../host-shim/errors.js';
import { CAPS, SectionId, decode, encode, HEADER_BYTES, SECTION_HEADER_BYTES } from '../../host-shim/snapshot/format.js';
import { applyMemory, encodeMemory, indexBytes, PAGE } from '../../host-shim/snapshot/memory.js';
import { checksum } from '../../host-shim/snapshot/checksum.js';

const sections = [
  { id: SectionId.Meta, payload: Buffer.from('{"kind":"full"}') },
  { id: SectionId.State, payload: Buffer.from([1, 2, 3, 4, 5]) },
  { id: SectionId.Memory, payload: Buffer.alloc(100, 7) },
];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotError);
    return (err as SnapshotError).code;
  }
  throw new Error('expected a SnapshotError');
}

describe('snapshot file format', () => {
  test('round-trips its sections', () => {
    const got = decode(encode(sections), 'f');
    for (const s of sections) expect(Buffer.compare(got.get(s.id)!, s.payload)).toBe(0);
  });

  test('refuses another major, a newer minor, and a bad magic', () => {
    const file = encode(sections);
    const withVersion = (major: number, minor: number) => {
      const f = Buffer.from(file);
      f.writeUInt16LE(major, 8);
      f.writeUInt16LE(minor, 10);
      Buffer.from(checksum(f.subarray(0, 16))).copy(f, 16);
      return f;
    };
    expect(codeOf(() => decode(withVersion(2, 0), 'f'))).toBe('WASMOTION_ERR_SNAPSHOT_VERSION');
    expect(codeOf(() => decode(withVersion(1, 3), 'f'))).toBe('WASMOTION_ERR_SNAPSHOT_VERSION');
    // 1.0 files (without a baseline in META) and 1.1 (without DISK sections) are still read.
    expect(decode(withVersion(1, 2), 'f').size).toBe(3);
    expect(decode(withVersion(1, 1), 'f').size).toBe(3);
    expect(decode(withVersion(1, 0), 'f').size).toBe(3);
    const bad = Buffer.from(file);
    bad[0] = 0x58;
    expect(codeOf(() => decode(bad, 'f'))).toBe('WASMOTION_ERR_SNAPSHOT_MAGIC');
  });

  test('every flipped byte and every truncation is caught', () => {
    const file = encode(sections);
    for (let i = 8; i < file.length; i++) {
      const bad = Buffer.from(file);
      bad[i] ^= 0x10;
      expect(codeOf(() => decode(bad, 'f'))).toMatch(/^WASMOTION_ERR_SNAPSHOT_/);
    }
    for (let n = 0; n < file.length; n += 7) {
      expect(codeOf(() => decode(file.subarray(0, n), 'f'))).toMatch(/^WASMOTION_ERR_SNAPSHOT_/);
    }
  });

  test('a length beyond its cap is refused before anything is read', () => {
    const file = Buffer.from(encode(sections));
    file.writeBigUInt64LE(BigInt(CAPS.stateBytes) + 1n, HEADER_BYTES + SECTION_HEADER_BYTES + sections[0].payload.length + 8);
    expect(codeOf(() => decode(file, 'f'))).toBe('WASMOTION_ERR_SNAPSHOT_TOO_LARGE');
  });
});

describe('memory pages', () => {
  const memory = () => {
    const m = new Uint8Array(8 * PAGE);
    m[PAGE + 5] = 1;
    m[5 * PAGE] = 2;
    return m;
  };

  test('a full snapshot holds only non-zero pages and restores the same bytes', () => {
    const m = memory();
    const payload = encodeMemory(m, null);
    expect(payload.length).toBe(64 + 2 * PAGE + indexBytes(2) + 16);
    const into = new Uint8Array(m.length);
    applyMemory(payload, into, 'm');
    expect(Buffer.compare(into, m)).toBe(0);
  });

  test('a diff holds the dirty pages, pages that became zero included', () => {
    const base = memory();
    const now = memory();
    now[PAGE + 5] = 0; // page 1 became zero
    now[3 * PAGE + 9] = 4; // page 3 written
    const dirty = new Uint8Array(8);
    dirty[1] = 1;
    dirty[3] = 1;
    const restored = base.slice();
    applyMemory(encodeMemory(now, dirty), restored, 'm');
    expect(Buffer.compare(restored, now)).toBe(0);
  });

  test('a record beyond the memory changes nothing', () => {
    const payload = Buffer.from(encodeMemory(memory(), null));
    payload.writeUInt32LE(99, 64 + 2 * PAGE); // the first index entry
    const into = new Uint8Array(8 * PAGE);
    expect(codeOf(() => applyMemory(payload, into, 'm'))).toBe('WASMOTION_ERR_SNAPSHOT_CORRUPT');
    expect(into.every((b) => b === 0)).toBe(true);
  });
});
