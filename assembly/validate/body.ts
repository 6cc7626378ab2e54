/**
 * Function bodies: walks the instructions of one body with TypeStacks and
 * checks control instructions (block types, labels, br_table arities, if
 * without else), calls, locals, globals, select, drop and the numeric
 * instructions. Memory, table, reference and 0xfc instructions are in
 * body-ops.ts. The walk can stop before the instruction at a given offset,
 * leaving the operand stack typed as it is there: checkpoints use it.
 *
 * Speed: the validator is unmanaged and reads the body through raw pointers,
 * so the common instructions run without GC bookkeeping; only handlers that
 * consult the (managed) Module touch it. The decoder has checked that every
 * immediate is well formed; reads still stop at the body's end.
 */
import { FuncType, Module, ValType, isRefType, isValType } from "../module/types";
import { FuncSet } from "./funcrefs";
import {
  E_GLOBAL_IMMUTABLE, E_SELECT_ARITY, E_TYPE_MISMATCH, E_UNKNOWN_FUNCTION, E_UNKNOWN_GLOBAL,
  E_UNKNOWN_LOCAL, E_UNKNOWN_TABLE, E_UNKNOWN_TYPE, unknownIndex,
} from "./messages";
import { NUMERIC_FIRST, NUMERIC_LAST, NUMERIC_SIGS } from "./opcodes";
import { BT_EMPTY, BT_INDEX, TypeStacks, UNKNOWN } from "./stacks";
import { checkMemoryOp, checkPrefixed, checkRefOp, checkTableAccess } from "./body-ops";

export const enum Walk { Done = 0, Stopped = 1, Failed = 2 }

/** `stopAt` value of a walk over the whole body. */
export const NO_STOP: u32 = u32.MAX_VALUE;

const I32 = ValType.I32;
const E_BODY_END = "unexpected end"; // not reached: the decoder checked every immediate

// SAFETY: NUMERIC_SIGS is a global, alive for the program's lifetime.
const NUMERIC_SIGS_PTR: usize = changetype<usize>(NUMERIC_SIGS);

@unmanaged
export class BodyValidator {
  s: TypeStacks = new TypeStacks();
  /** The Module and the FuncSet (C.refs, or 0 to skip that check), held alive by the caller. */
  module: usize = 0;
  declared: usize = 0;
  /** Module start in memory, cursor and end of the body. */
  base: usize = 0;
  pos: usize = 0;
  end: usize = 0;
  params: usize = 0;
  paramCount: u32 = 0;
  locals: usize = 0;
  localCount: u32 = 0;
  hasMemory: bool = false;

  @inline get m(): Module { return changetype<Module>(this.module); }

  /** Binds the validator to a module; `declared` null skips the ref.func check (re-walks). */
  bind(m: Module, declared: FuncSet | null): void {
    this.module = changetype<usize>(m);
    this.declared = changetype<usize>(declared);
    this.base = m.bytes;
    this.hasMemory = m.allMemories.length > 0;
  }

  /**
   * Checks the body of defined function `defIndex` (imports not counted),
   * stopping before the instruction at module offset `stopAt`, or at the
   * body's end when `stopAt` is the body's end offset. The error, if any, is
   * in `stackError` and `s.errorAt`.
   */
  walk(defIndex: i32, stopAt: u32): Walk {
    let s = this.s;
    if (!this.enter(defIndex)) return Walk.Failed;
    let stopPos: usize = stopAt == NO_STOP ? usize.MAX_VALUE : this.base + stopAt;
    while (this.pos < this.end) {
      let p = this.pos;
      if (p == stopPos) return Walk.Stopped;
      s.at = <u32>(p - this.base);
      if (s.depth == 0) { s.mismatch(); return Walk.Failed; } // code after the final end
      // SAFETY: p < end (the loop condition).
      this.pos = p + 1;
      this.instruction(<u32>load<u8>(p));
      if (s.failed) return Walk.Failed;
    }
    if (this.pos == stopPos) return Walk.Stopped;
    if (s.depth != 0) { s.mismatch(); return Walk.Failed; }
    return Walk.Done;
  }

  /** Sets up the body's locals and the function frame. */
  private enter(defIndex: i32): bool {
    let m = this.m, s = this.s;
    s.reset(m.types);
    // SAFETY: callers pass 0 <= defIndex < codes.length == funcs.length (decoder).
    let code = unchecked(m.codes[defIndex]);
    s.at = code.position;
    if (defIndex >= m.funcs.length) { s.mismatch(); return false; } // the decoder matched the counts
    let typeIndex = unchecked(m.funcs[defIndex]);
    if (typeIndex >= <u32>m.types.length) { s.error(unknownIndex(E_UNKNOWN_TYPE, typeIndex)); return false; }
    let params = unchecked(m.types[typeIndex]).params;
    // Raw views of arrays the Module keeps alive.
    this.params = changetype<usize>(params);
    this.paramCount = <u32>params.length;
    this.locals = changetype<usize>(code.locals);
    this.localCount = <u32>code.locals.length;
    this.pos = this.base + code.start;
    this.end = this.base + code.end;
    s.enterFunction(typeIndex);
    return true;
  }

