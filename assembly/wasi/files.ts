/**
 * The disk device's descriptors and paths: a FileFd per open file or
 * directory (in the socket table's descriptor slots, so numbers are
 * allocated once), the preopened root, and how a guest path relative to a
 * directory descriptor becomes a directory inode and a last name. Paths never
 * leave the disk: an absolute path, or ".." above its root, is ENOTCAPABLE.
 */
import { MemInst } from "../runtime/store";
import { realtimeNow } from "./clock";
import { Disk, ROOT_INODE } from "./disk";
import { truncateData } from "./disk-data";
import { lookup, NAME_MAX } from "./dir";
import { Errno, FileType } from "./errno";
import { readable } from "./guest";
import { Sock } from "./sockets";
import { wasi } from "./state";

export class FileFd extends Sock {
  /** Where fd_read and fd_write go next. */
  pos: u64 = 0;
  canRead: bool = true;
  canWrite: bool = true;
  /** The preopened directory's name (fd_prestat_dir_name); empty for other descriptors. */
  preopen: string = "";
  constructor(public ino: u32) {
    super(false);
    this.isFile = true;
  }
}

/** The disk the embedder attached, if any. */
export function theDisk(): Disk | null { return wasi.disk; }

/** The file or directory descriptor `fd`, or null. */
export function fileAt(fd: u32): FileFd | null {
  let s = wasi.sockets.slotAt(fd);
  return s !== null && s.isFile ? changetype<FileFd>(s) : null;
}

export function isFileFd(fd: u32): bool { return fileAt(fd) !== null; }

/** Now, for file times (realtime ns). */
export function fileNow(): u64 { return <u64>realtimeNow(); }

/** Whether some descriptor still has inode `ino` open. */
export function isOpen(ino: u32): bool {
  let fds = wasi.sockets.fds;
  for (let i = 0; i < fds.length; i++) {
    let s = fds[i];
    if (s !== null && s.isFile && changetype<FileFd>(s).ino == ino) return true;
  }
  return false;
}

/** Frees an inode no directory names any more, once no descriptor holds it either. */
export function releaseIfUnused(d: Disk, ino: u32): void {
  let links = load<u16>(d.inodeAddr(ino) + 2);
  if (links > 0 && d.fileType(ino) == FileType.RegularFile) return;
  if (d.fileType(ino) == FileType.Directory && links > 1) return;
  if (isOpen(ino)) return;
  truncateData(d, ino, 0);
  d.freeInode(ino);
}

/** A path split into the directory it is in and its last name. */
export class Resolved {
  errno: i32 = Errno.Success;
  dir: u32 = 0;
  /** The last name, in guest memory; length 0 means the directory itself ("", "." or a trailing "/"). */
  name: usize = 0;
  len: u32 = 0;

  /** The inode the path names, 0 when it does not exist. */
  target(d: Disk): u32 { return this.len == 0 ? this.dir : lookup(d, this.dir, this.name, this.len); }
}

function isDots(p: usize, len: u32): bool {
  return len == 2 && load<u8>(p) == 0x2e && load<u8>(p + 1) == 0x2e;
}

function isDot(p: usize, len: u32): bool {
  return len == 1 && load<u8>(p) == 0x2e;
}

/** Steps from `dir` into the component [p, p+len); returns the directory or sets errno. */
function stepInto(d: Disk, dir: u32, p: usize, len: u32, out: Resolved): u32 {
  if (len == 0 || isDot(p, len)) return dir;
  if (isDots(p, len)) {
    if (dir == ROOT_INODE) { out.errno = Errno.Notcapable; return 0; }
    return load<u32>(d.inodeAddr(dir) + 4);
  }
  if (len > NAME_MAX) { out.errno = Errno.Nametoolong; return 0; }
  let next = lookup(d, dir, p, len);
  if (next == 0) { out.errno = Errno.Noent; return 0; }
  if (d.fileType(next) != FileType.Directory) { out.errno = Errno.Notdir; return 0; }
  return next;
}

/**
 * Resolves guest path [path, path+len) (checked to fit) from directory
 * descriptor `fd`. Every component but the last must be a directory.
 */
export function resolve(m: MemInst, fd: u32, path: u32, len: u32): Resolved {
  let out = new Resolved();
  let f = fileAt(fd);
  let d = wasi.disk;
  if (f === null || d === null) { out.errno = Errno.Badf; return out; }
  if (d.fileType(f.ino) != FileType.Directory) { out.errno = Errno.Notdir; return out; }
  let p = readable(m, path);
  if (len == 0) { out.errno = Errno.Noent; return out; }
  if (load<u8>(p) == 0x2f) { out.errno = Errno.Notcapable; return out; }
  let dir = f.ino;
  let start: u32 = 0;
  for (let i: u32 = 0; i <= len; i++) {
    if (i < len && load<u8>(p + i) != 0x2f) continue;
    let compLen = i - start;
    let isLast = true;
    for (let k = i; k < len; k++) if (load<u8>(p + k) != 0x2f) { isLast = false; break; }
    if (isLast && !isDots(p + start, compLen) && !isDot(p + start, compLen)) {
      if (compLen > NAME_MAX) { out.errno = Errno.Nametoolong; return out; }
      out.dir = dir;
      out.name = p + start;
      out.len = compLen;
      return out;
    }
    dir = stepInto(d, dir, p + start, compLen, out);
    if (out.errno != Errno.Success) return out;
    if (isLast) break;
    start = i + 1;
  }
  out.dir = dir;
  return out;
}
