/**
 * The path_* calls on the disk device and its preopened directory's
 * prestat. A failed call changes nothing on the disk: every check comes
 * before the first write, and the one write that can fail for space (a new
 * directory record) comes before anything else is changed.
 */
import { MemInst } from "../runtime/store";
import { Disk, Ino, ROOT_INODE } from "./disk";
import { truncateData } from "./disk-data";
import { addRecord, findRecord, isEmptyDir, readRecord, recordIno, removeRecord } from "./dir";
import { Errno, FILESTAT_BYTES, FileType, Rights } from "./errno";
import { FileFd, fileNow, releaseIfUnused, resolve, Resolved } from "./files";
import { putFilestat, setTimes } from "./file-calls";
import { fits, putBytes, putU32, putU8, putZeros } from "./guest";
import { wasi } from "./state";

const O_CREAT: u32 = 1;
const O_DIRECTORY: u32 = 2;
const O_EXCL: u32 = 4;
const O_TRUNC: u32 = 8;
const PRESTAT_BYTES: u32 = 8;

function disk(): Disk { return wasi.disk!; }

function links(ino: u32): u16 { return load<u16>(disk().inodeAddr(ino) + Ino.Links); }
function setLinks(ino: u32, n: u16): void { store<u16>(disk().inodeForWrite(ino) + Ino.Links, n); }

export function preopen_prestat_get(m: MemInst, f: FileFd, ptr: u32): i32 {
  if (f.preopen.length == 0) return Errno.Badf;
  if (!fits(m, ptr, PRESTAT_BYTES)) return Errno.Fault;
  putZeros(m, ptr, PRESTAT_BYTES);
  putU8(m, ptr, 0); // a directory
  putU32(m, ptr + 4, <u32>String.UTF8.byteLength(f.preopen));
  return Errno.Success;
}

export function preopen_dir_name(m: MemInst, f: FileFd, ptr: u32, len: u32): i32 {
  if (f.preopen.length == 0) return Errno.Badf;
  let name = String.UTF8.encode(f.preopen);
  if (<u32>name.byteLength > len) return Errno.Nametoolong;
  if (!fits(m, ptr, name.byteLength)) return Errno.Fault;
  putBytes(m, ptr, changetype<usize>(name), name.byteLength);
  return Errno.Success;
}

/** Creates the file the path names; returns its inode or a negative errno. */
function create(r: Resolved): i32 {
  let d = disk();
  if (r.len == 0) return -Errno.Isdir;
  let ino = d.allocInode(FileType.RegularFile, fileNow());
  if (ino == 0) return -Errno.Nospc;
  if (!addRecord(d, r.dir, r.name, r.len, ino)) {
    d.freeInode(ino);
    return -Errno.Nospc;
  }
  d.touch(r.dir, fileNow(), false);
  return <i32>ino;
}

export function path_open(
  m: MemInst, fd: u32, path: u32, pathLen: u32, oflags: u32, rights: u64, fdflags: u32, fdPtr: u32,
): i32 {
  if (!fits(m, path, pathLen) || !fits(m, fdPtr, 4)) return Errno.Fault;
  if (oflags & ~<u32>15) return Errno.Inval;
  let r = resolve(m, fd, path, pathLen);
  if (r.errno) return r.errno;
  let d = disk();
  let ino = r.target(d);
  let wantsWrite = (rights & Rights.FdWrite) != 0 || (oflags & O_TRUNC) != 0;
  if (ino == 0) {
    if (!(oflags & O_CREAT)) return Errno.Noent;
    if (oflags & O_DIRECTORY) return Errno.Inval;
  } else {
    if (oflags & O_CREAT && oflags & O_EXCL) return Errno.Exist;
    let isDir = d.fileType(ino) == FileType.Directory;
    if (oflags & O_DIRECTORY && !isDir) return Errno.Notdir;
    if (isDir && wantsWrite) return Errno.Isdir;
  }
  let f = new FileFd(ino);
  let newFd = wasi.sockets.allocFd(f);
  if (newFd < 0) return Errno.Mfile;
  if (ino == 0) {
    let made = create(r);
    if (made < 0) { wasi.sockets.freeFd(newFd); return -made; }
    f.ino = <u32>made;
  } else if (oflags & O_TRUNC && d.fileType(ino) == FileType.RegularFile) {
    truncateData(d, ino, 0);
    d.touch(ino, fileNow(), false);
  }
  f.canRead = (rights & Rights.FdRead) != 0 || d.fileType(f.ino) == FileType.Directory;
  f.canWrite = wantsWrite;
  f.fdFlags = <u16>fdflags;
  putU32(m, fdPtr, <u32>newFd);
  return Errno.Success;
}

export function path_create_directory(m: MemInst, fd: u32, path: u32, len: u32): i32 {
  if (!fits(m, path, len)) return Errno.Fault;
  let r = resolve(m, fd, path, len);
  if (r.errno) return r.errno;
  let d = disk();
  if (r.target(d) != 0) return Errno.Exist;
  let ino = d.allocInode(FileType.Directory, fileNow());
  if (ino == 0) return Errno.Nospc;
  if (!addRecord(d, r.dir, r.name, r.len, ino)) {
    d.freeInode(ino);
    return Errno.Nospc;
  }
  setLinks(ino, 2);
  store<u32>(d.inodeForWrite(ino) + Ino.Parent, r.dir);
  setLinks(r.dir, links(r.dir) + 1);
  d.touch(r.dir, fileNow(), false);
  return Errno.Success;
}

