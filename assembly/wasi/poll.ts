/**
 * poll_oneoff: clock subscriptions (relative and absolute, on every clock)
 * and fd_read / fd_write subscriptions on stdio and sockets. When nothing is
 * ready the call returns Blocked with the earliest deadline in
 * WasiState.sleepUntil; the embedder waits (for that time, for stdin, or for
 * socket traffic) and runs the guest again,
 * which executes this same call again. Relative timeouts count from the
 * first execution (WasiState.pollStart), so retries do not push the
 * deadline back.
 *
 * Subscriptions are evaluated twice with the same clock readings: once to
 * find out whether anything is ready, once to write the events. That keeps
 * the VMM from allocating per-subscription state a hostile count could make
 * huge.
 */
import { MemInst } from "../runtime/store";
import { BLOCKED, ClockId, Errno } from "./errno";
import { fitsArray, fits, getU16, getU32, getU64, getU8, putU16, putU32, putU64, putU8, putZeros } from "./guest";
import { isClock, monotonicNow, realtimeNow } from "./clock";
import { BlockedOn, isOpenStdio, STDIO_FDS, wasi } from "./state";
import { Conn, Listener } from "./sockets";

const SUBSCRIPTION_BYTES: u32 = 48;
const EVENT_BYTES: u32 = 32;
const SUBCLOCK_ABSTIME: u16 = 1;
const EVENT_HANGUP: u16 = 1;

namespace EventType {
  export const Clock: u8 = 0;
  export const FdRead: u8 = 1;
  export const FdWrite: u8 = 2;
}

/** What evaluating one subscription found. */
namespace Readiness {
  export const Ready: i32 = 0; // an event is due (see ev* below)
  export const WaitClock: i32 = 1; // due at evDeadline
  export const WaitStdin: i32 = 2; // due when stdin has data or ends
  export const WaitSocket: i32 = 3; // due when socket traffic arrives
}

/** Clock readings shared by both passes over the subscriptions. */
let nowMono: i64 = 0;
let nowReal: i64 = 0;
let pollStart: i64 = 0;

/** Details of the last evaluated subscription. */
let evError: u16 = 0;
let evBytes: u64 = 0;
let evFlags: u16 = 0;
let evDeadline: i64 = 0;

/** a + b without passing i64.MAX. */
function saturatingAdd(a: i64, b: u64): i64 {
  if (a >= 0 && b > <u64>(i64.MAX_VALUE - a)) return i64.MAX_VALUE;
  return a + <i64>b;
}

/** The guest monotonic time at which a clock subscription is due. */
function clockDeadline(id: u32, timeout: u64, absolute: bool): i64 {
  if (!absolute) return saturatingAdd(pollStart, timeout);
  if (id == ClockId.Monotonic) return timeout > <u64>i64.MAX_VALUE ? i64.MAX_VALUE : <i64>timeout;
  // Realtime and CPU time: how far the target lies ahead of that clock's
  // reading now, added to monotonic now.
  let reading = id == ClockId.Realtime ? nowReal : nowMono - wasi.startMonotonic;
  if (<i64>timeout <= reading && timeout <= <u64>i64.MAX_VALUE) return nowMono;
  return saturatingAdd(nowMono, timeout - <u64>reading);
}

function evaluate(m: MemInst, sub: u32): i32 {
  evError = 0; evBytes = 0; evFlags = 0; evDeadline = 0;
  let tag = getU8(m, sub + 8);
  let fd = getU32(m, sub + 16);
  if (tag == EventType.Clock) {
    if (!isClock(fd)) { evError = <u16>Errno.Inval; return Readiness.Ready; }
    let absolute = (getU16(m, sub + 40) & SUBCLOCK_ABSTIME) != 0;
    evDeadline = clockDeadline(fd, getU64(m, sub + 24), absolute);
    return evDeadline <= nowMono ? Readiness.Ready : Readiness.WaitClock;
  }
  if (fd >= STDIO_FDS) return tag == EventType.FdRead ? socketReadable(fd) : socketWritable(fd);
  if (tag == EventType.FdRead) {
    if (fd != 0 || !isOpenStdio(fd)) { evError = <u16>Errno.Badf; return Readiness.Ready; }
    let stdin = wasi.stdin;
    if (stdin.available > 0) { evBytes = stdin.available; return Readiness.Ready; }
    if (stdin.closed) { evFlags = EVENT_HANGUP; return Readiness.Ready; }
    return Readiness.WaitStdin;
  }
  // FdWrite: the console device always takes output.
  if (fd == 0 || !isOpenStdio(fd)) evError = <u16>Errno.Badf;
  return Readiness.Ready;
}

