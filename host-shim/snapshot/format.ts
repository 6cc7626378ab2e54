/**
 * The snapshot file format (docs/snapshot-format.md). A file is a header and
 * sections, each with its own checksum:
 *
 *   0        8        10       12       16       32
 *   +--------+--------+--------+--------+--------+
 *   | magic  | major  | minor  | count  | header |    header: 32 bytes
 *   | 8 B    | u16    | u16    | u32    | cksum  |    cksum over bytes 0..16
 *   +--------+--------+--------+--------+--------+
 *   | id u32 | flags u32 | length u64 | checksum 16 B |  section header: 32 bytes
 *   +--------------------------------------------------+
 *   | payload: `length` bytes                          |
 *   +--------------------------------------------------+
 *   | ... `count` sections in all                      |
 *
 * A reader refuses another major version or a newer minor, a checksum that
 * does not match, and any length beyond its caps, before it trusts a byte.
 */
import { CHECKSUM_BYTES, checksum, sameChecksum } from './checksum.js';
import { SnapshotError } from '../errors.js';

export const MAGIC = Buffer.from('WMSNAP\r\n', 'latin1');
export const MAJOR = 1;
/** 1.1: META names the guest's baseline. 1.2: a DISK section holds the disk image apart from the state. */
export const MINOR = 2;

export const HEADER_BYTES = 32;
export const SECTION_HEADER_BYTES = 32;

export const SectionId = {
  /** JSON: kind, sequence, parent, module digest, page size, ... */
  Meta: 1,
  /** The VMM's checkpoint state (assembly/checkpoint). */
  State: 2,
  /** Guest memory pages. */
  Memory: 3,
  /** The blocks of the guest's disk, in the MEMORY layout (format 1.2). */
  Disk: 4,
} as const;

export interface Section {
  id: number;
  payload: Uint8Array;
}

/** A section written from several pieces whose checksum is known already (guest memory, in place). */
export interface PiecedSection {
  id: number;
  pieces: Uint8Array[];
  length: number;
  checksum: Uint8Array;
}

/** Limits a reader enforces, whatever a file claims. */
export const CAPS = {
  sections: 16,
  metaBytes: 1 << 20,
  stateBytes: 256 << 20,
  memoryBytes: 4 * 2 ** 30 + (64 << 20),
  /** The largest disk (1 GiB) and its index. */
  diskBytes: 2 ** 30 + (8 << 20),
};

const SECTION_CAPS: Record<number, number> = {
  [SectionId.Meta]: CAPS.metaBytes,
  [SectionId.State]: CAPS.stateBytes,
  [SectionId.Memory]: CAPS.memoryBytes,
  [SectionId.Disk]: CAPS.diskBytes,
};

/** The header, then each section's header and payload pieces, in the order to write them. */
export function encodeHeaders(sections: (Section | PiecedSection)[]): Uint8Array[] {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt16LE(MAJOR, 8);
  header.writeUInt16LE(MINOR, 10);
  header.writeUInt32LE(sections.length, 12);
  Buffer.from(checksum(header.subarray(0, 16))).copy(header, 16);
  const out: Uint8Array[] = [header];
  for (const s of sections) {
    const pieced = 'pieces' in s;
    const h = Buffer.alloc(SECTION_HEADER_BYTES);
    h.writeUInt32LE(s.id, 0);
    h.writeUInt32LE(0, 4);
    h.writeBigUInt64LE(BigInt(pieced ? s.length : s.payload.length), 8);
    Buffer.from(pieced ? s.checksum : checksum(s.payload)).copy(h, 16);
    out.push(h, ...(pieced ? s.pieces : [s.payload]));
  }
  return out;
}

export function encode(sections: Section[]): Buffer {
  return Buffer.concat(encodeHeaders(sections));
}

/** Parses and verifies a whole snapshot file. `what` names it in errors. */
export function decode(file: Uint8Array, what: string): Map<number, Uint8Array> {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < HEADER_BYTES) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_TRUNCATED', `${what}: too short for a snapshot header`);
  if (!buf.subarray(0, 8).equals(MAGIC)) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_MAGIC', `${what}: not a wasmotion snapshot`);
  if (!sameChecksum(checksum(buf.subarray(0, 16)), buf.subarray(16, 32))) {
    throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CHECKSUM', `${what}: header checksum mismatch`);
  }
  const major = buf.readUInt16LE(8);
  const minor = buf.readUInt16LE(10);
  if (major !== MAJOR || minor > MINOR) {
    throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_VERSION', `${what}: format ${major}.${minor} is not supported (this wasmotion reads ${MAJOR}.0 to ${MAJOR}.${MINOR})`);
  }
  const count = buf.readUInt32LE(12);
  if (count > CAPS.sections) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_TOO_LARGE', `${what}: ${count} sections`);
  const sections = new Map<number, Uint8Array>();
  let at = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (buf.length - at < SECTION_HEADER_BYTES) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_TRUNCATED', `${what}: section ${i} header cut short`);
    const id = buf.readUInt32LE(at);
    const flags = buf.readUInt32LE(at + 4);
    const length = buf.readBigUInt64LE(at + 8);
    if (flags !== 0) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: section ${id} has unknown flags ${flags}`);
    const sum = buf.subarray(at + 16, at + 16 + CHECKSUM_BYTES);
    const cap = SECTION_CAPS[id];
    if (cap === undefined) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: unknown section id ${id}`);
    if (length > BigInt(cap)) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_TOO_LARGE', `${what}: section ${id} of ${length} bytes`);
    at += SECTION_HEADER_BYTES;
    if (BigInt(buf.length - at) < length) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_TRUNCATED', `${what}: section ${id} cut short`);
    const payload = buf.subarray(at, at + Number(length));
    if (!sameChecksum(checksum(payload), sum)) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CHECKSUM', `${what}: section ${id} checksum mismatch`);
    if (sections.has(id)) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: section ${id} appears twice`);
    sections.set(id, payload);
    at += Number(length);
  }
  if (at !== buf.length) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${what}: ${buf.length - at} bytes after the last section`);
  return sections;
}