  private instruction(op: u32): void {
    let s = this.s;
    if (op >= NUMERIC_FIRST && op <= NUMERIC_LAST) {
      // SAFETY: the range check above bounds the index into the table.
      applySig(s, load<u32>(NUMERIC_SIGS_PTR + ((op - NUMERIC_FIRST) << 2)));
      return;
    }
    switch (op) {
      case 0x00: s.unreachable(); return;
      case 0x01: return;
      case 0x02: case 0x03: {
        let bt = this.blockType();
        s.popBlockParams(bt);
        s.pushCtrl(op, bt);
        return;
      }
      case 0x04: {
        let bt = this.blockType();
        s.popExpect(I32);
        s.popBlockParams(bt);
        s.pushCtrl(op, bt);
        return;
      }
      case 0x05: this.elseArm(); return;
      case 0x0b: this.endBlock(); return;
      case 0x0c: {
        let f = s.labelFrame(this.u32());
        if (f < 0) return;
        s.popLabel(f);
        s.unreachable();
        return;
      }
      case 0x0d: {
        let f = s.labelFrame(this.u32());
        if (f < 0) return;
        s.popExpect(I32);
        s.popLabel(f);
        s.pushLabel(f);
        return;
      }
      case 0x0e: this.brTable(); return;
      case 0x0f: s.popLabel(0); s.unreachable(); return; // frame 0 is the function's
      case 0x10: this.call(); return;
      case 0x11: this.callIndirect(); return;
      case 0x1a: s.pop(); return;
      case 0x1b: this.select(); return;
      case 0x1c: this.typedSelect(); return;
      case 0x20: s.push(this.local(this.u32())); return;
      case 0x21: s.popExpect(this.local(this.u32())); return;
      case 0x22: {
        let t = this.local(this.u32());
        s.popExpect(t);
        s.push(t);
        return;
      }
      case 0x23: case 0x24: this.global(op); return;
      case 0x25: case 0x26: checkTableAccess(this, op); return;
      case 0x41: this.skipLeb(); s.push(I32); return;
      case 0x42: this.skipLeb(); s.push(ValType.I64); return;
      case 0x43: this.skipBytes(4); s.push(ValType.F32); return;
      case 0x44: this.skipBytes(8); s.push(ValType.F64); return;
      case 0xd0: case 0xd1: case 0xd2: checkRefOp(this, op); return;
      case 0xfc: checkPrefixed(this, this.u32()); return;
    }
    if (op >= 0x28 && op <= 0x40) { checkMemoryOp(this, op); return; }
    s.mismatch(); // not reached: the decoder rejects other opcodes
  }

  // Immediates

  /** One byte of the body; 0 after reporting a read past its end. */
  @inline byte(): u32 {
    let p = this.pos;
    if (p >= this.end) { this.s.error(E_BODY_END); return 0; }
    this.pos = p + 1;
    // SAFETY: p < end, inside the body.
    return <u32>load<u8>(p);
  }

  /** A u32 LEB128; one-byte values take the fast path. */
  @inline u32(): u32 {
    let p = this.pos;
    if (p < this.end) {
      // SAFETY: p < end.
      let b = <u32>load<u8>(p);
      if (b < 0x80) { this.pos = p + 1; return b; }
    }
    return this.u32Long();
  }

