// Small guests for the resource policy tests.
import { wat } from '../support/wat.js';

/** Spins forever, counting in a global: CPU-bound, one page of memory (so it can migrate). */
export const BUSY = wat(`(module
  (memory (export "memory") 1)
  (global $n (mut i64) (i64.const 0))
  (func (export "_start")
    (loop $spin
      (global.set $n (i64.add (global.get $n) (i64.const 1)))
      (br $spin))))`);

/** Sleeps an hour at a time in poll_oneoff, forever: a guest that is idle. */
export const SLEEPER = wat(`(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; One subscription at 0: tag 0 (clock) at 8, clock id 1 (monotonic) at 16, timeout at 24.
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 3600000000000))
    (loop $sleep
      (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
      (br $sleep))))`);

/** Grows its memory by 4 pages and exits with memory.grow's answer + 1: 0 if refused. */
export const GROWER = wat(`(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $exit (i32.add (memory.grow (i32.const 4)) (i32.const 1)))))`);

