/**
 * The typing state of one function body, as in the validation algorithm of
 * the spec's appendix: an operand stack of value types and a control stack of
 * open blocks (opcode, block type, operand height at entry, unreachable flag).
 * It checks that pops find the expected types, that blocks end with their
 * result types and nothing else, and that branches carry their label's types.
 *
 * Speed: this is per-instruction code. The class is unmanaged and its
 * buffers are raw heap blocks that grow by doubling and are reused across
 * bodies, so checking an instruction neither allocates nor spills GC roots to
 * the shadow stack. The first error is kept (sticky); its message lives in
 * the managed global `stackError`.
 */
import { FuncType } from "../module/types";
import { E_BLOCKS_TOO_DEEP, E_TOO_MANY_OPERANDS, E_TYPE_MISMATCH, E_UNKNOWN_LABEL, unknownIndex } from "./messages";

/** A value type not known yet: what pops from the stack of unreachable code give. */
export const UNKNOWN: u8 = 0;

/**
 * Block types are u32s: BT_EMPTY, a value type byte (one result), or
 * BT_INDEX | type index (a function type; also used for a function's own frame).
 * A type index is checked against the type section before it is encoded.
 */
export const BT_EMPTY: u32 = 0x40;
export const BT_INDEX: u32 = 0x80000000;

const OP_BLOCK: u32 = 0x02;
const OP_LOOP: u32 = 0x03;

/** Message of the first error of the current walk. */
export let stackError: string = "";

// A control frame: opcode, block type, height at entry, unreachable flag.
const FRAME_BYTES: i32 = 16;

/**
 * Implementation limits, so that no body can make the stacks exhaust VMM
 * memory (a call to a function with many results pushes them all for two
 * bytes of code). Far above what compilers emit.
 */
export const MAX_OPERANDS: i32 = 1 << 20;
export const MAX_BLOCK_DEPTH: i32 = 1 << 18;

@unmanaged
export class TypeStacks {
  vals: usize = heap.alloc(256);
  valCap: i32 = 256;
  height: i32 = 0;
  ctrls: usize = heap.alloc(64 * FRAME_BYTES);
  ctrlCap: i32 = 64;
  depth: i32 = 0;
  /** Height and unreachable flag of the innermost frame, cached for pops. */
  base: i32 = 0;
  polymorphic: bool = false;
  /** The module's Array<FuncType>, held (and kept alive) by the caller. */
  types: usize = 0;
  failed: bool = false;
  /** The error is an implementation limit, not invalidity. */
  limitHit: bool = false;
  /** Module offset of the instruction being checked, and of the first error. */
  at: u32 = 0;
  errorAt: u32 = 0;

  reset(types: Array<FuncType>): void {
    this.types = changetype<usize>(types);
    this.height = 0;
    this.depth = 0;
    this.base = 0;
    this.polymorphic = false;
    this.failed = false;
    this.limitHit = false;
    this.errorAt = 0;
    stackError = "";
  }

  error(message: string): void {
    if (this.failed) return;
    this.failed = true;
    stackError = message;
    this.errorAt = this.at;
  }

  @inline mismatch(): void { this.error(E_TYPE_MISMATCH); }

  // Operand stack

  @inline push(t: u8): void {
    let h = this.height;
    if (h >= this.valCap && !this.growVals()) return;
    // SAFETY: h < valCap, the size of the vals block.
    store<u8>(this.vals + <usize>h, t);
    this.height = h + 1;
  }

  /** Pops any value; UNKNOWN on the polymorphic stack, an error on underflow. */
  @inline pop(): u8 {
    let h = this.height;
    if (h == this.base) {
      if (!this.polymorphic) this.mismatch();
      return UNKNOWN;
    }
    this.height = --h;
    // SAFETY: 0 <= base <= h < valCap.
    return load<u8>(this.vals + <usize>h);
  }

  /** Pops a value that must have type `t` (UNKNOWN matches anything). */
  @inline popExpect(t: u8): void {
    let actual = this.pop();
    if (actual != t && actual != UNKNOWN && t != UNKNOWN) this.mismatch();
  }

  /** The type `i` values below the top, without popping; UNKNOWN below a polymorphic base. */
  peek(i: i32): u8 {
    let at = this.height - 1 - i;
    if (at < this.base) {
      if (!this.polymorphic) this.mismatch();
      return UNKNOWN;
    }
    // SAFETY: base <= at < height <= valCap.
    return load<u8>(this.vals + <usize>at);
  }

  pushTypes(ts: StaticArray<u8>): void {
    for (let i = 0, n = ts.length; i < n; i++) this.push(unchecked(ts[i]));
  }

  popTypes(ts: StaticArray<u8>): void {
    for (let i = ts.length - 1; i >= 0; i--) this.popExpect(unchecked(ts[i]));
  }

  /** Marks the rest of the innermost block unreachable: its stack becomes polymorphic. */
  unreachable(): void {
    this.height = this.base;
    this.polymorphic = true;
    // SAFETY: depth >= 1 whenever instructions are checked (the function frame).
    store<u32>(this.frame(this.depth - 1), 1, 12);
  }

  // Block types. Only type indices reach the (managed) type section.

  pushBlockParams(bt: u32): void {
    if (bt & BT_INDEX) this.pushTypes(this.blockFuncType(bt).params);
  }

  popBlockParams(bt: u32): void {
    if (bt & BT_INDEX) this.popTypes(this.blockFuncType(bt).params);
  }

