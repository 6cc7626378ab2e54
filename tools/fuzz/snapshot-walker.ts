/**
 * A WASI command for the snapshot fuzzer that makes stale pages visible. It
 * updates 1 MiB of memory word by word, round after round, each new word a
 * function of the old one, then prints a hash of that megabyte. A page that
 * a restore left at another round's contents stays wrong to the end, so a
 * diff applied on top of the wrong base changes the printed hash. A C guest's working set is small and
 * rewritten constantly, which hides such mixing.
 */
import createWabt from 'wabt';

const wabt = await createWabt();

const ROUNDS = 4;
const DATA_START = 65536;
const DATA_END = DATA_START + (1 << 20);

const WALKER_WAT = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 17)
  (func $hex (param $at i32) (param $v i32)
    (local $i i32) (local $d i32)
    (loop $digits
      (local.set $d (i32.and (i32.shr_u (local.get $v) (i32.sub (i32.const 28) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 15)))
      (i32.store8 (i32.add (local.get $at) (local.get $i))
        (i32.add (local.get $d) (select (i32.const 48) (i32.const 87) (i32.lt_u (local.get $d) (i32.const 10)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $digits (i32.lt_u (local.get $i) (i32.const 8)))))
  (func (export "_start")
    (local $r i32) (local $a i32) (local $h i32)
    (loop $rounds
      (local.set $a (i32.const ${DATA_START}))
      (loop $words
        (i32.store (local.get $a) (i32.add (i32.mul (i32.load (local.get $a)) (i32.const 0x9e3779b1)) (i32.xor (local.get $a) (local.get $r))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br_if $words (i32.lt_u (local.get $a) (i32.const ${DATA_END}))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $rounds (i32.lt_u (local.get $r) (i32.const ${ROUNDS}))))
    (local.set $h (i32.const 0x811c9dc5))
    (local.set $a (i32.const ${DATA_START}))
    (loop $hash
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load (local.get $a))) (i32.const 0x01000193)))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (br_if $hash (i32.lt_u (local.get $a) (i32.const ${DATA_END}))))
    ;; "walker: XXXXXXXX\\n" at 16, its iovec at 0, bytes written at 8
    (i64.store (i32.const 16) (i64.const 0x203a72656b6c6177))
    (call $hex (i32.const 24) (local.get $h))
    (i32.store8 (i32.const 32) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 17))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

let bytes: Uint8Array | undefined;

/** The walker module (about 4 million steps). */
export function walkerModule(): Uint8Array {
  if (!bytes) {
    const module = wabt.parseWat('walker.wat', WALKER_WAT);
    try {
      module.resolveNames();
      module.validate();
      bytes = module.toBinary({}).buffer;
    } finally {
      module.destroy();
    }
  }
  return bytes;
}
