/**
 * Files through WASI preview1. The host opens directories for the program
 * (`wasmtime run --dir D`); a path given on the command line is resolved in
 * the preopened directory that holds it: an absolute path in the longest
 * absolute preopen that prefixes it, a relative one in "." (or a relative
 * preopen that prefixes it). Functions return an errno (0 on success).
 */
import {
  Errno, fd_close, fd_filestat_get, fd_prestat_dir_name, fd_prestat_get, fd_read, fd_readdir, fd_sync,
  path_create_directory, path_open, path_rename, path_unlink_file,
} from "./preview1";
import { writeAll } from "./io";
import { normalize } from "./paths";

const O_CREAT: u16 = 1;
const O_DIRECTORY: u16 = 2;
const O_TRUNC: u16 = 8;
const LOOKUP_SYMLINK_FOLLOW: u32 = 1;
// Rights (WASI preview1): hosts open a file for reading or writing by them.
const FD_READ: u64 = 1 << 1;
const FD_SEEK: u64 = 1 << 2;
const FD_SYNC: u64 = 1 << 4;
const FD_WRITE: u64 = 1 << 6;
const FD_READDIR: u64 = 1 << 14;
const FD_FILESTAT_GET: u64 = 1 << 21;
const READ_RIGHTS: u64 = FD_READ | FD_SEEK | FD_FILESTAT_GET;
const WRITE_RIGHTS: u64 = FD_WRITE | FD_SYNC | FD_FILESTAT_GET;
const DIR_RIGHTS: u64 = FD_READDIR | FD_FILESTAT_GET;
const FILESTAT_BYTES: usize = 64;
const FILESTAT_SIZE_AT: usize = 32;
const DIRENT_BYTES: usize = 24;

class Preopen {
  constructor(public fd: u32, public name: string) {}
}

let preopens: Array<Preopen> | null = null;

function listPreopens(): Array<Preopen> {
  if (preopens) return preopens!;
  let found = new Array<Preopen>();
  let stat = memory.data(8);
  for (let fd: u32 = 3; ; fd++) {
    if (fd_prestat_get(fd, stat) != Errno.SUCCESS) break;
    if (load<u8>(stat) != 0) continue; // not a directory
    let len = load<u32>(stat, 4);
    let buf = heap.alloc(len > 0 ? len : 1);
    if (fd_prestat_dir_name(fd, buf, len) == Errno.SUCCESS) {
      // Some hosts count a trailing NUL in the name.
      let n = len;
      while (n > 0 && load<u8>(buf + n - 1) == 0) n--;
      found.push(new Preopen(fd, normalize(String.UTF8.decodeUnsafe(buf, n))));
    }
    heap.free(buf);
  }
  preopens = found;
  return found;
}

/** A path inside a preopened directory. */
export class Place {
  constructor(public dirFd: u32, public rel: string) {}
}

function under(path: string, dir: string): string | null {
  if (dir == "/") return path.length > 1 ? path.substring(1) : ".";
  if (dir == ".") return path.charCodeAt(0) == 0x2f ? null : path;
  if (path == dir) return ".";
  if (path.startsWith(dir + "/")) return path.substring(dir.length + 1);
  return null;
}

/** Where `path` lies among the preopens, or null when no preopen holds it (ENOTCAPABLE). */
export function locate(path: string): Place | null {
  let p = normalize(path);
  if (p.endsWith("/") && p.length > 1) p = p.substring(0, p.length - 1);
  if (p.startsWith("../") || p == "..") return null;
  let list = listPreopens();
  let best: Place | null = null;
  let bestLen = -1;
  for (let i = 0; i < list.length; i++) {
    let rel = under(p, list[i].name);
    if (rel == null) continue;
    let len = list[i].name == "." ? 0 : list[i].name.length;
    if (len > bestLen) { best = new Place(list[i].fd, rel!); bestLen = len; }
  }
  return best;
}

/** Result slots shared by the calls below (single-threaded; each call reads its slot at once). */
const out = memory.data(16);

/** Opens `path`; the fd is at openedFd. */
function open(path: string, oflags: u16, rights: u64): u16 {
  let place = locate(path);
  if (!place) return Errno.NOTCAPABLE;
  let rel = String.UTF8.encode(place.rel);
  return path_open(place.dirFd, LOOKUP_SYMLINK_FOLLOW, changetype<usize>(rel), rel.byteLength, oflags, rights, 0, 0, out);
}

/** A whole file read into a heap buffer (the caller frees `ptr` with heap.free). */
export class FileBytes {
  ptr: usize = 0;
  len: usize = 0;
  errno: u16 = 0;
}

export function readFile(path: string): FileBytes {
  let r = new FileBytes();
  let err = open(path, 0, READ_RIGHTS);
  if (err) { r.errno = err; return r; }
  let fd = load<u32>(out);
  let stat = memory.data(<i32>FILESTAT_BYTES);
  err = fd_filestat_get(fd, stat);
  if (!err && load<u8>(stat, 16) == 3) err = Errno.ISDIR; // filetype 3: directory
  if (!err) {
    let size = <usize>load<u64>(stat, FILESTAT_SIZE_AT);
    r.ptr = heap.alloc(size > 0 ? size : 1);
    r.len = size;
    err = readExactly(fd, r.ptr, size);
    if (err) { heap.free(r.ptr); r.ptr = 0; r.len = 0; }
  }
  fd_close(fd);
  r.errno = err;
  return r;
}

