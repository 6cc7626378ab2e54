import { Op } from "./ops";

/**
 * A growable buffer of IR words, with the offset map: for every instruction,
 * the pair (IR byte position, wasm bytecode offset of the first wasm
 * instruction it implements). Checkpoints translate positions through it.
 */
export class Emitter {
  buf: usize;
  cap: u32 = 1024;
  len: u32 = 0;
  map: Array<u32> = [];
  /** Byte position of the dst word of the last instruction, or -1 if it cannot be retargeted. */
  lastDst: i32 = -1;
  /** Start of the last instruction, or -1 after a label (it may then not be rewritten). */
  lastOp: i32 = -1;
  /** Start of the last instruction that is not an operand copy (see PREPARE). */
  lastMain: i32 = -1;

  constructor() { this.buf = heap.alloc(this.cap); }

  reset(): void {
    this.len = 0;
    this.map.length = 0;
    this.lastDst = -1;
    this.lastOp = -1;
    this.lastMain = -1;
  }

  /** Starts an instruction implementing wasm code from `wasmOffset`; returns its position. */
  op(op: Op, wasmOffset: u32): u32 {
    let at = this.len;
    this.map.push(at);
    this.map.push(wasmOffset);
    this.lastDst = -1;
    this.lastOp = <i32>at;
    if ((wasmOffset & 0x80000000) == 0) this.lastMain = <i32>at;
    this.word(<u32>op);
    return at;
  }

  word(x: u32): void {
    if (this.len + 4 > this.cap) this.grow();
    // SAFETY: grow() ensured len + 4 <= cap.
    store<u32>(this.buf + this.len, x);
    this.len += 4;
  }

  /** A dst operand that a following local.set may retarget. */
  dst(slot: u32): void {
    this.lastDst = <i32>this.len;
    this.word(slot);
  }

  patch(pos: u32, x: u32): void {
    // SAFETY: pos was returned by a previous write, so pos + 4 <= len.
    store<u32>(this.buf + pos, x);
  }

  /** Marks a jump target here: no later instruction may retarget an earlier one. */
  label(): u32 {
    this.lastDst = -1;
    this.lastOp = -1;
    return this.len;
  }

  private grow(): void {
    let cap = this.cap << 1;
    let buf = heap.alloc(cap);
    memory.copy(buf, this.buf, this.len);
    heap.free(this.buf);
    this.buf = buf;
    this.cap = cap;
  }

  /** Copies the code to its final place; the emitter can then be reused. */
  finish(): usize {
    let code = heap.alloc(this.len);
    memory.copy(code, this.buf, this.len);
    return code;
  }
}