  private u32Long(): u32 {
    let result: u32 = 0;
    for (let shift: u32 = 0; shift < 35; shift += 7) {
      let b = this.byte();
      result |= (b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return result;
  }

  skipLeb(): void {
    let p = this.pos, end = this.end;
    // SAFETY: p < end, inside the body.
    while (p < end) {
      let b = load<u8>(p++);
      if (!(b & 0x80)) break;
    }
    this.pos = p;
  }

  skipBytes(n: u32): void {
    if (<usize>n > this.end - this.pos) { this.s.error(E_BODY_END); return; }
    this.pos += n;
  }

  /** Reads a block type: empty, one value type, or a type index (multi-value). */
  private blockType(): u32 {
    let b = this.byte();
    if (b == 0x40) return BT_EMPTY;
    if (isValType(b)) return b;
    // A type index, as a signed 33-bit LEB; the decoder rejected negative ones.
    let index: u64 = <u64>(b & 0x7f);
    for (let shift: u64 = 7; (b & 0x80) && shift < 35; shift += 7) {
      b = this.byte();
      index |= <u64>(b & 0x7f) << shift;
    }
    let types = this.m.types.length;
    if (index >= <u64>types) {
      this.s.error(unknownIndex(E_UNKNOWN_TYPE, <u32>index));
      return BT_EMPTY;
    }
    return BT_INDEX | <u32>index;
  }

  // Control

  private elseArm(): void {
    let s = this.s;
    if (s.topOpcode() != 0x04) { s.mismatch(); return; } // the decoder rejects this
    let bt = s.topBlockType();
    s.popCtrl();
    s.pushCtrl(0x05, bt);
  }

  private endBlock(): void {
    let s = this.s;
    let bt = s.topBlockType();
    // An `if` without `else` has an empty else arm: it must turn the
    // parameters into the results.
    if (s.topOpcode() == 0x04) { s.popCtrl(); s.pushCtrl(0x05, bt); }
    s.popCtrl();
    s.pushBlockResults(bt);
  }

  /** All targets need the default's arity, and the stack must fit each of them. */
  private brTable(): void {
    let s = this.s;
    let n = this.u32();
    let first = this.pos;
    for (let i: u32 = 0; i < n && this.pos < this.end; i++) this.skipLeb();
    let fd = s.labelFrame(this.u32());
    if (fd < 0) return;
    let after = this.pos;
    s.popExpect(I32);
    let arity = s.labelArity(fd);
    s.peekLabel(fd);
    this.pos = first;
    for (let i: u32 = 0; i < n && !s.failed; i++) {
      let f = s.labelFrame(this.u32());
      if (f < 0) return;
      if (s.labelArity(f) != arity) { s.mismatch(); return; }
      s.peekLabel(f);
    }
    this.pos = after;
    s.unreachable();
  }

  // Calls

  private call(): void {
    let x = this.u32();
    let indices = this.m.funcTypeIndices;
    if (x >= <u32>indices.length) { this.s.error(unknownIndex(E_UNKNOWN_FUNCTION, x)); return; }
    // SAFETY: x < indices.length.
    let ft = this.funcType(unchecked(indices[x]));
    if (ft) this.applyFuncType(ft);
  }

  private callIndirect(): void {
    let s = this.s, m = this.m;
    let typeIndex = this.u32();
    let table = this.u32();
    if (table >= <u32>m.allTables.length) { s.error(unknownIndex(E_UNKNOWN_TABLE, table)); return; }
    let ft = this.funcType(typeIndex);
    if (!ft) return;
    // SAFETY: table < allTables.length.
    if (unchecked(m.allTables[table]).elem != ValType.FuncRef) { s.mismatch(); return; }
    s.popExpect(I32);
    this.applyFuncType(ft);
  }

  private funcType(index: u32): FuncType | null {
    let types = this.m.types;
    if (index >= <u32>types.length) { this.s.error(unknownIndex(E_UNKNOWN_TYPE, index)); return null; }
    // SAFETY: index < types.length.
    return unchecked(types[index]);
  }

  private applyFuncType(ft: FuncType): void {
    this.s.popTypes(ft.params);
    this.s.pushTypes(ft.results);
  }

  // Parametric instructions and variables

  /** Untyped select: two operands of one numeric type; references need the typed form. */
  private select(): void {
    let s = this.s;
    s.popExpect(I32);
    let t1 = s.pop();
    let t2 = s.pop();
    if (isRefType(t1) || isRefType(t2)) { s.mismatch(); return; }
    if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN) { s.mismatch(); return; }
    s.push(t1 == UNKNOWN ? t2 : t1);
  }

  private typedSelect(): void {
    let s = this.s;
    let n = this.u32();
    if (n != 1) { s.error(E_SELECT_ARITY); return; }
    let t = <u8>this.byte();
    s.popExpect(I32);
    s.popExpect(t);
    s.popExpect(t);
    s.push(t);
  }

  /** Type of local `x` (parameters first); UNKNOWN after reporting an unknown one. */
  @inline private local(x: u32): u8 {
    // SAFETY: each index is checked against its array's length first.
    if (x < this.paramCount) return load<u8>(this.params + <usize>x);
    if (x - this.paramCount < this.localCount) return load<u8>(this.locals + <usize>(x - this.paramCount));
    return this.unknownLocal(x);
  }

  private unknownLocal(x: u32): u8 {
    this.s.error(unknownIndex(E_UNKNOWN_LOCAL, x));
    return UNKNOWN;
  }

  private global(op: u32): void {
    let s = this.s;
    let x = this.u32();
    let globals = this.m.allGlobals;
    if (x >= <u32>globals.length) { s.error(unknownIndex(E_UNKNOWN_GLOBAL, x)); return; }
    // SAFETY: x < globals.length.
    let g = unchecked(globals[x]);
    if (op == 0x23) { s.push(g.type); return; }
    if (!g.mutable) { s.error(E_GLOBAL_IMMUTABLE); return; }
    s.popExpect(g.type);
  }
}

/** Applies a packed numeric signature (see opcodes.ts). */
// @ts-ignore: decorator
@inline export function applySig(s: TypeStacks, sig: u32): void {
  let in2 = <u8>(sig >> 16);
  if (in2) s.popExpect(in2);
  s.popExpect(<u8>(sig >> 8));
  s.push(<u8>sig);
}