function readExactly(fd: u32, ptr: usize, len: usize): u16 {
  let iov = memory.data(12);
  while (len > 0) {
    store<u32>(iov, <u32>ptr);
    store<u32>(iov, <u32>len, 4);
    let err = fd_read(fd, iov, 1, iov + 8);
    if (err == Errno.INTR || err == Errno.AGAIN) continue;
    if (err) return err;
    let n = <usize>load<u32>(iov, 8);
    if (n == 0) return Errno.IO; // the file shrank under us
    ptr += n;
    len -= n;
  }
  return 0;
}

/** Reads at most `len` bytes from `fd` into `ptr`; the count is returned through `count`. */
export function readSome(fd: u32, ptr: usize, len: usize, count: usize): u16 {
  let iov = memory.data(8);
  store<u32>(iov, <u32>ptr);
  store<u32>(iov, <u32>len, 4);
  return fd_read(fd, iov, 1, count);
}

/** Reads the first `len` bytes of a file into `ptr`; returns the count read through `count`. */
export function readHead(path: string, ptr: usize, len: usize, count: usize): u16 {
  let err = open(path, 0, READ_RIGHTS);
  if (err) return err;
  let fd = load<u32>(out);
  let got: usize = 0;
  while (got < len) {
    err = readSome(fd, ptr + got, len - got, count);
    if (err == Errno.INTR || err == Errno.AGAIN) continue;
    if (err) break;
    let n = <usize>load<u32>(count);
    if (n == 0) break;
    got += n;
  }
  fd_close(fd);
  store<u32>(count, <u32>got);
  return err;
}

/** A piece of a file to write: bytes in VMM memory. */
export class Piece {
  constructor(public ptr: usize, public len: usize) {}
}

/**
 * Writes the pieces to `path` under a temporary name, flushes it and renames
 * it into place, so that no reader ever sees half a file under `path`.
 * Returns 0 or the errno of the step that failed (the temporary is removed).
 */
export function writeFileAtomic(path: string, tmpSuffix: string, pieces: Array<Piece>): u16 {
  let tmp = path + tmpSuffix;
  let err = open(tmp, O_CREAT | O_TRUNC, WRITE_RIGHTS);
  if (err) return err;
  let fd = load<u32>(out);
  for (let i = 0; i < pieces.length && !err; i++) {
    if (!writeAll(fd, pieces[i].ptr, pieces[i].len)) err = Errno.IO;
  }
  if (!err) err = syncFile(fd);
  fd_close(fd);
  if (!err) err = rename(tmp, path);
  if (err) remove(tmp);
  return err;
}

/** fsync; a host that cannot sync (a component adapter over a virtual filesystem) is taken at its word. */
function syncFile(fd: u32): u16 {
  let err = fd_sync(fd);
  return err == Errno.NOTSUP || err == Errno.NOSYS ? 0 : err;
}

function rename(from: string, to: string): u16 {
  let a = locate(from), b = locate(to);
  if (!a || !b) return Errno.NOTCAPABLE;
  let fa = String.UTF8.encode(a.rel), fb = String.UTF8.encode(b.rel);
  return path_rename(a.dirFd, changetype<usize>(fa), fa.byteLength, b.dirFd, changetype<usize>(fb), fb.byteLength);
}

function remove(path: string): void {
  let place = locate(path);
  if (!place) return;
  let rel = String.UTF8.encode(place.rel);
  path_unlink_file(place.dirFd, changetype<usize>(rel), rel.byteLength);
}

/** mkdir -p. */
export function makeDirectories(path: string): u16 {
  let place = locate(path);
  if (!place) return Errno.NOTCAPABLE;
  if (place.rel == ".") return 0;
  let parts = place.rel.split("/");
  let sofar = "";
  for (let i = 0; i < parts.length; i++) {
    sofar = i == 0 ? parts[i] : sofar + "/" + parts[i];
    let rel = String.UTF8.encode(sofar);
    let err = path_create_directory(place.dirFd, changetype<usize>(rel), rel.byteLength);
    if (err && err != Errno.EXIST) return err;
  }
  return 0;
}

/** The names in directory `path`; null with the errno at listErrno when it cannot be read. */
export let listErrno: u16 = 0;

export function listDirectory(path: string): Array<string> | null {
  let err = open(path, O_DIRECTORY, DIR_RIGHTS);
  if (err) { listErrno = err; return null; }
  let fd = load<u32>(out);
  let names = new Array<string>();
  let cap: usize = 4096;
  let buf = heap.alloc(cap);
  let cookie: u64 = 0;
  for (;;) {
    err = fd_readdir(fd, buf, cap, cookie, out + 8);
    if (err) break;
    let used = <usize>load<u32>(out, 8);
    let at: usize = 0;
    let whole = 0;
    while (at + DIRENT_BYTES <= used) {
      let nameLen = <usize>load<u32>(buf + at, 16);
      if (at + DIRENT_BYTES + nameLen > used) break; // cut off: read again from its cookie
      names.push(String.UTF8.decodeUnsafe(buf + at + DIRENT_BYTES, nameLen));
      cookie = load<u64>(buf + at);
      at += DIRENT_BYTES + nameLen;
      whole++;
    }
    if (used < cap) break; // the end of the directory
    if (whole == 0) { heap.free(buf); cap <<= 1; buf = heap.alloc(cap); }
  }
  heap.free(buf);
  fd_close(fd);
  if (err) { listErrno = err; return null; }
  return names;
}
