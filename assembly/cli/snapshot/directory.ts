/**
 * A snapshot directory, as host-shim/snapshot/directory.ts keeps it (the two
 * read and write each other's directories):
 *
 *   DIR/module.wasm          the guest module; every snapshot names its sha256
 *   DIR/000001.full.wms      a full snapshot: state, every non-zero page and disk block
 *   DIR/000002.diff.wms      a diff: state, the pages and disk blocks dirtied since 000001
 *   ...
 *
 * Restoring reads the newest full snapshot, then every diff after it in
 * order; the state comes from the newest file. Files are written under a
 * temporary name, flushed and renamed into place.
 */
import { snapshotError } from "../failure";
import { FileBytes, Piece, listDirectory, listErrno, makeDirectories, readFile, readHead, writeFileAtomic } from "../fs";
import { Errno, random_get } from "../preview1";
import { join } from "../paths";
import { errnoText, hex, utf8 } from "../text";
import { sha256Hex } from "../sha256";
import { HEADER_BYTES, OutSection, SECTION_HEADER_BYTES, SECTION_META, SECTION_STATE, decodeFile, encodeFile } from "./format";
import { checksumOf } from "./checksum";
import { SnapshotMeta, parseMeta } from "./meta";
import { MemorySection } from "./memory";

export const MODULE_FILE = "module.wasm";
const META_CAP: usize = 1 << 20;

export class Entry {
  constructor(public sequence: i32, public kind: string, public file: string) {}
}

/** One verified snapshot file: its metadata, and its STATE, MEMORY and (format 1.2) DISK payloads inside `buffer`. */
export class SnapshotFile {
  constructor(public meta: SnapshotMeta, public state: Piece, public memory: Piece, public disk: Piece | null, public buffer: usize) {}

  /** Blocks of the disk its DISK section holds; -1 without one; -2 after recording a malformed section. */
  diskBlocks(): i64 {
    let d = this.disk;
    if (d === null) return -1;
    // SAFETY: the header's words are read only when the payload holds the 64-byte header.
    if (d.len < 64 || load<u32>(d.ptr) != 4096) {
      snapshotError("WASMOTION_ERR_SNAPSHOT_CORRUPT", "snapshot " + this.meta.sequence.toString() + ": disk: bad memory section");
      return -2;
    }
    return <i64>load<u32>(d.ptr, 4);
  }
}

function randomHex(bytes: usize): string {
  let buf = heap.alloc(bytes);
  random_get(buf, bytes);
  let s = hex(buf, bytes);
  heap.free(buf);
  return s;
}

