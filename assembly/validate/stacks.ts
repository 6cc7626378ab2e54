/**
 * The typing state of one function body, as in the validation algorithm of
 * the spec's appendix: an operand stack of value types and a control stack of
 * open blocks (opcode, block type, operand height at entry, unreachable flag).
 * It checks that pops find the expected types, that blocks end with their
 * result types and nothing else, and that branches carry their label's types.
 * Buffers grow by doubling and are reused across bodies: checking one
 * instruction does not allocate. The first error is kept (sticky).
 */
import { FuncType } from "../module/types";
import { E_TYPE_MISMATCH, E_UNKNOWN_LABEL, unknownIndex } from "./messages";

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

// A control frame takes FRAME_SLOTS u32s: opcode, block type, height, unreachable.
const FRAME_SLOTS: i32 = 4;

export class TypeStacks {
  vals: StaticArray<u8> = new StaticArray<u8>(256);
  height: i32 = 0;
  ctrls: StaticArray<u32> = new StaticArray<u32>(64 * FRAME_SLOTS);
  depth: i32 = 0;
  /** Height and unreachable flag of the innermost frame, cached for pops. */
  base: i32 = 0;
  polymorphic: bool = false;

  types: Array<FuncType> = [];
  failed: bool = false;
  message: string = "";
  /** Module offset of the instruction being checked, and of the first error. */
  at: u32 = 0;
  errorAt: u32 = 0;

  reset(types: Array<FuncType>): void {
    this.types = types;
    this.height = 0;
    this.depth = 0;
    this.base = 0;
    this.polymorphic = false;
    this.failed = false;
    this.message = "";
    this.errorAt = 0;
  }

  error(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.message = message;
    this.errorAt = this.at;
  }

  // Operand stack

  @inline push(t: u8): void {
    let h = this.height;
    if (h >= this.vals.length) this.growVals(); // rare: keeps the common path small
    // SAFETY: growVals made h < vals.length.
    unchecked(this.vals[h] = t);
    this.height = h + 1;
  }

  /** Pops any value; UNKNOWN on the polymorphic stack, an error on underflow. */
  @inline pop(): u8 {
    let h = this.height;
    if (h == this.base) {
      if (!this.polymorphic) this.error(E_TYPE_MISMATCH);
      return UNKNOWN;
    }
    this.height = --h;
    // SAFETY: base <= h < previous height <= vals.length.
    return unchecked(this.vals[h]);
  }

  /** Pops a value that must have type `t` (UNKNOWN matches anything). */
  @inline popExpect(t: u8): u8 {
    let actual = this.pop();
    if (actual != t && actual != UNKNOWN && t != UNKNOWN) this.error(E_TYPE_MISMATCH);
    return actual == UNKNOWN ? t : actual;
  }

  /** The type `i` values below the top, without popping; UNKNOWN below a polymorphic base. */
  peek(i: i32): u8 {
    let at = this.height - 1 - i;
    if (at < this.base) {
      if (!this.polymorphic) this.error(E_TYPE_MISMATCH);
      return UNKNOWN;
    }
    // SAFETY: base <= at < height <= vals.length.
    return unchecked(this.vals[at]);
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
    unchecked(this.ctrls[(this.depth - 1) * FRAME_SLOTS + 3] = 1);
  }

  // Block types

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

  @inline blockFuncType(bt: u32): FuncType {
    // SAFETY: type indices are checked against `types` before they are encoded.
    return unchecked(this.types[bt & ~BT_INDEX]);
  }

  // Control stack

  /** Opens a block whose parameters have been popped already; pushes them inside. */
  pushCtrl(opcode: u32, bt: u32): void {
    let d = this.depth;
    if ((d + 1) * FRAME_SLOTS > this.ctrls.length) this.growCtrls();
    let f = d * FRAME_SLOTS;
    // SAFETY: growCtrls made room for frame d.
    unchecked(this.ctrls[f] = opcode);
    unchecked(this.ctrls[f + 1] = bt);
    unchecked(this.ctrls[f + 2] = <u32>this.height);
    unchecked(this.ctrls[f + 3] = 0);
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
    if (this.height != this.base) this.error(E_TYPE_MISMATCH);
    this.height = this.base;
    let d = this.depth - 1;
    this.depth = d;
    if (d > 0) {
      let f = (d - 1) * FRAME_SLOTS;
      // SAFETY: frame d-1 exists.
      this.base = <i32>unchecked(this.ctrls[f + 2]);
      this.polymorphic = unchecked(this.ctrls[f + 3]) != 0;
    } else {
      this.base = 0;
      this.polymorphic = false;
    }
  }

  topOpcode(): u32 { return unchecked(this.ctrls[(this.depth - 1) * FRAME_SLOTS]); }
  topBlockType(): u32 { return unchecked(this.ctrls[(this.depth - 1) * FRAME_SLOTS + 1]); }

  /** Frame slot of branch target `label`, or -1 after reporting "unknown label". */
  labelFrame(label: u32): i32 {
    if (label >= <u32>this.depth) { this.error(unknownIndex(E_UNKNOWN_LABEL, label)); return -1; }
    return (this.depth - 1 - <i32>label) * FRAME_SLOTS;
  }

  /** Types a branch to the frame at `f` carries: a loop's parameters, else the results. */
  labelArity(f: i32): i32 {
    let bt = unchecked(this.ctrls[f + 1]);
    let isLoop = unchecked(this.ctrls[f]) == OP_LOOP;
    if (bt & BT_INDEX) {
      let ft = this.blockFuncType(bt);
      return isLoop ? ft.params.length : ft.results.length;
    }
    return isLoop || bt == BT_EMPTY ? 0 : 1;
  }

  /** Type `i` of the label of frame `f` (0 <= i < labelArity(f)). */
  labelType(f: i32, i: i32): u8 {
    let bt = unchecked(this.ctrls[f + 1]);
    if (bt & BT_INDEX) {
      let ft = this.blockFuncType(bt);
      return unchecked(this.ctrls[f]) == OP_LOOP ? unchecked(ft.params[i]) : unchecked(ft.results[i]);
    }
    return <u8>bt;
  }

  popLabel(f: i32): void {
    for (let i = this.labelArity(f) - 1; i >= 0; i--) this.popExpect(this.labelType(f, i));
  }

  pushLabel(f: i32): void {
    for (let i = 0, n = this.labelArity(f); i < n; i++) this.push(this.labelType(f, i));
  }

  /** Checks, without popping, that the top of the stack fits the label of frame `f`. */
  peekLabel(f: i32): void {
    let n = this.labelArity(f);
    for (let i = 0; i < n; i++) {
      let actual = this.peek(i);
      let expected = this.labelType(f, n - 1 - i);
      if (actual != expected && actual != UNKNOWN) this.error(E_TYPE_MISMATCH);
    }
  }

  /** The operand types from the bottom of the function's stack: for checkpoints. */
  snapshot(): StaticArray<u8> {
    let out = new StaticArray<u8>(this.height);
    memory.copy(changetype<usize>(out), changetype<usize>(this.vals), <usize>this.height);
    return out;
  }

  private growVals(): void {
    let next = new StaticArray<u8>(this.vals.length * 2);
    memory.copy(changetype<usize>(next), changetype<usize>(this.vals), <usize>this.height);
    this.vals = next;
  }

  private growCtrls(): void {
    let next = new StaticArray<u32>(this.ctrls.length * 2);
    memory.copy(changetype<usize>(next), changetype<usize>(this.ctrls), <usize>this.depth * FRAME_SLOTS * 4);
    this.ctrls = next;
  }
}