  pushBlockResults(bt: u32): void {
    if (bt & BT_INDEX) this.pushTypes(this.blockFuncType(bt).results);
    else if (bt != BT_EMPTY) this.push(<u8>bt);
  }

  popBlockResults(bt: u32): void {
    if (bt & BT_INDEX) this.popTypes(this.blockFuncType(bt).results);
    else if (bt != BT_EMPTY) this.popExpect(<u8>bt);
  }

  blockFuncType(bt: u32): FuncType {
    // SAFETY: type indices are checked against `types` before they are encoded.
    return unchecked(changetype<Array<FuncType>>(this.types)[bt & ~BT_INDEX]);
  }

  // Control stack

  /** Address of frame `i`; callers keep 0 <= i < depth (or == depth when pushing). */
  @inline frame(i: i32): usize { return this.ctrls + <usize>(i * FRAME_BYTES); }

  /** Opens a block whose parameters have been popped already; pushes them inside. */
  pushCtrl(opcode: u32, bt: u32): void {
    let d = this.depth;
    if (d >= this.ctrlCap && !this.growCtrls()) return;
    // SAFETY: d < ctrlCap: frame d is inside the ctrls block.
    let f = this.frame(d);
    store<u32>(f, opcode);
    store<u32>(f, bt, 4);
    store<u32>(f, <u32>this.height, 8);
    store<u32>(f, 0, 12);
    this.depth = d + 1;
    this.base = this.height;
    this.polymorphic = false;
    this.pushBlockParams(bt);
  }

  /** The function's own frame: its label is the results; its parameters are locals, not operands. */
  enterFunction(typeIndex: u32): void {
    this.pushCtrl(OP_BLOCK, BT_INDEX | typeIndex);
    this.height = 0;
    this.base = 0;
  }

  /** Closes the innermost block: its results must be exactly what is left. */
  popCtrl(): void {
    this.popBlockResults(this.topBlockType());
    if (this.height != this.base) this.mismatch();
    this.height = this.base;
    let d = this.depth - 1;
    this.depth = d;
    if (d > 0) {
      // SAFETY: frame d-1 exists.
      let f = this.frame(d - 1);
      this.base = <i32>load<u32>(f, 8);
      this.polymorphic = load<u32>(f, 12) != 0;
    } else {
      this.base = 0;
      this.polymorphic = false;
    }
  }

  // SAFETY (both): depth >= 1 while instructions are checked.
  topOpcode(): u32 { return load<u32>(this.frame(this.depth - 1)); }
  topBlockType(): u32 { return load<u32>(this.frame(this.depth - 1), 4); }

  /** Frame of branch target `label`, or -1 after reporting "unknown label". */
  labelFrame(label: u32): i32 {
    if (label >= <u32>this.depth) { this.error(unknownIndex(E_UNKNOWN_LABEL, label)); return -1; }
    return this.depth - 1 - <i32>label;
  }

  /** Types a branch to frame `i` carries: a loop's parameters, else the results. */
  labelArity(i: i32): i32 {
    let f = this.frame(i);
    let bt = load<u32>(f, 4);
    let isLoop = load<u32>(f) == OP_LOOP;
    if (bt & BT_INDEX) {
      let ft = this.blockFuncType(bt);
      return isLoop ? ft.params.length : ft.results.length;
    }
    return isLoop || bt == BT_EMPTY ? 0 : 1;
  }

  /** Type `k` of the label of frame `i` (0 <= k < labelArity(i)). */
  labelType(i: i32, k: i32): u8 {
    let f = this.frame(i);
    let bt = load<u32>(f, 4);
    if (bt & BT_INDEX) {
      let ft = this.blockFuncType(bt);
      return load<u32>(f) == OP_LOOP ? ft.params[k] : ft.results[k];
    }
    return <u8>bt;
  }

  popLabel(i: i32): void {
    for (let k = this.labelArity(i) - 1; k >= 0; k--) this.popExpect(this.labelType(i, k));
  }

  pushLabel(i: i32): void {
    for (let k = 0, n = this.labelArity(i); k < n; k++) this.push(this.labelType(i, k));
  }

  /** Checks, without popping, that the top of the stack fits the label of frame `i`. */
  peekLabel(i: i32): void {
    let n = this.labelArity(i);
    for (let k = 0; k < n; k++) {
      let actual = this.peek(k);
      if (actual != this.labelType(i, n - 1 - k) && actual != UNKNOWN) this.mismatch();
    }
  }

  /** The operand types from the bottom of the function's stack: for checkpoints. */
  snapshot(): StaticArray<u8> {
    let out = new StaticArray<u8>(this.height);
    memory.copy(changetype<usize>(out), this.vals, <usize>this.height);
    return out;
  }

  private growVals(): bool {
    if (this.valCap >= MAX_OPERANDS) return this.limit(E_TOO_MANY_OPERANDS);
    this.valCap *= 2;
    this.vals = heap.realloc(this.vals, <usize>this.valCap);
    return true;
  }

  private growCtrls(): bool {
    if (this.ctrlCap >= MAX_BLOCK_DEPTH) return this.limit(E_BLOCKS_TOO_DEEP);
    this.ctrlCap *= 2;
    this.ctrls = heap.realloc(this.ctrls, <usize>(this.ctrlCap * FRAME_BYTES));
    return true;
  }

  private limit(message: string): bool {
    if (!this.failed) this.limitHit = true;
    this.error(message);
    return false;
  }
}
