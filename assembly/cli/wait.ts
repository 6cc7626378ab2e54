/**
 * What the CLI does while the guest is Blocked in a WASI call: it waits, in
 * the host, for what the call needs (stdin input or its end, or the poll
 * deadline), then the VMM retries the call. stdin is read only when the
 * guest asks, as the host shim reads it.
 */
import { BlockedOn } from "../wasi/state";
import { call_abort, wasi_blocked_on, wasi_sleep_remaining, wasi_stdin_close, wasi_stdin_push } from "../index";
import { fail } from "./failure";
import { readSome } from "./fs";
import { Errno, poll_oneoff } from "./preview1";
import { errnoName } from "./text";

const STDIN: u32 = 0;
const CHUNK: usize = 64 << 10;
const SUBSCRIPTION_BYTES: usize = 48;
const EVENT_BYTES: usize = 32;
const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const CLOCK_MONOTONIC: u32 = 1;
const USER_STDIN: u64 = 1;

let chunk: usize = 0;

/** Reads the next chunk of stdin into the VMM's stdin buffer, or closes it at its end. False after a failure. */
function feedStdin(): bool {
  if (!chunk) chunk = heap.alloc(CHUNK);
  let count = memory.data(4);
  let err: u16;
  do err = readSome(STDIN, chunk, CHUNK, count); while (err == Errno.INTR || err == Errno.AGAIN);
  // A host without stdin (a closed fd 0) gives an empty one.
  if (err == Errno.BADF) { wasi_stdin_close(); return true; }
  if (err) { fail("WASMOTION_ERR_HOST", "reading stdin failed: " + errnoName(err)); return false; }
  let n = load<u32>(count);
  if (n > 0) wasi_stdin_push(chunk, n);
  else wasi_stdin_close();
  return true;
}

/** Waits for stdin (if `stdin`) and for `ns` nanoseconds (if ns >= 0), whichever comes first; true when stdin is ready. */
function poll(stdin: bool, ns: i64): bool {
  let subs = heap.alloc(SUBSCRIPTION_BYTES * 2);
  let events = heap.alloc(EVENT_BYTES * 2);
  memory.fill(subs, 0, SUBSCRIPTION_BYTES * 2);
  let n: usize = 0;
  if (stdin) {
    store<u64>(subs, USER_STDIN);
    store<u8>(subs, EVENTTYPE_FD_READ, 8);
    store<u32>(subs, STDIN, 16);
    n++;
  }
  if (ns >= 0) {
    let sub = subs + n * SUBSCRIPTION_BYTES;
    store<u8>(sub, EVENTTYPE_CLOCK, 8);
    store<u32>(sub, CLOCK_MONOTONIC, 16);
    store<u64>(sub, <u64>ns, 24); // relative: flags 0
    n++;
  }
  let count = memory.data(4);
  let ready = false;
  if (poll_oneoff(subs, events, n, count) == Errno.SUCCESS) {
    for (let i: usize = 0; i < <usize>load<u32>(count); i++) {
      if (load<u64>(events + i * EVENT_BYTES) == USER_STDIN) ready = true;
    }
  }
  heap.free(subs);
  heap.free(events);
  return ready;
}

/** Waits until what the blocked WASI call needs is there. False after a failure. */
export function waitForWakeUp(): bool {
  let on = wasi_blocked_on();
  let stdin = (on & BlockedOn.Stdin) != 0;
  let clock = (on & BlockedOn.Clock) != 0;
  if (!stdin && !clock) {
    call_abort();
    fail("WASMOTION_ERR_UNEXPECTED_STOP", "the guest blocked on nothing that can wake it");
    return false;
  }
  if (stdin && !clock) return feedStdin();
  let ns = wasi_sleep_remaining();
  if (ns <= 0) return true;
  if (poll(stdin, ns) && stdin) return feedStdin();
  return true;
}