/** A listener is readable with connections to accept; a connection with bytes, or its end (hang-up). */
function socketReadable(fd: u32): i32 {
  let s = wasi.sockets.sockAt(fd);
  if (s === null) { evError = <u16>Errno.Badf; return Readiness.Ready; }
  if (s.isListener) {
    let pending = changetype<Listener>(s).backlog.length;
    if (pending == 0) return Readiness.WaitSocket;
    evBytes = <u64>pending;
    return Readiness.Ready;
  }
  let c = changetype<Conn>(s);
  if (c.rx.available > 0) { evBytes = c.rx.available; return Readiness.Ready; }
  if (c.reset || c.rxEnd || c.rdShut) { evFlags = EVENT_HANGUP; return Readiness.Ready; }
  return Readiness.WaitSocket;
}

/** A connection is writable with room in its send window; one that can send no more reports EPIPE. */
function socketWritable(fd: u32): i32 {
  let s = wasi.sockets.sockAt(fd);
  if (s === null) { evError = <u16>Errno.Badf; return Readiness.Ready; }
  if (s.isListener) { evError = <u16>Errno.Notconn; return Readiness.Ready; }
  let c = changetype<Conn>(s);
  if (c.reset || c.wrShut) { evError = <u16>Errno.Pipe; return Readiness.Ready; }
  let room = c.sendRoom;
  if (room == 0) return Readiness.WaitSocket;
  evBytes = room;
  return Readiness.Ready;
}

export function poll_oneoff(m: MemInst, inPtr: u32, outPtr: u32, count: u32, neventsPtr: u32): i32 {
  if (count == 0) return Errno.Inval;
  if (!fitsArray(m, inPtr, count, SUBSCRIPTION_BYTES) || !fitsArray(m, outPtr, count, EVENT_BYTES) || !fits(m, neventsPtr, 4)) {
    return Errno.Fault;
  }
  for (let i: u32 = 0; i < count; i++) {
    if (getU8(m, inPtr + i * SUBSCRIPTION_BYTES + 8) > EventType.FdWrite) return Errno.Inval;
  }
  nowMono = monotonicNow();
  nowReal = realtimeNow();
  if (wasi.startMonotonic < 0) wasi.startMonotonic = nowMono;
  let resumed = wasi.pollPending && wasi.pollSubscriptions == inPtr && wasi.pollCount == count;
  pollStart = resumed ? wasi.pollStart : nowMono;

  let ready: u32 = 0;
  let earliest = i64.MAX_VALUE;
  let waits: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    let r = evaluate(m, inPtr + i * SUBSCRIPTION_BYTES);
    if (r == Readiness.Ready) ready++;
    else if (r == Readiness.WaitStdin) waits |= BlockedOn.Stdin;
    else if (r == Readiness.WaitSocket) waits |= BlockedOn.Socket;
    else if (evDeadline < earliest) earliest = evDeadline;
  }
  if (ready == 0) {
    wasi.pollPending = true;
    wasi.pollSubscriptions = inPtr;
    wasi.pollCount = count;
    wasi.pollStart = pollStart;
    wasi.sleepUntil = earliest;
    wasi.blockedOn = waits | (earliest < i64.MAX_VALUE ? BlockedOn.Clock : 0);
    return BLOCKED;
  }

  // Counted again while writing: if the guest made its event array overlap
  // its subscriptions, the second pass may differ, and nevents must match
  // what was written. (Both stay within the checked `count` records.)
  wasi.pollPending = false;
  let events: u32 = 0;
  let out = outPtr;
  for (let i: u32 = 0; i < count; i++) {
    let sub = inPtr + i * SUBSCRIPTION_BYTES;
    if (evaluate(m, sub) != Readiness.Ready) continue;
    putZeros(m, out, EVENT_BYTES);
    putU64(m, out, getU64(m, sub)); // userdata
    putU16(m, out + 8, evError);
    putU8(m, out + 10, getU8(m, sub + 8));
    putU64(m, out + 16, evBytes);
    putU16(m, out + 24, evFlags);
    out += EVENT_BYTES;
    events++;
  }
  putU32(m, neventsPtr, events);
  return Errno.Success;
}