/** Removes the record the path names: a directory when `dir`, else anything but a directory. */
function remove(m: MemInst, fd: u32, path: u32, len: u32, dir: bool): i32 {
  if (!fits(m, path, len)) return Errno.Fault;
  let r = resolve(m, fd, path, len);
  if (r.errno) return r.errno;
  let d = disk();
  if (r.len == 0) return dir ? (r.dir == ROOT_INODE ? Errno.Busy : Errno.Inval) : Errno.Isdir;
  let i = findRecord(d, r.dir, r.name, r.len);
  if (i < 0) return Errno.Noent;
  readRecord(d, r.dir, <u32>i);
  let ino = recordIno();
  let isDir = d.fileType(ino) == FileType.Directory;
  if (dir && !isDir) return Errno.Notdir;
  if (!dir && isDir) return Errno.Isdir;
  if (isDir && !isEmptyDir(d, ino)) return Errno.Notempty;
  removeRecord(d, r.dir, <u32>i);
  d.touch(r.dir, fileNow(), false);
  if (isDir) {
    setLinks(r.dir, links(r.dir) - 1);
    setLinks(ino, 0);
  } else setLinks(ino, links(ino) - 1);
  releaseIfUnused(d, ino);
  return Errno.Success;
}

export function path_remove_directory(m: MemInst, fd: u32, path: u32, len: u32): i32 { return remove(m, fd, path, len, true); }
export function path_unlink_file(m: MemInst, fd: u32, path: u32, len: u32): i32 { return remove(m, fd, path, len, false); }

export function path_filestat_get(m: MemInst, fd: u32, path: u32, len: u32, ptr: u32): i32 {
  if (!fits(m, path, len) || !fits(m, ptr, FILESTAT_BYTES)) return Errno.Fault;
  let r = resolve(m, fd, path, len);
  if (r.errno) return r.errno;
  let ino = r.target(disk());
  if (ino == 0) return Errno.Noent;
  putFilestat(m, ptr, ino);
  return Errno.Success;
}

export function path_filestat_set_times(m: MemInst, fd: u32, path: u32, len: u32, atim: u64, mtim: u64, flags: u32): i32 {
  if (!fits(m, path, len)) return Errno.Fault;
  let r = resolve(m, fd, path, len);
  if (r.errno) return r.errno;
  let ino = r.target(disk());
  if (ino == 0) return Errno.Noent;
  return setTimes(ino, atim, mtim, flags);
}

/** Whether directory `ino` is `dir` or lies below it. */
function isWithin(d: Disk, ino: u32, dir: u32): bool {
  for (let depth: u32 = 0; depth < d.inodes; depth++) {
    if (ino == dir) return true;
    if (ino == ROOT_INODE) return false;
    ino = load<u32>(d.inodeAddr(ino) + Ino.Parent);
  }
  return false;
}

export function path_rename(m: MemInst, fd: u32, oldPath: u32, oldLen: u32, newFd: u32, newPath: u32, newLen: u32): i32 {
  if (!fits(m, oldPath, oldLen) || !fits(m, newPath, newLen)) return Errno.Fault;
  let from = resolve(m, fd, oldPath, oldLen);
  if (from.errno) return from.errno;
  let to = resolve(m, newFd, newPath, newLen);
  if (to.errno) return to.errno;
  if (from.len == 0 || to.len == 0) return Errno.Busy;
  let d = disk();
  let ino = from.target(d);
  if (ino == 0) return Errno.Noent;
  let isDir = d.fileType(ino) == FileType.Directory;
  let old = to.target(d);
  if (old == ino) return Errno.Success;
  if (isDir && isWithin(d, to.dir, ino)) return Errno.Inval;
  if (old != 0) {
    let oldIsDir = d.fileType(old) == FileType.Directory;
    if (isDir && !oldIsDir) return Errno.Notdir;
    if (!isDir && oldIsDir) return Errno.Isdir;
    if (oldIsDir && !isEmptyDir(d, old)) return Errno.Notempty;
    // Freeing the record that named `old` makes room: the new record below needs no new space.
    removeRecord(d, to.dir, <u32>findRecord(d, to.dir, to.name, to.len));
  }
  if (!addRecord(d, to.dir, to.name, to.len, ino)) return Errno.Nospc;
  removeRecord(d, from.dir, <u32>findRecord(d, from.dir, from.name, from.len));
  let now = fileNow();
  d.touch(from.dir, now, false);
  d.touch(to.dir, now, false);
  if (isDir && from.dir != to.dir) {
    store<u32>(d.inodeForWrite(ino) + Ino.Parent, to.dir);
    setLinks(from.dir, links(from.dir) - 1);
    setLinks(to.dir, links(to.dir) + 1);
  }
  if (old != 0) {
    if (d.fileType(old) == FileType.Directory) {
      setLinks(to.dir, links(to.dir) - 1);
      setLinks(old, 0);
    } else setLinks(old, links(old) - 1);
    releaseIfUnused(d, old);
  }
  return Errno.Success;
}
