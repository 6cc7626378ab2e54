import { Reader } from "./reader";
import { Module } from "../module/types";
import { Feature } from "../module/features";
import { isValType } from "../module/types";
import { E_END_EXPECTED, E_ILLEGAL_OPCODE, E_MEMOP_FLAGS, E_REFTYPE, E_SIMD, E_VALTYPE, E_ZERO_BYTE } from "../errors";

/**
 * Reads instructions without interpreting them, to check that a body or a
 * constant expression is well formed before validation starts (the spec
 * decodes the whole module first) and to record the features it uses.
 * Stops after the `end` that closes depth 0. Errors go to the reader.
 */
export function skipExpression(r: Reader, m: Module): void {
  // One entry per open block: 1 for an `if` still in its then-arm, 0 otherwise.
  let blocks = new Array<u8>();
  while (!r.failed) {
    let start = r.pos;
    let op = r.u8();
    if (r.failed) return;
    switch (op) {
      case 0x02: case 0x03: case 0x04: {
        blockType(r, m);
        blocks.push(op == 0x04 ? 1 : 0);
        break;
      }
      case 0x05: {
        if (blocks.length == 0 || blocks[blocks.length - 1] != 1) { r.pos = start; r.fail(E_END_EXPECTED); return; }
        blocks[blocks.length - 1] = 0;
        break;
      }
      case 0x0b: {
        if (blocks.length == 0) return;
        blocks.pop();
        break;
      }
      default: skipOperands(r, m, op, start);
    }
  }
}

function blockType(r: Reader, m: Module): void {
  // SAFETY: the byte is read through the reader's bounds check first.
  let p = r.pos;
  let b = r.u8();
  if (r.failed) return;
  if (b == 0x40) return;
  if (isValType(b)) { if (b == 0x7b) r.fail(E_SIMD); return; }
  r.pos = p;
  let index = r.s33();
  if (r.failed) return;
  if (index < 0) { r.pos = p; r.fail(E_VALTYPE); return; }
  m.features |= Feature.MultiValue;
}

function memarg(r: Reader): void {
  let align = r.u32();
  if (!r.failed && align >= 32) { r.fail(E_MEMOP_FLAGS); return; }
  r.u32();
}

function zero(r: Reader): void {
  let b = r.u8();
  if (!r.failed && b != 0) { r.pos--; r.fail(E_ZERO_BYTE); }
}

function skipOperands(r: Reader, m: Module, op: u32, start: usize): void {
  if (op >= 0x45 && op <= 0xbf) return; // numeric instructions take no immediates
  if (op >= 0x28 && op <= 0x3e) { memarg(r); return; }
  switch (op) {
    case 0x00: case 0x01: case 0x0f: case 0x1a: case 0x1b: case 0xd1: return;
    case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
      r.u32(); return;
    case 0x25: case 0x26: case 0xd2:
      m.features |= Feature.ReferenceTypes; r.u32(); return;
    case 0x0e: {
      let n = r.count();
      for (let i: u32 = 0; i <= n && !r.failed; i++) r.u32();
      return;
    }
    case 0x11: r.u32(); r.u32(); return; // a nonzero table index is checked by validation
    case 0x1c: {
      m.features |= Feature.ReferenceTypes;
      let n = r.count();
      for (let i: u32 = 0; i < n && !r.failed; i++) {
        let t = r.u8();
        if (r.failed) return;
        if (t == 0x7b) { r.fail(E_SIMD); return; }
        if (!isValType(t)) { r.pos--; r.fail(E_VALTYPE); return; }
      }
      return;
    }
    case 0x3f: case 0x40: zero(r); return;
    case 0x41: r.i32(); return;
    case 0x42: r.i64(); return;
    case 0x43: r.f32bits(); return;
    case 0x44: r.f64bits(); return;
    case 0xc0: case 0xc1: case 0xc2: case 0xc3: case 0xc4:
      m.features |= Feature.SignExt; return;
    case 0xd0: {
      m.features |= Feature.ReferenceTypes;
      let t = r.u8();
      if (!r.failed && t != 0x70 && t != 0x6f) { r.pos--; r.fail(E_REFTYPE); }
      return;
    }
    case 0xfc: { skipPrefixed(r, m, start); return; }
    case 0xfd: { r.pos = start; r.fail(E_SIMD); return; }
  }
  r.pos = start;
  r.fail(E_ILLEGAL_OPCODE);
}

function skipPrefixed(r: Reader, m: Module, start: usize): void {
  let sub = r.u32();
  if (r.failed) return;
  if (sub <= 7) { m.features |= Feature.SatFloatToInt; return; }
  switch (sub) {
    case 8: m.features |= Feature.BulkMemory; m.needsDataCount = true; r.u32(); zero(r); return;
    case 9: m.features |= Feature.BulkMemory; m.needsDataCount = true; r.u32(); return;
    case 10: m.features |= Feature.BulkMemory; zero(r); zero(r); return;
    case 11: m.features |= Feature.BulkMemory; zero(r); return;
    case 12: case 14: m.features |= Feature.BulkMemory; r.u32(); r.u32(); return;
    case 13: m.features |= Feature.BulkMemory; r.u32(); return;
    case 15: case 16: case 17: m.features |= Feature.ReferenceTypes; r.u32(); return;
  }
  r.pos = start;
  r.fail(E_ILLEGAL_OPCODE);
}
