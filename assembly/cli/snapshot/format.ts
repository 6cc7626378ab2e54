/**
 * The snapshot file format 1.1 (docs/snapshot-format.md, whose diagram this
 * follows; host-shim/snapshot/format.ts writes and reads the same bytes):
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
import { snapshotError } from "../failure";
import { Piece } from "../fs";
import { CHECKSUM_BYTES, checksumOf, sameChecksum } from "./checksum";

const MAGIC: u64 = 0x0a0d50414e534d57; // "WMSNAP\r\n", little-endian
export const MAJOR: u32 = 1;
/** 1.1: META names the guest's baseline. 1.2: a DISK section holds the disk image apart from the state. */
export const MINOR: u32 = 2;
export const HEADER_BYTES: usize = 32;
export const SECTION_HEADER_BYTES: usize = 32;

export const SECTION_META: u32 = 1;
export const SECTION_STATE: u32 = 2;
export const SECTION_MEMORY: u32 = 3;
export const SECTION_DISK: u32 = 4;

const MAX_SECTIONS: u32 = 16;
const META_CAP: u64 = 1 << 20;
const STATE_CAP: u64 = 256 << 20;
const MEMORY_CAP: u64 = (4 << 30) + (64 << 20);
/** The largest disk (1 GiB) and its index. */
const DISK_CAP: u64 = (1 << 30) + (8 << 20);

function capOf(id: u32): u64 {
  if (id == SECTION_META) return META_CAP;
  if (id == SECTION_STATE) return STATE_CAP;
  if (id == SECTION_MEMORY) return MEMORY_CAP;
  if (id == SECTION_DISK) return DISK_CAP;
  return 0;
}

/** A section to write: its payload in pieces, and its checksum (16 bytes at `checksum`) already known. */
export class OutSection {
  constructor(public id: u32, public pieces: Array<Piece>, public length: u64, public checksum: usize) {}

  /** A section of one buffer, whose checksum is computed here. */
  static of(id: u32, ptr: usize, len: usize): OutSection {
    let sum = heap.alloc(CHECKSUM_BYTES);
    checksumOf(ptr, len, sum);
    let pieces = new Array<Piece>();
    pieces.push(new Piece(ptr, len));
    return new OutSection(id, pieces, len, sum);
  }
}

/** A file to write: its pieces in order, and the header buffers made for it (release() frees them). */
export class EncodedFile {
  pieces: Array<Piece> = [];
  headers: Array<usize> = [];

  release(): void {
    for (let i = 0; i < this.headers.length; i++) heap.free(this.headers[i]);
    this.headers.length = 0;
  }
}

/** The header, then each section's header and payload pieces, in file order. */
export function encodeFile(sections: Array<OutSection>): EncodedFile {
  let header = heap.alloc(HEADER_BYTES);
  store<u64>(header, MAGIC);
  store<u16>(header, <u16>MAJOR, 8);
  store<u16>(header, <u16>MINOR, 10);
  store<u32>(header, sections.length, 12);
  checksumOf(header, 16, header + 16);
  let out = new EncodedFile();
  out.headers.push(header);
  out.pieces.push(new Piece(header, HEADER_BYTES));
  for (let i = 0; i < sections.length; i++) {
    let s = sections[i];
    let h = heap.alloc(SECTION_HEADER_BYTES);
    store<u32>(h, s.id);
    store<u32>(h, 0, 4);
    store<u64>(h, s.length, 8);
    memory.copy(h + 16, s.checksum, CHECKSUM_BYTES);
    out.headers.push(h);
    out.pieces.push(new Piece(h, SECTION_HEADER_BYTES));
    for (let j = 0; j < s.pieces.length; j++) out.pieces.push(s.pieces[j]);
  }
  return out;
}

/** The sections of a verified file, by id; payloads are views into the file's buffer. */
export class InFile {
  meta: Piece | null = null;
  state: Piece | null = null;
  memory: Piece | null = null;
  disk: Piece | null = null;

  get(id: u32): Piece | null {
    return id == SECTION_META ? this.meta : id == SECTION_STATE ? this.state : id == SECTION_MEMORY ? this.memory : this.disk;
  }

