/**
 * The typing rules that depend on the opcode alone: the signatures of the
 * numeric instructions (0x45-0xc4, and the saturating truncations 0xfc 0-7)
 * and the value type and natural alignment of loads and stores (0x28-0x3e).
 * Tables are built once at start-up so the body validator looks them up.
 */
import { ValType } from "../module/types";

const I32 = ValType.I32;
const I64 = ValType.I64;
const F32 = ValType.F32;
const F64 = ValType.F64;

export const NUMERIC_FIRST: u32 = 0x45;
export const NUMERIC_LAST: u32 = 0xc4;

/**
 * A numeric signature [in1 in2] -> [out] packed as out | in1 << 8 | in2 << 16,
 * with in2 = 0 for unary operators. Index: opcode - NUMERIC_FIRST.
 */
export const NUMERIC_SIGS: StaticArray<u32> = buildNumericSigs();

/** Signatures of 0xfc 0..7 (i32/i64.trunc_sat_f32/f64_s/u), same packing. */
export const TRUNC_SAT_SIGS: StaticArray<u32> = StaticArray.fromArray<u32>([
  unary(F32, I32), unary(F32, I32), unary(F64, I32), unary(F64, I32),
  unary(F32, I64), unary(F32, I64), unary(F64, I64), unary(F64, I64),
]);

function unary(input: u8, out: u8): u32 { return <u32>out | (<u32>input << 8); }
function binary(input: u8, out: u8): u32 { return <u32>out | (<u32>input << 8) | (<u32>input << 16); }

function fill(sigs: StaticArray<u32>, first: u32, last: u32, sig: u32): void {
  for (let op = first; op <= last; op++) sigs[op - NUMERIC_FIRST] = sig;
}

function buildNumericSigs(): StaticArray<u32> {
  let s = new StaticArray<u32>(NUMERIC_LAST - NUMERIC_FIRST + 1);
  fill(s, 0x45, 0x45, unary(I32, I32)); // i32.eqz
  fill(s, 0x46, 0x4f, binary(I32, I32)); // i32 comparisons
  fill(s, 0x50, 0x50, unary(I64, I32)); // i64.eqz
  fill(s, 0x51, 0x5a, binary(I64, I32)); // i64 comparisons
  fill(s, 0x5b, 0x60, binary(F32, I32)); // f32 comparisons
  fill(s, 0x61, 0x66, binary(F64, I32)); // f64 comparisons
  fill(s, 0x67, 0x69, unary(I32, I32)); // clz ctz popcnt
  fill(s, 0x6a, 0x78, binary(I32, I32)); // add .. rotr
  fill(s, 0x79, 0x7b, unary(I64, I64));
  fill(s, 0x7c, 0x8a, binary(I64, I64));
  fill(s, 0x8b, 0x91, unary(F32, F32)); // abs .. sqrt
  fill(s, 0x92, 0x98, binary(F32, F32)); // add .. copysign
  fill(s, 0x99, 0x9f, unary(F64, F64));
  fill(s, 0xa0, 0xa6, binary(F64, F64));
  fill(s, 0xa7, 0xa7, unary(I64, I32)); // i32.wrap_i64
  fill(s, 0xa8, 0xa9, unary(F32, I32)); // i32.trunc_f32_s/u
  fill(s, 0xaa, 0xab, unary(F64, I32));
  fill(s, 0xac, 0xad, unary(I32, I64)); // i64.extend_i32_s/u
  fill(s, 0xae, 0xaf, unary(F32, I64));
  fill(s, 0xb0, 0xb1, unary(F64, I64));
  fill(s, 0xb2, 0xb3, unary(I32, F32)); // f32.convert_i32_s/u
  fill(s, 0xb4, 0xb5, unary(I64, F32));
  fill(s, 0xb6, 0xb6, unary(F64, F32)); // f32.demote_f64
  fill(s, 0xb7, 0xb8, unary(I32, F64));
  fill(s, 0xb9, 0xba, unary(I64, F64));
  fill(s, 0xbb, 0xbb, unary(F32, F64)); // f64.promote_f32
  fill(s, 0xbc, 0xbc, unary(F32, I32)); // reinterprets
  fill(s, 0xbd, 0xbd, unary(F64, I64));
  fill(s, 0xbe, 0xbe, unary(I32, F32));
  fill(s, 0xbf, 0xbf, unary(I64, F64));
  fill(s, 0xc0, 0xc1, unary(I32, I32)); // i32.extend8_s/16_s
  fill(s, 0xc2, 0xc4, unary(I64, I64)); // i64.extend8_s/16_s/32_s
  return s;
}

export const MEMOP_FIRST: u32 = 0x28;
export const MEMOP_LAST: u32 = 0x3e;

/**
 * A load or store packed as type | log2(access size) << 8 | isStore << 16.
 * Index: opcode - MEMOP_FIRST.
 */
export const MEMOPS: StaticArray<u32> = StaticArray.fromArray<u32>([
  load(I32, 2), load(I64, 3), load(F32, 2), load(F64, 3), // 0x28-0x2b
  load(I32, 0), load(I32, 0), load(I32, 1), load(I32, 1), // i32.load8/16_s/u
  load(I64, 0), load(I64, 0), load(I64, 1), load(I64, 1), load(I64, 2), load(I64, 2), // i64.load8/16/32
  store(I32, 2), store(I64, 3), store(F32, 2), store(F64, 3), // 0x36-0x39
  store(I32, 0), store(I32, 1), store(I64, 0), store(I64, 1), store(I64, 2), // narrow stores
]);

function load(type: u8, log2Size: u32): u32 { return <u32>type | (log2Size << 8); }
function store(type: u8, log2Size: u32): u32 { return <u32>type | (log2Size << 8) | (1 << 16); }
