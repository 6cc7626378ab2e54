import { Trap } from "../errors";

/**
 * Float-to-integer conversions. The trapping ones must never execute a wasm
 * trapping truncation inside the VMM (that would kill it): they check the
 * range first and report a trap through `numericTrap`.
 */

export let numericTrap: Trap = Trap.None;

@inline function bad(nan: bool): void {
  numericTrap = nan ? Trap.InvalidConversion : Trap.IntegerOverflow;
}

// Bounds are exclusive limits exactly representable in the source type.
export function truncI32F32S(x: f32): i32 {
  if (x != x) { bad(true); return 0; }
  if (!(x >= -2147483648.0 && x < 2147483648.0)) { bad(false); return 0; }
  return <i32>x;
}
export function truncI32F32U(x: f32): i32 {
  if (x != x) { bad(true); return 0; }
  if (!(x > -1.0 && x < 4294967296.0)) { bad(false); return 0; }
  return <i32><u32>x;
}
export function truncI32F64S(x: f64): i32 {
  if (x != x) { bad(true); return 0; }
  if (!(x > -2147483649.0 && x < 2147483648.0)) { bad(false); return 0; }
  return <i32>x;
}
export function truncI32F64U(x: f64): i32 {
  if (x != x) { bad(true); return 0; }
  if (!(x > -1.0 && x < 4294967296.0)) { bad(false); return 0; }
  return <i32><u32>x;
}
export function truncI64F32S(x: f32): i64 {
  if (x != x) { bad(true); return 0; }
  if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) { bad(false); return 0; }
  return <i64>x;
}
export function truncI64F32U(x: f32): i64 {
  if (x != x) { bad(true); return 0; }
  if (!(x > -1.0 && x < 18446744073709551616.0)) { bad(false); return 0; }
  return <i64><u64>x;
}
export function truncI64F64S(x: f64): i64 {
  if (x != x) { bad(true); return 0; }
  if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) { bad(false); return 0; }
  return <i64>x;
}
export function truncI64F64U(x: f64): i64 {
  if (x != x) { bad(true); return 0; }
  if (!(x > -1.0 && x < 18446744073709551616.0)) { bad(false); return 0; }
  return <i64><u64>x;
}

export function satI32F32S(x: f32): i32 {
  if (x != x) return 0;
  if (x < -2147483648.0) return i32.MIN_VALUE;
  if (x >= 2147483648.0) return i32.MAX_VALUE;
  return <i32>x;
}
export function satI32F32U(x: f32): i32 {
  if (!(x > -1.0)) return 0; // NaN too
  if (x >= 4294967296.0) return -1;
  return <i32><u32>x;
}
export function satI32F64S(x: f64): i32 {
  if (x != x) return 0;
  if (x <= -2147483649.0) return i32.MIN_VALUE;
  if (x >= 2147483648.0) return i32.MAX_VALUE;
  return <i32>x;
}
export function satI32F64U(x: f64): i32 {
  if (!(x > -1.0)) return 0;
  if (x >= 4294967296.0) return -1;
  return <i32><u32>x;
}
export function satI64F32S(x: f32): i64 {
  if (x != x) return 0;
  if (x < -9223372036854775808.0) return i64.MIN_VALUE;
  if (x >= 9223372036854775808.0) return i64.MAX_VALUE;
  return <i64>x;
}
export function satI64F32U(x: f32): i64 {
  if (!(x > -1.0)) return 0;
  if (x >= 18446744073709551616.0) return -1;
  return <i64><u64>x;
}
export function satI64F64S(x: f64): i64 {
  if (x != x) return 0;
  if (x < -9223372036854775808.0) return i64.MIN_VALUE;
  if (x >= 9223372036854775808.0) return i64.MAX_VALUE;
  return <i64>x;
}
export function satI64F64U(x: f64): i64 {
  if (!(x > -1.0)) return 0;
  if (x >= 18446744073709551616.0) return -1;
  return <i64><u64>x;
}

/** Returns the trap a conversion reported and clears it. */
export function takeNumericTrap(): Trap {
  let t = numericTrap;
  numericTrap = Trap.None;
  return t;
}
