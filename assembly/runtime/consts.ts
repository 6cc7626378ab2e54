import { Module } from "../module/types";
import { ModuleInst } from "./store";

/**
 * Evaluates a validated constant expression (t.const, ref.null, ref.func,
 * global.get) to its 8-byte value. Function references are FuncInst
 * addresses, null is 0.
 */
export function evalConst(m: Module, inst: ModuleInst, start: u32, end: u32): u64 {
  let p = m.bytes + start;
  let op = <u32>load<u8>(p++);
  switch (op) {
    case 0x41: return <u64><i64>readSigned(p, 32);
    case 0x42: return <u64>readSigned(p, 64);
    case 0x43: return <u64>load<u32>(p);
    case 0x44: return load<u64>(p);
    case 0xd0: return 0;
    case 0xd2: return <u64>changetype<usize>(inst.funcs[readUnsigned(p)]);
    case 0x23: return load<u64>(inst.globals[readUnsigned(p)].cell);
  }
  return 0;
}

function readUnsigned(p: usize): u32 {
  let result: u32 = 0;
  let shift: u32 = 0;
  while (true) {
    let b = <u32>load<u8>(p++);
    result |= (b & 0x7f) << shift;
    if (!(b & 0x80)) return result;
    shift += 7;
  }
}

function readSigned(p: usize, bits: u32): i64 {
  let result: i64 = 0;
  let shift: u64 = 0;
  let b: u32;
  do {
    b = <u32>load<u8>(p++);
    result |= <i64>(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if (shift < 64 && (b & 0x40)) result |= (<i64>-1) << shift;
  return result;
}
