import { Op } from "./ops";

/**
 * Numeric wasm instructions and their IR: one IR op per wasm opcode, with an
 * Imm variant (right operand an i32 immediate) for common i32 operations.
 * Encoded as op | arity << 16 | hasImm << 20; 0 means "not numeric".
 * Saturating truncations (0xfc 0..7) are passed as 0xfc00 + subopcode.
 */
@inline function encode(op: Op, arity: u32, hasImm: bool): u32 {
  return <u32>op | (arity << 16) | (hasImm ? 1 << 20 : 0);
}

export function numericOp(code: u32): u32 {
  switch (code) {
    case 0x45: return encode(Op.I32Eqz, 1, false);
    case 0x46: return encode(Op.I32Eq, 2, true);
    case 0x47: return encode(Op.I32Ne, 2, true);
    case 0x48: return encode(Op.I32LtS, 2, true);
    case 0x49: return encode(Op.I32LtU, 2, true);
    case 0x4a: return encode(Op.I32GtS, 2, true);
    case 0x4b: return encode(Op.I32GtU, 2, true);
    case 0x4c: return encode(Op.I32LeS, 2, true);
    case 0x4d: return encode(Op.I32LeU, 2, true);
    case 0x4e: return encode(Op.I32GeS, 2, true);
    case 0x4f: return encode(Op.I32GeU, 2, true);
    case 0x50: return encode(Op.I64Eqz, 1, false);
    case 0x51: return encode(Op.I64Eq, 2, false);
    case 0x52: return encode(Op.I64Ne, 2, false);
    case 0x53: return encode(Op.I64LtS, 2, false);
    case 0x54: return encode(Op.I64LtU, 2, false);
    case 0x55: return encode(Op.I64GtS, 2, false);
    case 0x56: return encode(Op.I64GtU, 2, false);
    case 0x57: return encode(Op.I64LeS, 2, false);
    case 0x58: return encode(Op.I64LeU, 2, false);
    case 0x59: return encode(Op.I64GeS, 2, false);
    case 0x5a: return encode(Op.I64GeU, 2, false);
    case 0x5b: return encode(Op.F32Eq, 2, false);
    case 0x5c: return encode(Op.F32Ne, 2, false);
    case 0x5d: return encode(Op.F32Lt, 2, false);
    case 0x5e: return encode(Op.F32Gt, 2, false);
    case 0x5f: return encode(Op.F32Le, 2, false);
    case 0x60: return encode(Op.F32Ge, 2, false);
    case 0x61: return encode(Op.F64Eq, 2, false);
    case 0x62: return encode(Op.F64Ne, 2, false);
    case 0x63: return encode(Op.F64Lt, 2, false);
    case 0x64: return encode(Op.F64Gt, 2, false);
    case 0x65: return encode(Op.F64Le, 2, false);
    case 0x66: return encode(Op.F64Ge, 2, false);
    case 0x67: return encode(Op.I32Clz, 1, false);
    case 0x68: return encode(Op.I32Ctz, 1, false);
    case 0x69: return encode(Op.I32Popcnt, 1, false);
    case 0x6a: return encode(Op.I32Add, 2, true);
    case 0x6b: return encode(Op.I32Sub, 2, true);
    case 0x6c: return encode(Op.I32Mul, 2, true);
    case 0x6d: return encode(Op.I32DivS, 2, false);
    case 0x6e: return encode(Op.I32DivU, 2, false);
    case 0x6f: return encode(Op.I32RemS, 2, false);
    case 0x70: return encode(Op.I32RemU, 2, false);
    case 0x71: return encode(Op.I32And, 2, true);
    case 0x72: return encode(Op.I32Or, 2, true);
    case 0x73: return encode(Op.I32Xor, 2, true);
    case 0x74: return encode(Op.I32Shl, 2, true);
    case 0x75: return encode(Op.I32ShrS, 2, true);
    case 0x76: return encode(Op.I32ShrU, 2, true);
    case 0x77: return encode(Op.I32Rotl, 2, true);
    case 0x78: return encode(Op.I32Rotr, 2, true);
    case 0x79: return encode(Op.I64Clz, 1, false);
    case 0x7a: return encode(Op.I64Ctz, 1, false);
    case 0x7b: return encode(Op.I64Popcnt, 1, false);
    case 0x7c: return encode(Op.I64Add, 2, false);
    case 0x7d: return encode(Op.I64Sub, 2, false);
    case 0x7e: return encode(Op.I64Mul, 2, false);
    case 0x7f: return encode(Op.I64DivS, 2, false);
    case 0x80: return encode(Op.I64DivU, 2, false);
    case 0x81: return encode(Op.I64RemS, 2, false);
    case 0x82: return encode(Op.I64RemU, 2, false);
    case 0x83: return encode(Op.I64And, 2, false);
    case 0x84: return encode(Op.I64Or, 2, false);
    case 0x85: return encode(Op.I64Xor, 2, false);
    case 0x86: return encode(Op.I64Shl, 2, false);
    case 0x87: return encode(Op.I64ShrS, 2, false);
    case 0x88: return encode(Op.I64ShrU, 2, false);
    case 0x89: return encode(Op.I64Rotl, 2, false);
    case 0x8a: return encode(Op.I64Rotr, 2, false);
    case 0x8b: return encode(Op.F32Abs, 1, false);
    case 0x8c: return encode(Op.F32Neg, 1, false);
    case 0x8d: return encode(Op.F32Ceil, 1, false);
    case 0x8e: return encode(Op.F32Floor, 1, false);
    case 0x8f: return encode(Op.F32Trunc, 1, false);
    case 0x90: return encode(Op.F32Nearest, 1, false);
    case 0x91: return encode(Op.F32Sqrt, 1, false);
    case 0x92: return encode(Op.F32Add, 2, false);
    case 0x93: return encode(Op.F32Sub, 2, false);
    case 0x94: return encode(Op.F32Mul, 2, false);
    case 0x95: return encode(Op.F32Div, 2, false);
    case 0x96: return encode(Op.F32Min, 2, false);
    case 0x97: return encode(Op.F32Max, 2, false);
    case 0x98: return encode(Op.F32Copysign, 2, false);
    case 0x99: return encode(Op.F64Abs, 1, false);
    case 0x9a: return encode(Op.F64Neg, 1, false);
    case 0x9b: return encode(Op.F64Ceil, 1, false);
    case 0x9c: return encode(Op.F64Floor, 1, false);
    case 0x9d: return encode(Op.F64Trunc, 1, false);
    case 0x9e: return encode(Op.F64Nearest, 1, false);
    case 0x9f: return encode(Op.F64Sqrt, 1, false);
    case 0xa0: return encode(Op.F64Add, 2, false);
    case 0xa1: return encode(Op.F64Sub, 2, false);
    case 0xa2: return encode(Op.F64Mul, 2, false);
    case 0xa3: return encode(Op.F64Div, 2, false);
    case 0xa4: return encode(Op.F64Min, 2, false);
    case 0xa5: return encode(Op.F64Max, 2, false);
    case 0xa6: return encode(Op.F64Copysign, 2, false);
    case 0xa7: return encode(Op.I32WrapI64, 1, false);
    case 0xa8: return encode(Op.I32TruncF32S, 1, false);
    case 0xa9: return encode(Op.I32TruncF32U, 1, false);
    case 0xaa: return encode(Op.I32TruncF64S, 1, false);
    case 0xab: return encode(Op.I32TruncF64U, 1, false);
    case 0xac: return encode(Op.I64ExtendI32S, 1, false);
    case 0xad: return encode(Op.I64ExtendI32U, 1, false);
    case 0xae: return encode(Op.I64TruncF32S, 1, false);
    case 0xaf: return encode(Op.I64TruncF32U, 1, false);
    case 0xb0: return encode(Op.I64TruncF64S, 1, false);
    case 0xb1: return encode(Op.I64TruncF64U, 1, false);
    case 0xb2: return encode(Op.F32ConvertI32S, 1, false);
    case 0xb3: return encode(Op.F32ConvertI32U, 1, false);
    case 0xb4: return encode(Op.F32ConvertI64S, 1, false);
    case 0xb5: return encode(Op.F32ConvertI64U, 1, false);
    case 0xb6: return encode(Op.F32DemoteF64, 1, false);
    case 0xb7: return encode(Op.F64ConvertI32S, 1, false);
    case 0xb8: return encode(Op.F64ConvertI32U, 1, false);
    case 0xb9: return encode(Op.F64ConvertI64S, 1, false);
    case 0xba: return encode(Op.F64ConvertI64U, 1, false);
    case 0xbb: return encode(Op.F64PromoteF32, 1, false);
    case 0xbc: return encode(Op.I32ReinterpretF32, 1, false);
    case 0xbd: return encode(Op.I64ReinterpretF64, 1, false);
    case 0xbe: return encode(Op.F32ReinterpretI32, 1, false);
    case 0xbf: return encode(Op.F64ReinterpretI64, 1, false);
    case 0xc0: return encode(Op.I32Extend8S, 1, false);
    case 0xc1: return encode(Op.I32Extend16S, 1, false);
    case 0xc2: return encode(Op.I64Extend8S, 1, false);
    case 0xc3: return encode(Op.I64Extend16S, 1, false);
    case 0xc4: return encode(Op.I64Extend32S, 1, false);
    case 0xfc00: return encode(Op.I32TruncSatF32S, 1, false);
    case 0xfc01: return encode(Op.I32TruncSatF32U, 1, false);
    case 0xfc02: return encode(Op.I32TruncSatF64S, 1, false);
    case 0xfc03: return encode(Op.I32TruncSatF64U, 1, false);
    case 0xfc04: return encode(Op.I64TruncSatF32S, 1, false);
    case 0xfc05: return encode(Op.I64TruncSatF32U, 1, false);
    case 0xfc06: return encode(Op.I64TruncSatF64S, 1, false);
    case 0xfc07: return encode(Op.I64TruncSatF64U, 1, false);
  }
  return 0;
}

