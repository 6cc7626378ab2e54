/**
 * Guest iovec arrays (preview1 `iovec` and `ciovec`: u32 buf, u32 len) and
 * the copies between them and a ByteQueue. Callers check the whole array
 * with iovsFit() before anything is read or written, so a call that fails
 * with EFAULT has changed nothing.
 */
import { MemInst } from "../runtime/store";
import { ByteQueue } from "./byte-queue";
import { fits, fitsArray, getU32, readable, writable } from "./guest";

export const IOVEC_BYTES: u32 = 8;

/** Sum of the lengths of `count` iovecs at `iovs` (which must fit), as u64 so it cannot wrap. */
export function iovTotal(m: MemInst, iovs: u32, count: u32): u64 {
  let total: u64 = 0;
  for (let i: u32 = 0; i < count; i++) total += getU32(m, iovs + i * IOVEC_BYTES + 4);
  return total;
}

/** Whether every buffer an iovec array names lies inside guest memory. */
export function iovsFit(m: MemInst, iovs: u32, count: u32): bool {
  if (!fitsArray(m, iovs, count, IOVEC_BYTES)) return false;
  for (let i: u32 = 0; i < count; i++) {
    let at = iovs + i * IOVEC_BYTES;
    if (!fits(m, getU32(m, at), getU32(m, at + 4))) return false;
  }
  return true;
}

/**
 * Copies queued bytes into the iovecs (checked with iovsFit), consuming them
 * unless `peek`; returns how many were copied. Only the bytes written are
 * marked dirty.
 */
export function scatter(m: MemInst, iovs: u32, count: u32, from: ByteQueue, peek: bool): u32 {
  let done: u32 = 0;
  for (let i: u32 = 0; i < count && done < from.available; i++) {
    let at = iovs + i * IOVEC_BYTES;
    let len = min(getU32(m, at + 4), from.available - done);
    let dst = writable(m, getU32(m, at), len);
    if (dst) done += from.peek(dst, done, len);
  }
  if (!peek) from.discard(done);
  return done;
}

/** Appends the first `max` bytes the iovecs (checked with iovsFit) name to `to`; returns how many. */
export function gather(m: MemInst, iovs: u32, count: u32, to: ByteQueue, max: u64): u32 {
  let done: u64 = 0;
  for (let i: u32 = 0; i < count && done < max; i++) {
    let at = iovs + i * IOVEC_BYTES;
    let len = <u32>min(<u64>getU32(m, at + 4), max - done);
    to.push(readable(m, getU32(m, at)), len);
    done += len;
  }
  return <u32>done;
}
