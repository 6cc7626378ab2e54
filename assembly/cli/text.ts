/**
 * Text in and out of the standalone CLI: UTF-8 on stdout and stderr, the
 * names the wasmotion CLI gives WASI errors, numbers parsed as it parses
 * them (host-shim/cli/run.ts, values.ts).
 */
import { writeAll } from "./io";
import { Errno } from "./preview1";

export const STDOUT: u32 = 1;
export const STDERR: u32 = 2;

export function print(fd: u32, s: string): void {
  let bytes = String.UTF8.encode(s);
  writeAll(fd, changetype<usize>(bytes), bytes.byteLength);
}

/** An AssemblyScript string from UTF-8 bytes. */
export function utf8(ptr: usize, len: usize): string {
  return String.UTF8.decodeUnsafe(ptr, len);
}

/** The errno's name as Node reports it (ENOENT, ...), which the wasmotion CLI prints. */
export function errnoName(e: u16): string {
  switch (e) {
    case Errno.ACCES: return "EACCES";
    case Errno.BADF: return "EBADF";
    case Errno.EXIST: return "EEXIST";
    case Errno.INVAL: return "EINVAL";
    case Errno.IO: return "EIO";
    case Errno.ISDIR: return "EISDIR";
    case Errno.LOOP: return "ELOOP";
    case Errno.NAMETOOLONG: return "ENAMETOOLONG";
    case Errno.NOENT: return "ENOENT";
    case Errno.NOSPC: return "ENOSPC";
    case Errno.NOSYS: return "ENOSYS";
    case Errno.NOTDIR: return "ENOTDIR";
    case Errno.NOTEMPTY: return "ENOTEMPTY";
    case Errno.NOTSUP: return "ENOTSUP";
    case Errno.PERM: return "EPERM";
    case Errno.ROFS: return "EROFS";
    case Errno.NOTCAPABLE: return "ENOTCAPABLE";
    default: return "WASI errno " + e.toString();
  }
}

/** Node's description of an errno, after its name ("ENOENT: no such file or directory"). */
export function errnoText(e: u16): string {
  switch (e) {
    case Errno.ACCES: return "EACCES: permission denied";
    case Errno.EXIST: return "EEXIST: file already exists";
    case Errno.ISDIR: return "EISDIR: illegal operation on a directory";
    case Errno.NOENT: return "ENOENT: no such file or directory";
    case Errno.NOSPC: return "ENOSPC: no space left on device";
    case Errno.NOTDIR: return "ENOTDIR: not a directory";
    case Errno.NOTCAPABLE: return "ENOTCAPABLE: not under a directory the host opened for this program";
    default: return errnoName(e);
  }
}

/** A decimal integer of digits only (no sign), or -1; values past i64 saturate (never reached as step counts). */
export function parseDigits(text: string): i64 {
  if (text.length == 0) return -1;
  let v: u64 = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    let d = <u64>(c - 0x30);
    v = v > (<u64>i64.MAX_VALUE - d) / 10 ? <u64>i64.MAX_VALUE : v * 10 + d;
  }
  return <i64>v;
}

/** JSON.stringify of a string: the form the wasmotion CLI quotes names and hashes in. */
export function jsonString(x: string): string {
  let s = '"';
  for (let i = 0; i < x.length; i++) {
    let c = x.charCodeAt(i);
    if (c == 0x22) s += '\\"';
    else if (c == 0x5c) s += "\\\\";
    else if (c == 0x08) s += "\\b";
    else if (c == 0x09) s += "\\t";
    else if (c == 0x0a) s += "\\n";
    else if (c == 0x0c) s += "\\f";
    else if (c == 0x0d) s += "\\r";
    else if (c < 0x20) s += "\\u" + c.toString(16).padStart(4, "0");
    else s += String.fromCharCode(c);
  }
  return s + '"';
}

export function hex(ptr: usize, len: usize): string {
  let s = "";
  for (let i: usize = 0; i < len; i++) s += (<u32>load<u8>(ptr + i)).toString(16).padStart(2, "0");
  return s;
}