@inline export function numericIrOp(e: u32): Op { return <Op>(e & 0xffff); }
@inline export function numericArity(e: u32): u32 { return (e >>> 16) & 0xf; }
@inline export function numericHasImm(e: u32): bool { return (e & (1 << 20)) != 0; }

/**
 * The compare-and-branch instruction a compare fuses into when a branch
 * consumes its result: taken when the compare holds, or when it fails with
 * `negate` (for `if`, which branches on false). Op.Count if none.
 */
export function fusedBranch(op: Op, negate: bool): Op {
  switch (op) {
    case Op.I32Eq: return negate ? Op.BrI32Ne : Op.BrI32Eq;
    case Op.I32EqImm: return negate ? Op.BrI32NeImm : Op.BrI32EqImm;
    case Op.I32Ne: return negate ? Op.BrI32Eq : Op.BrI32Ne;
    case Op.I32NeImm: return negate ? Op.BrI32EqImm : Op.BrI32NeImm;
    case Op.I32LtS: return negate ? Op.BrI32GeS : Op.BrI32LtS;
    case Op.I32LtSImm: return negate ? Op.BrI32GeSImm : Op.BrI32LtSImm;
    case Op.I32LtU: return negate ? Op.BrI32GeU : Op.BrI32LtU;
    case Op.I32LtUImm: return negate ? Op.BrI32GeUImm : Op.BrI32LtUImm;
    case Op.I32GtS: return negate ? Op.BrI32LeS : Op.BrI32GtS;
    case Op.I32GtSImm: return negate ? Op.BrI32LeSImm : Op.BrI32GtSImm;
    case Op.I32GtU: return negate ? Op.BrI32LeU : Op.BrI32GtU;
    case Op.I32GtUImm: return negate ? Op.BrI32LeUImm : Op.BrI32GtUImm;
    case Op.I32LeS: return negate ? Op.BrI32GtS : Op.BrI32LeS;
    case Op.I32LeSImm: return negate ? Op.BrI32GtSImm : Op.BrI32LeSImm;
    case Op.I32LeU: return negate ? Op.BrI32GtU : Op.BrI32LeU;
    case Op.I32LeUImm: return negate ? Op.BrI32GtUImm : Op.BrI32LeUImm;
    case Op.I32GeS: return negate ? Op.BrI32LtS : Op.BrI32GeS;
    case Op.I32GeSImm: return negate ? Op.BrI32LtSImm : Op.BrI32GeSImm;
    case Op.I32GeU: return negate ? Op.BrI32LtU : Op.BrI32GeU;
    case Op.I32GeUImm: return negate ? Op.BrI32LtUImm : Op.BrI32GeUImm;
  }
  return Op.Count;
}