  set(id: u32, p: Piece): void {
    if (id == SECTION_META) this.meta = p;
    else if (id == SECTION_STATE) this.state = p;
    else if (id == SECTION_MEMORY) this.memory = p;
    else this.disk = p;
  }
}

/** Parses and verifies a whole snapshot file in [ptr, ptr+len). `what` names it in errors. Returns null after recording the failure. */
export function decodeFile(ptr: usize, len: usize, what: string): InFile | null {
  if (len < HEADER_BYTES) { snapshotError("WASMOTION_ERR_SNAPSHOT_TRUNCATED", what + ": too short for a snapshot header"); return null; }
  // SAFETY: len >= HEADER_BYTES, so the header lies inside the buffer.
  if (load<u64>(ptr) != MAGIC) { snapshotError("WASMOTION_ERR_SNAPSHOT_MAGIC", what + ": not a wasmotion snapshot"); return null; }
  let sum = heap.alloc(CHECKSUM_BYTES);
  checksumOf(ptr, 16, sum);
  let ok = sameChecksum(sum, ptr + 16);
  heap.free(sum);
  if (!ok) { snapshotError("WASMOTION_ERR_SNAPSHOT_CHECKSUM", what + ": header checksum mismatch"); return null; }
  let major = <u32>load<u16>(ptr, 8);
  let minor = <u32>load<u16>(ptr, 10);
  if (major != MAJOR || minor > MINOR) {
    snapshotError("WASMOTION_ERR_SNAPSHOT_VERSION", what + ": format " + major.toString() + "." + minor.toString() +
      " is not supported (this wasmotion reads " + MAJOR.toString() + ".0 to " + MAJOR.toString() + "." + MINOR.toString() + ")");
    return null;
  }
  let count = load<u32>(ptr, 12);
  if (count > MAX_SECTIONS) { snapshotError("WASMOTION_ERR_SNAPSHOT_TOO_LARGE", what + ": " + count.toString() + " sections"); return null; }
  let file = new InFile();
  let seen: u32 = 0;
  let at = HEADER_BYTES;
  for (let i: u32 = 0; i < count; i++) {
    if (len - at < SECTION_HEADER_BYTES) { snapshotError("WASMOTION_ERR_SNAPSHOT_TRUNCATED", what + ": section " + i.toString() + " header cut short"); return null; }
    // SAFETY: the section header lies inside the buffer (checked just above).
    let id = load<u32>(ptr + at);
    let flags = load<u32>(ptr + at, 4);
    let length = load<u64>(ptr + at, 8);
    if (flags != 0) { snapshotError("WASMOTION_ERR_SNAPSHOT_CORRUPT", what + ": section " + id.toString() + " has unknown flags " + flags.toString()); return null; }
    let cap = capOf(id);
    if (cap == 0) { snapshotError("WASMOTION_ERR_SNAPSHOT_CORRUPT", what + ": unknown section id " + id.toString()); return null; }
    if (length > cap) { snapshotError("WASMOTION_ERR_SNAPSHOT_TOO_LARGE", what + ": section " + id.toString() + " of " + length.toString() + " bytes"); return null; }
    let sumAt = ptr + at + 16;
    at += SECTION_HEADER_BYTES;
    if (<u64>(len - at) < length) { snapshotError("WASMOTION_ERR_SNAPSHOT_TRUNCATED", what + ": section " + id.toString() + " cut short"); return null; }
    let payload = new Piece(ptr + at, <usize>length);
    let actual = heap.alloc(CHECKSUM_BYTES);
    checksumOf(payload.ptr, payload.len, actual);
    ok = sameChecksum(actual, sumAt);
    heap.free(actual);
    if (!ok) { snapshotError("WASMOTION_ERR_SNAPSHOT_CHECKSUM", what + ": section " + id.toString() + " checksum mismatch"); return null; }
    if (seen & (1 << id)) { snapshotError("WASMOTION_ERR_SNAPSHOT_CORRUPT", what + ": section " + id.toString() + " appears twice"); return null; }
    seen |= 1 << id;
    file.set(id, payload);
    at += <usize>length;
  }
  if (at != len) { snapshotError("WASMOTION_ERR_SNAPSHOT_CORRUPT", what + ": " + (len - at).toString() + " bytes after the last section"); return null; }
  return file;
}
