/**
 * The numeric instructions of Wasm 2.0 (without SIMD) grouped by their typing,
 * so the generator can pick any instruction that produces the type it needs.
 * Prefixed instructions (0xFC) are written as [0xfc, sub-opcode].
 */
import type { NumType } from '../../host-shim/engine/types.js';

export type Opcode = number[];

/** t -> t */
export const UNARY: Record<NumType, Opcode[]> = {
  i32: [[0x67], [0x68], [0x69], [0xc0], [0xc1]], // clz ctz popcnt extend8_s extend16_s
  i64: [[0x79], [0x7a], [0x7b], [0xc2], [0xc3], [0xc4]], // + extend32_s
  f32: [[0x8b], [0x8c], [0x8d], [0x8e], [0x8f], [0x90], [0x91]], // abs neg ceil floor trunc nearest sqrt
  f64: [[0x99], [0x9a], [0x9b], [0x9c], [0x9d], [0x9e], [0x9f]],
};

/** t t -> t; the integer division and remainder ones may trap. */
export const BINARY: Record<NumType, Opcode[]> = {
  i32: range(0x6a, 0x78),
  i64: range(0x7c, 0x8a),
  f32: range(0x92, 0x97), // add sub mul div min max (copysign is kept apart: it observes a NaN's sign)
  f64: range(0xa0, 0xa5),
};

export const COPYSIGN: Record<'f32' | 'f64', Opcode> = { f32: [0x98], f64: [0xa6] };

/** t -> i32 */
export const TEST: Partial<Record<NumType, Opcode>> = { i32: [0x45], i64: [0x50] };

/** t t -> i32 */
export const COMPARE: Record<NumType, Opcode[]> = {
  i32: range(0x46, 0x4f),
  i64: range(0x51, 0x5a),
  f32: range(0x5b, 0x60),
  f64: range(0x61, 0x66),
};

export interface Conversion {
  from: NumType;
  to: NumType;
  op: Opcode;
  /** Observes the bits of a float input (a NaN's payload), so the input must be canonical. */
  observesBits?: boolean;
  /** Traps on NaN and out-of-range inputs (the non-saturating truncations). */
  traps?: boolean;
}

/** from -> to, including the trapping and the saturating truncations. */
export const CONVERSIONS: Conversion[] = [
  { from: 'i64', to: 'i32', op: [0xa7] },
  { from: 'f32', to: 'i32', op: [0xa8], traps: true },
  { from: 'f32', to: 'i32', op: [0xa9], traps: true },
  { from: 'f64', to: 'i32', op: [0xaa], traps: true },
  { from: 'f64', to: 'i32', op: [0xab], traps: true },
  { from: 'i32', to: 'i64', op: [0xac] },
  { from: 'i32', to: 'i64', op: [0xad] },
  { from: 'f32', to: 'i64', op: [0xae], traps: true },
  { from: 'f32', to: 'i64', op: [0xaf], traps: true },
  { from: 'f64', to: 'i64', op: [0xb0], traps: true },
  { from: 'f64', to: 'i64', op: [0xb1], traps: true },
  { from: 'i32', to: 'f32', op: [0xb2] },
  { from: 'i32', to: 'f32', op: [0xb3] },
  { from: 'i64', to: 'f32', op: [0xb4] },
  { from: 'i64', to: 'f32', op: [0xb5] },
  { from: 'f64', to: 'f32', op: [0xb6] },
  { from: 'i32', to: 'f64', op: [0xb7] },
  { from: 'i32', to: 'f64', op: [0xb8] },
  { from: 'i64', to: 'f64', op: [0xb9] },
  { from: 'i64', to: 'f64', op: [0xba] },
  { from: 'f32', to: 'f64', op: [0xbb] },
  { from: 'f32', to: 'i32', op: [0xbc], observesBits: true },
  { from: 'f64', to: 'i64', op: [0xbd], observesBits: true },
  { from: 'i32', to: 'f32', op: [0xbe] },
  { from: 'i64', to: 'f64', op: [0xbf] },
  { from: 'f32', to: 'i32', op: [0xfc, 0] },
  { from: 'f32', to: 'i32', op: [0xfc, 1] },
  { from: 'f64', to: 'i32', op: [0xfc, 2] },
  { from: 'f64', to: 'i32', op: [0xfc, 3] },
  { from: 'f32', to: 'i64', op: [0xfc, 4] },
  { from: 'f32', to: 'i64', op: [0xfc, 5] },
  { from: 'f64', to: 'i64', op: [0xfc, 6] },
  { from: 'f64', to: 'i64', op: [0xfc, 7] },
];

export interface MemoryAccess {
  type: NumType;
  op: number;
  /** log2 of the access width: the largest legal alignment. */
  naturalAlign: number;
}

export const LOADS: MemoryAccess[] = [
  { type: 'i32', op: 0x28, naturalAlign: 2 },
  { type: 'i64', op: 0x29, naturalAlign: 3 },
  { type: 'f32', op: 0x2a, naturalAlign: 2 },
  { type: 'f64', op: 0x2b, naturalAlign: 3 },
  { type: 'i32', op: 0x2c, naturalAlign: 0 },
  { type: 'i32', op: 0x2d, naturalAlign: 0 },
  { type: 'i32', op: 0x2e, naturalAlign: 1 },
  { type: 'i32', op: 0x2f, naturalAlign: 1 },
  { type: 'i64', op: 0x30, naturalAlign: 0 },
  { type: 'i64', op: 0x31, naturalAlign: 0 },
  { type: 'i64', op: 0x32, naturalAlign: 1 },
  { type: 'i64', op: 0x33, naturalAlign: 1 },
  { type: 'i64', op: 0x34, naturalAlign: 2 },
  { type: 'i64', op: 0x35, naturalAlign: 2 },
];

export const STORES: MemoryAccess[] = [
  { type: 'i32', op: 0x36, naturalAlign: 2 },
  { type: 'i64', op: 0x37, naturalAlign: 3 },
  { type: 'f32', op: 0x38, naturalAlign: 2 },
  { type: 'f64', op: 0x39, naturalAlign: 3 },
  { type: 'i32', op: 0x3a, naturalAlign: 0 },
  { type: 'i32', op: 0x3b, naturalAlign: 1 },
  { type: 'i64', op: 0x3c, naturalAlign: 0 },
  { type: 'i64', op: 0x3d, naturalAlign: 1 },
  { type: 'i64', op: 0x3e, naturalAlign: 2 },
];

export const OP = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  drop: 0x1a,
  select: 0x1b,
  selectTyped: 0x1c,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  tableGet: 0x25,
  tableSet: 0x26,
  memorySize: 0x3f,
  memoryGrow: 0x40,
  i32Const: 0x41,
  i64Const: 0x42,
  f32Const: 0x43,
  f64Const: 0x44,
  refNull: 0xd0,
  refIsNull: 0xd1,
  refFunc: 0xd2,
  prefix: 0xfc,
} as const;

/** Sub-opcodes after the 0xFC prefix. */
export const FC = {
  memoryInit: 8,
  dataDrop: 9,
  memoryCopy: 10,
  memoryFill: 11,
  tableInit: 12,
  elemDrop: 13,
  tableCopy: 14,
  tableGrow: 15,
  tableSize: 16,
  tableFill: 17,
} as const;

function range(lo: number, hi: number): Opcode[] {
  const out: Opcode[] = [];
  for (let op = lo; op <= hi; op++) out.push([op]);
  return out;
}
