/**
 * Directories on the virtual disk: a directory is a file of DIRENT_BYTES
 * records, u32 inode (0: a free record), u8 name length, 3 bytes unused,
 * then the name. "." and ".." are not stored: a directory's parent is in
 * its inode (disk.ts).
 */
import { Disk } from "./disk";
import { readData, writeData } from "./disk-data";

export const DIRENT_BYTES: u32 = 64;
export const NAME_MAX: u32 = DIRENT_BYTES - 8;

/** One record read from a directory, in a scratch buffer reused by every call. */
const record = heap.alloc(DIRENT_BYTES);

/** Reads record `i` of directory `dir` into the scratch record; false past the end. */
export function readRecord(d: Disk, dir: u32, i: u32): bool {
  return readData(d, dir, <u64>i * DIRENT_BYTES, record, DIRENT_BYTES) == DIRENT_BYTES;
}

export function recordIno(): u32 { return load<u32>(record); }
export function recordNameLen(): u32 { return min<u32>(load<u8>(record + 4), NAME_MAX); }
/** The name length as stored, unclamped (for checking a loaded image). */
export function recordRawNameLen(): u32 { return load<u8>(record + 4); }
export function recordName(): usize { return record + 8; }

function nameIs(name: usize, len: u32): bool {
  return recordIno() != 0 && recordNameLen() == len && memory.compare(record + 8, name, len) == 0;
}

export function recordCount(d: Disk, dir: u32): u32 {
  return <u32>(d.size(dir) / DIRENT_BYTES);
}

/** The index of the record named [name, name+len) in `dir`, or -1. */
export function findRecord(d: Disk, dir: u32, name: usize, len: u32): i32 {
  let n = recordCount(d, dir);
  for (let i: u32 = 0; i < n; i++) if (readRecord(d, dir, i) && nameIs(name, len)) return <i32>i;
  return -1;
}

/** The inode named [name, name+len) in `dir`, or 0. */
export function lookup(d: Disk, dir: u32, name: usize, len: u32): u32 {
  let i = findRecord(d, dir, name, len);
  return i < 0 ? 0 : (readRecord(d, dir, <u32>i) ? recordIno() : 0);
}

/** Adds a record naming `ino` (the name must be absent and at most NAME_MAX bytes); false when the disk is full. */
export function addRecord(d: Disk, dir: u32, name: usize, len: u32, ino: u32): bool {
  let n = recordCount(d, dir);
  let slot = n;
  for (let i: u32 = 0; i < n; i++) if (readRecord(d, dir, i) && recordIno() == 0) { slot = i; break; }
  memory.fill(record, 0, DIRENT_BYTES);
  store<u32>(record, ino);
  store<u8>(record + 4, <u8>len);
  memory.copy(record + 8, name, len);
  return writeData(d, dir, <u64>slot * DIRENT_BYTES, record, DIRENT_BYTES) == DIRENT_BYTES;
}

/** Frees record `i` (a write inside the directory's existing blocks: it cannot fail for space). */
export function removeRecord(d: Disk, dir: u32, i: u32): void {
  memory.fill(record, 0, DIRENT_BYTES);
  writeData(d, dir, <u64>i * DIRENT_BYTES, record, DIRENT_BYTES);
}

/** Whether `dir` names nothing. */
export function isEmptyDir(d: Disk, dir: u32): bool {
  let n = recordCount(d, dir);
  for (let i: u32 = 0; i < n; i++) if (readRecord(d, dir, i) && recordIno() != 0) return false;
  return true;
}
