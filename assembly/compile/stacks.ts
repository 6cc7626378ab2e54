/**
 * Compile-time stacks of the compiler: the operand stack, whose entries may be
 * virtual (a local or a constant not yet copied to its slot), and the control
 * frames of open blocks.
 */

export namespace SlotKind {
  export const Slot: u8 = 0; // the value is in its own stack slot
  export const Local: u8 = 1; // the value is the current value of a local
  export const Const: u8 = 2; // the value is a constant
}

export class OperandStack {
  private kinds: Array<u8> = [];
  private values: Array<i64> = [];
  height: u32 = 0;
  maxHeight: u32 = 0;
  /** Entries below this index are all in their slots. */
  firstVirtual: u32 = 0;
  /** Index of the entry the last emitted instruction wrote, if any. */
  lastWritten: i32 = -1;
  private base: u32 = 0;

  reset(localCount: u32): void {
    this.base = localCount;
    this.height = 0;
    this.maxHeight = 0;
    this.firstVirtual = 0;
    this.lastWritten = -1;
  }

  /** Slot byte offset of operand height i. */
  @inline slot(i: u32): u32 { return (this.base + i) << 3; }
  @inline kind(i: u32): u8 { return this.kinds[i]; }
  @inline constant(i: u32): i64 { return this.values[i]; }

  /** Slot byte offset the value of entry i can be read from (not for constants). */
  source(i: u32): u32 {
    return this.kinds[i] == SlotKind.Local ? <u32>this.values[i] : this.slot(i);
  }

  setSlot(i: u32): void { this.kinds[i] = SlotKind.Slot; }

  private push(kind: u8, value: i64): void {
    let h = this.height;
    if (h == <u32>this.kinds.length) { this.kinds.push(kind); this.values.push(value); }
    else { this.kinds[h] = kind; this.values[h] = value; }
    this.height = h + 1;
    if (this.height > this.maxHeight) this.maxHeight = this.height;
    if (kind != SlotKind.Slot && this.firstVirtual > h) this.firstVirtual = h;
  }

  pushSlot(): void { this.push(SlotKind.Slot, 0); }
  pushLocal(slot: u32): void { this.push(SlotKind.Local, <i64>slot); }
  pushConst(v: i64): void { this.push(SlotKind.Const, v); }

  /** Pushes the result of the instruction being emitted, remembering it wrote it. */
  pushWritten(): void {
    this.lastWritten = <i32>this.height;
    this.push(SlotKind.Slot, 0);
  }

  pop(n: u32): void { this.truncate(this.height - n); }

  truncate(h: u32): void {
    this.height = h;
    if (this.firstVirtual > h) this.firstVirtual = h;
    if (this.lastWritten >= <i32>h) this.lastWritten = -1;
  }
}

export namespace CtrlKind {
  export const Func: u8 = 0;
  export const Block: u8 = 1;
  export const Loop: u8 = 2;
  export const If: u8 = 3;
  export const Else: u8 = 4;
}

export class Ctrl {
  kind: u8 = 0;
  /** Operand height below the block's parameters. */
  height: u32 = 0;
  params: u32 = 0;
  results: u32 = 0;
  /** IR position of a loop's start. */
  loopPos: u32 = 0;
  /** Position of an `if`'s jump-to-else operand, -1 once bound. */
  elseFixup: i32 = -1;
  elseOp: u32 = 0;
  unreachable: bool = false;
  /** Forward jumps to the block's end: pairs (operand position, instruction position). */
  fixups: Array<u32> = [];
}