/** NNNNNN.full.wms or NNNNNN.diff.wms: the sequence number, or -1 for any other name. */
function sequenceOf(name: string): i32 {
  if (name.length != 15 || !name.endsWith(".wms")) return -1;
  let kind = name.substring(7, 11);
  if (name.charCodeAt(6) != 0x2e || (kind != "full" && kind != "diff")) return -1;
  let n = 0;
  for (let i = 0; i < 6; i++) {
    let c = name.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

export class SnapshotDir {
  constructor(public path: string) {}

  /** Snapshot files in sequence order; null after a failure. */
  list(): Array<Entry> | null {
    let entries = new Array<Entry>();
    let names = listDirectory(this.path);
    if (names == null) {
      if (listErrno == Errno.NOENT) return entries;
      snapshotError("WASMOTION_ERR_SNAPSHOT_IO", "cannot list " + this.path + ": " + errnoText(listErrno) + ", scandir '" + this.path + "'");
      return null;
    }
    for (let i = 0; i < names.length; i++) {
      let seq = sequenceOf(names[i]);
      if (seq >= 0) entries.push(new Entry(seq, names[i].substring(7, 11), join(this.path, names[i])));
    }
    entries.sort((a: Entry, b: Entry): i32 => a.sequence - b.sequence);
    return entries;
  }

  /** Prepares the directory for a new chain of the module at [ptr, ptr+len); refuses one that holds snapshots. */
  init(ptr: usize, len: usize): bool {
    let err = makeDirectories(this.path);
    if (err) {
      snapshotError("WASMOTION_ERR_SNAPSHOT_IO", "cannot create " + this.path + ": " + errnoText(err) + ", mkdir '" + this.path + "'");
      return false;
    }
    let files = this.list();
    if (files == null) return false;
    if (files.length > 0) {
      snapshotError("WASMOTION_ERR_SNAPSHOT_CHAIN", this.path + " already holds snapshots: resume from it, or choose an empty directory");
      return false;
    }
    let pieces = new Array<Piece>();
    pieces.push(new Piece(ptr, len));
    return this.atomicWrite(join(this.path, MODULE_FILE), pieces);
  }

  /** The module's bytes (the caller frees them with heap.free), or null after a failure. */
  readModule(): FileBytes | null {
    let path = join(this.path, MODULE_FILE);
    let f = readFile(path);
    if (f.errno) {
      snapshotError("WASMOTION_ERR_SNAPSHOT_IO", "cannot read " + path + ": " + errnoText(f.errno) + ", open '" + path + "'");
      return null;
    }
    return f;
  }

  /** Writes the next snapshot of the chain; returns its sequence number, or -1 after a failure. */
  write(kind: string, state: Piece, memory: MemorySection, disk: MemorySection | null, meta: SnapshotMeta): i32 {
    let files = this.list();
    if (files == null) return -1;
    let last: Entry | null = files.length > 0 ? files[files.length - 1] : null;
    if (kind == "diff" && last == null) {
      snapshotError("WASMOTION_ERR_SNAPSHOT_CHAIN", "a diff snapshot needs a snapshot before it");
      return -1;
    }
    let sequence = (last != null ? last.sequence : 0) + 1;
    // A diff belongs to the chain of the file before it: a file from another chain never fits in.
    let chain: string;
    if (kind == "diff") {
      let before = readMeta(last!.file);
      if (before == null) return -1;
      chain = before.chain;
    } else {
      chain = randomHex(16);
    }
    meta.kind = kind;
    meta.sequence = sequence;
    meta.parent = kind == "diff" ? last!.sequence : -1;
    meta.chain = chain;
    let json = String.UTF8.encode(meta.toJson());
    let sections = new Array<OutSection>();
    let metaSection = OutSection.of(SECTION_META, changetype<usize>(json), json.byteLength);
    let stateSection = OutSection.of(SECTION_STATE, state.ptr, state.len);
    sections.push(metaSection);
    sections.push(stateSection);
    sections.push(memory.section);
    if (disk !== null) sections.push(disk.section);
    let encoded = encodeFile(sections);
    let name = sequence.toString().padStart(6, "0") + "." + kind + ".wms";
    let ok = this.atomicWrite(join(this.path, name), encoded.pieces);
    encoded.release();
    heap.free(metaSection.checksum);
    heap.free(stateSection.checksum);
    return ok ? sequence : -1;
  }

  private atomicWrite(path: string, pieces: Array<Piece>): bool {
    let err = writeFileAtomic(path, ".tmp-" + randomHex(4), pieces);
    if (err) {
      snapshotError("WASMOTION_ERR_SNAPSHOT_IO", "cannot write " + path + ": " + errnoText(err));
      return false;
    }
    return true;
  }

  /**
   * The chain to restore: the newest full snapshot and the diffs after it,
   * each verified, in order. Refuses a chain with gaps or another module.
   * Null after a failure.
   */
  readChain(): Array<SnapshotFile> | null {
    let files = this.list();
    if (files == null) return null;
    let base = files.length - 1;
    while (base >= 0 && files[base].kind != "full") base--;
    if (base < 0) { snapshotError("WASMOTION_ERR_SNAPSHOT_CHAIN", this.path + " holds no full snapshot"); return null; }
    let moduleBytes = this.readModule();
    if (moduleBytes == null) return null;
    let module = sha256Hex(moduleBytes.ptr, moduleBytes.len);
    heap.free(moduleBytes.ptr);
    let chain = new Array<SnapshotFile>();
    for (let i = base; i < files.length; i++) {
      let f = files[i];
      let snap = readSnapshot(f.file);
      if (snap == null) return null;
      let prev: SnapshotFile | null = chain.length > 0 ? chain[chain.length - 1] : null;
      if (snap.meta.sequence != <i64>f.sequence || snap.meta.kind != f.kind) {
        snapshotError("WASMOTION_ERR_SNAPSHOT_CHAIN", f.file + ": its contents do not match its name");
        return null;
      }
      if (prev != null && snap.meta.parent != prev.meta.sequence) {
        let parent = snap.meta.parent < 0 ? "null" : snap.meta.parent.toString();
        snapshotError("WASMOTION_ERR_SNAPSHOT_CHAIN", f.file + ": applies on top of " + parent + ", not " + prev.meta.sequence.toString());
        return null;
      }
      if (prev != null && snap.meta.chain != prev.meta.chain) {
        snapshotError("WASMOTION_ERR_SNAPSHOT_CHAIN", f.file + ": belongs to another chain of snapshots");
        return null;
      }
      if (snap.meta.module != module) {
        snapshotError("WASMOTION_ERR_SNAPSHOT_MODULE", f.file + ": taken of another module than " + MODULE_FILE);
        return null;
      }
      let blocks = snap.diskBlocks();
      if (blocks == -2) return null;
      if (prev != null && blocks != prev.diskBlocks()) {
        snapshotError("WASMOTION_ERR_SNAPSHOT_CHAIN", f.file + ": holds a disk other than the snapshot before it");
        return null;
      }
      chain.push(snap);
    }
    return chain;
  }
}

/** The META of a snapshot file (its first section), without reading the rest; null after a failure. */
export function readMeta(file: string): SnapshotMeta | null {
  let whole = heap.alloc(HEADER_BYTES + SECTION_HEADER_BYTES + META_CAP);
  let meta = readMetaInto(file, whole);
  heap.free(whole);
  return meta;
}

function readMetaInto(file: string, buf: usize): SnapshotMeta | null {
  let count = memory.data(4);
  let head = HEADER_BYTES + SECTION_HEADER_BYTES;
  let err = readHead(file, buf, head, count);
  if (err) { snapshotError("WASMOTION_ERR_SNAPSHOT_IO", "cannot read " + file + ": " + errnoText(err) + ", open '" + file + "'"); return null; }
  let length = load<u64>(buf, HEADER_BYTES + 8);
  if (load<u32>(count) < <u32>head || load<u32>(buf, HEADER_BYTES) != SECTION_META || length > <u64>META_CAP) {
    snapshotError("WASMOTION_ERR_SNAPSHOT_CORRUPT", file + ": does not start with its metadata");
    return null;
  }
  let total = head + <usize>length;
  err = readHead(file, buf, total, count);
  if (err) { snapshotError("WASMOTION_ERR_SNAPSHOT_IO", "cannot read " + file + ": " + errnoText(err) + ", open '" + file + "'"); return null; }
  // What was not there reads as zeros, which the checksum refuses.
  let got = <usize>load<u32>(count);
  if (got < total) memory.fill(buf + got, 0, total - got);
  // Verify as a one-section file: header fields are checked, then the META checksum.
  store<u32>(buf, 1, 12);
  checksumOf(buf, 16, buf + 16);
  let sections = decodeFile(buf, total, file);
  if (sections == null) return null;
  let m = sections.meta!;
  return parseMeta(utf8(m.ptr, m.len), file);
}

/** A whole snapshot file, verified; null after a failure. */
export function readSnapshot(file: string): SnapshotFile | null {
  let bytes = readFile(file);
  if (bytes.errno) {
    snapshotError("WASMOTION_ERR_SNAPSHOT_IO", "cannot read " + file + ": " + errnoText(bytes.errno) + ", open '" + file + "'");
    return null;
  }
  let sections = decodeFile(bytes.ptr, bytes.len, file);
  if (sections == null) { heap.free(bytes.ptr); return null; }
  let meta = sections.meta, state = sections.state, memory = sections.memory;
  if (meta == null || state == null || memory == null) {
    heap.free(bytes.ptr);
    snapshotError("WASMOTION_ERR_SNAPSHOT_CORRUPT", file + ": a section is missing");
    return null;
  }
  let parsed = parseMeta(utf8(meta.ptr, meta.len), file);
  if (parsed == null) { heap.free(bytes.ptr); return null; }
  return new SnapshotFile(parsed, state, memory, sections.disk, bytes.ptr);
}
