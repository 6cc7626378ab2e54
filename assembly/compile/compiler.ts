import { Reader } from "../binary/reader";
import { Code, FuncType, Module, ValType } from "../module/types";
import { FuncInst, ModuleInst } from "../runtime/store";
import { Emitter } from "./emitter";
import { fusedBranch, numericArity, numericHasImm, numericIrOp, numericOp } from "./numeric";
import { Op } from "./ops";
import { Ctrl, CtrlKind, OperandStack, SlotKind } from "./stacks";

/**
 * Compiles one validated function body to IR (see ops.ts), in one pass.
 *
 * Every local and every operand-stack position has a fixed 8-byte slot in the
 * frame: wasm operand height h lives at slot (locals + h). `local.get` and
 * constants are not copied at once: they stay "virtual" on the compile-time
 * operand stack so that the next instruction can read the local or take the
 * constant as an immediate. Before any instruction is emitted, every virtual
 * entry it does not consume is materialized, so at every IR instruction
 * boundary the frame holds exactly the wasm operand stack: a guest can be
 * paused and checkpointed at any of them.
 *
 * The body was validated, so the compiler trusts types and indices.
 */
/** Marks an offset-map entry of an operand copy (not a resume point). */
export const PREPARE: u32 = 0x80000000;

export class Compiler {
  private e: Emitter = new Emitter();
  private s: OperandStack = new OperandStack();
  private ctrls: Array<Ctrl> = [];
  private depth: i32 = 0;
  private r: Reader = new Reader(0, 0);
  private m: Module = changetype<Module>(0);
  private inst: ModuleInst = changetype<ModuleInst>(0);
  private localCount: u32 = 0;
  /** Nesting of blocks inside unreachable code, which emits nothing. */
  private deadDepth: i32 = 0;
  /**
   * Wasm offset the instruction emitted for the current wasm instruction is
   * mapped to. Each wasm instruction compiles to at most one such
   * instruction, preceded by operand copies marked PREPARE in the map.
   */
  private opStart: u32 = 0;
  /** Wasm offset of the instruction being compiled. */
  private instrStart: u32 = 0;
  /** Pairs (wasm offset of a call instruction, IR position after its Call). */
  private callSites: Array<u32> = [];
  /** Virtual operands at the start of the current wasm instruction (see recordPending). */
  private pendingAt: Array<u32> = [];
  private pendingKind: Array<u8> = [];
  private pendingValue: Array<i64> = [];
  private pendingCount: u32 = 0;
  /** Records of recordPending: IR position, count, then (stack index, kind, value lo, value hi). */
  private pending: Array<u32> = [];

  compile(f: FuncInst): void {
    let inst = <ModuleInst>f.instance;
    let m = inst.module;
    let code: Code = m.codes[f.funcIndex - m.importedFuncs];
    this.m = m;
    this.inst = inst;
    let params = f.type.params.length;
    this.localCount = <u32>(params + code.locals.length);
    this.e.reset();
    this.callSites.length = 0;
    this.pending.length = 0;
    this.pendingCount = 0;
    this.s.reset(this.localCount);
    this.depth = 0;
    this.deadDepth = 0;
    this.r = new Reader(m.bytes, m.bytes + m.length);
    this.r.pos = m.bytes + code.start;
    this.r.end = m.bytes + code.end;
    this.pushCtrl(CtrlKind.Func, 0, 0, <u32>f.type.results.length, 0);
    while (this.depth > 0) this.instruction();
    f.code = this.e.finish();
    f.paramBytes = <u32>params << 3;
    f.localBytes = this.localCount << 3;
    f.frameBytes = (this.localCount + this.s.maxHeight + 1) << 3;
    f.resultCount = <u32>f.type.results.length;
    f.offsetMap = this.e.map.slice(0);
    f.callSites = this.callSites.slice(0);
    f.pendingOperands = this.pending.slice(0);
  }

  // ---- control frames ----

  private pushCtrl(kind: u8, height: u32, params: u32, results: u32, at: u32): Ctrl {
    if (this.depth == this.ctrls.length) this.ctrls.push(new Ctrl());
    let c = this.ctrls[this.depth++];
    c.kind = kind;
    c.height = height;
    c.params = params;
    c.results = results;
    c.loopPos = at;
    c.elseFixup = -1;
    c.unreachable = false;
    c.fixups.length = 0;
    return c;
  }

  private ctrl(label: u32): Ctrl { return this.ctrls[this.depth - 1 - <i32>label]; }

  private markUnreachable(): void {
    let c = this.ctrls[this.depth - 1];
    c.unreachable = true;
    this.s.truncate(c.height);
  }

  private blockType(): FuncType | null {
    let r = this.r;
    let b = <u32>load<u8>(r.pos);
    if (b == 0x40) { r.pos++; return null; }
    if (b >= 0x6f) {
      r.pos++;
      let results = new StaticArray<u8>(1);
      results[0] = <u8>b;
      return new FuncType(new StaticArray<u8>(0), results);
    }
    return this.m.types[<i32>r.s33()];
  }

  // ---- operands ----

  /** Slot offset holding the value of entry i, materializing a constant if needed. */
  private src(i: u32): u32 {
    let s = this.s;
    if (s.kind(i) == SlotKind.Const) this.materializeOne(i);
    return s.source(i);
  }

  private materializeOne(i: u32): void {
    let s = this.s;
    let slot = s.slot(i);
    let k = s.kind(i);
    if (k == SlotKind.Slot) return;
    // Copies that only prepare the instruction's operands are marked in the
    // offset map: a checkpoint never stops between them (see persist.ts).
    let at = this.instrStart | PREPARE;
    if (k == SlotKind.Local) {
      this.e.op(Op.Copy, at);
      this.e.word(slot);
      this.e.word(s.source(i));
    } else {
      let v = s.constant(i);
      if (v == <i64><i32>v) {
        this.e.op(Op.Const32, at);
        this.e.word(slot);
        this.e.word(<u32>v);
      } else {
        this.e.op(Op.Const64, at);
        this.e.word(slot);
        this.e.word(<u32>v);
        this.e.word(<u32>(v >>> 32));
      }
    }
    s.setSlot(i);
  }

  /** Materializes every virtual entry except the top `keep`. */
  private flush(keep: u32): void {
    let s = this.s;
    let end = s.height - keep;
    for (let i = s.firstVirtual; i < end; i++) this.materializeOne(i);
    if (s.firstVirtual < end) s.firstVirtual = end;
  }

  private pushResult(): u32 {
    let s = this.s;
    let slot = s.slot(s.height);
    s.pushWritten();
    return slot;
  }

  // ---- instructions ----

  private instruction(): void {
    let len = this.e.len;
    this.dispatch();
    this.recordPending(len);
  }

  /**
   * Operands still virtual when a wasm instruction starts live in locals or
   * constants, not in their slots, up to the IR instruction that implements
   * it. Records them beside that instruction, so a checkpoint taken there
   * reads each operand's value from where it really is.
   */
  private recordPending(emittedFrom: u32): void {
    let s = this.s;
    let main = this.e.lastMain;
    if (main < <i32>emittedFrom || this.pendingCount == 0) return;
    let p = this.pending;
    p.push(<u32>main);
    p.push(this.pendingCount);
    for (let i: u32 = 0; i < this.pendingCount; i++) {
      let k = this.pendingAt[i];
      p.push(k);
      p.push(<u32>this.pendingKind[i]);
      p.push(<u32>this.pendingValue[i]);
      p.push(<u32>(this.pendingValue[i] >>> 32));
    }
  }

  private notePending(): void {
    let s = this.s;
    let n: u32 = 0;
    for (let i = s.firstVirtual; i < s.height; i++) {
      let k = s.kind(i);
      if (k == SlotKind.Slot) continue;
      if (n == <u32>this.pendingAt.length) { this.pendingAt.push(0); this.pendingKind.push(0); this.pendingValue.push(0); }
      this.pendingAt[n] = i;
      this.pendingKind[n] = k;
      this.pendingValue[n] = k == SlotKind.Local ? <i64>s.source(i) : s.constant(i);
      n++;
    }
    this.pendingCount = n;
  }

  private dispatch(): void {
    let r = this.r;
    this.instrStart = <u32>(r.pos - r.base);
    this.opStart = this.instrStart;
    this.notePending();
    let op = r.u8();
    if (this.ctrls[this.depth - 1].unreachable) { this.deadInstruction(op); return; }
    if (op >= 0x45 && op <= 0xc4) { this.numeric(op); return; }
    if (op >= 0x28 && op <= 0x3e) { this.memoryAccess(op); return; }
    switch (op) {
      case 0x00: this.e.op(Op.Unreachable, this.opStart); this.markUnreachable(); return;
      case 0x01: return;
      case 0x02: this.block(CtrlKind.Block); return;
      case 0x03: this.block(CtrlKind.Loop); return;
      case 0x04: this.ifBlock(); return;
      case 0x05: this.elseBlock(); return;
      case 0x0b: this.end(); return;
      case 0x0c: this.br(r.u32()); return;
      case 0x0d: this.brIf(r.u32()); return;
      case 0x0e: this.brTable(); return;
      case 0x0f: this.ret(); return;
      case 0x10: this.call(r.u32()); return;
      case 0x11: this.callIndirect(r.u32(), r.u32()); return;
      case 0x1a: this.s.pop(1); return;
      case 0x1b: this.select(); return;
      case 0x1c: { let n = r.u32(); r.pos += n; this.select(); return; }
      case 0x20: this.s.pushLocal(this.localSlot(r.u32())); return;
      case 0x21: this.localSet(r.u32(), false); return;
      case 0x22: this.localSet(r.u32(), true); return;
      case 0x23: this.globalGet(r.u32()); return;
      case 0x24: this.globalSet(r.u32()); return;
      case 0x25: this.tableGet(r.u32()); return;
      case 0x26: this.tableSet(r.u32()); return;
      case 0x3f: r.u8(); this.flush(0); this.e.op(Op.MemorySize, this.opStart); this.e.dst(this.pushResult()); return;
      case 0x40: r.u8(); this.unary(Op.MemoryGrow); return;
      case 0x41: this.s.pushConst(<i64>r.i32()); return;
      case 0x42: this.s.pushConst(r.i64()); return;
      case 0x43: this.s.pushConst(<i64>r.f32bits()); return;
      case 0x44: this.s.pushConst(<i64>r.f64bits()); return;
      case 0xd0: r.u8(); this.s.pushConst(0); return;
      case 0xd1: this.unary(Op.RefIsNull); return;
      case 0xd2: this.s.pushConst(<i64>changetype<usize>(this.inst.funcs[r.u32()])); return;
      case 0xfc: this.prefixed(r.u32()); return;
    }
    abort("compiler: opcode passed validation but is unknown");
  }

  private localSlot(index: u32): u32 { return index << 3; }

  /** Skips code after br/return/unreachable up to the end of its block. */
  private deadInstruction(op: u32): void {
    let r = this.r;
    if (op == 0x02 || op == 0x03 || op == 0x04) { this.skipBlockType(); this.deadDepth++; return; }
    if (op == 0x0b) {
      if (this.deadDepth > 0) { this.deadDepth--; return; }
      this.end();
      return;
    }
    if (op == 0x05 && this.deadDepth == 0) { this.elseBlock(); return; }
    skipImmediates(r, op);
  }

  private skipBlockType(): void {
    let r = this.r;
    let b = <u32>load<u8>(r.pos);
    if (b == 0x40 || b >= 0x6f) r.pos++;
    else r.s33();
  }

  private block(kind: u8): void {
    let t = this.blockType();
    let params: u32 = t ? <u32>t.params.length : 0;
    let results: u32 = t ? <u32>t.results.length : 0;
    this.flush(0);
    let at = this.e.label();
    this.pushCtrl(kind, this.s.height - params, params, results, at);
  }

  /**
   * If the branch condition on top was just computed by an i32 compare,
   * rewrites that compare in place into a compare-and-branch and returns its
   * position, with the jump distance still to fill in at position + 12;
   * otherwise returns -1.
   */
  private fuseCompare(negate: bool): i32 {
    let e = this.e;
    let s = this.s;
    let top = s.height - 1;
    if (e.lastDst < 0 || s.lastWritten != <i32>top || e.lastOp < 0 || <u32>e.lastOp + 16 != e.len) return -1;
    let at = <u32>e.lastOp;
    let fused = fusedBranch(<Op>load<u32>(e.buf + at), negate);
    if (fused == Op.Count) return -1;
    // [compare dst a b] becomes [branch a b rel]: same size, same wasm offset.
    e.patch(at, <u32>fused);
    e.patch(at + 4, load<u32>(e.buf + at + 8));
    e.patch(at + 8, load<u32>(e.buf + at + 12));
    e.lastDst = -1;
    s.pop(1);
    return <i32>at;
  }

  private ifBlock(): void {
    let t = this.blockType();
    let params: u32 = t ? <u32>t.params.length : 0;
    let results: u32 = t ? <u32>t.results.length : 0;
    let fusedAt = this.fuseCompare(true);
    let at: u32;
    let fix: u32;
    if (fusedAt >= 0) {
      at = <u32>fusedAt;
      fix = at + 12;
    } else {
      this.flush(1);
      let cond = this.src(this.s.height - 1);
      this.s.pop(1);
      at = this.e.op(Op.BrIfEqz, this.opStart);
      this.e.word(cond);
      fix = this.e.len;
      this.e.word(0);
    }
    let c = this.pushCtrl(CtrlKind.If, this.s.height - params, params, results, 0);
    c.elseFixup = <i32>fix;
    c.elseOp = at;
  }

  private elseBlock(): void {
    let c = this.ctrls[this.depth - 1];
    if (!c.unreachable) {
      this.flush(0);
      let at = this.e.op(Op.Br, this.opStart);
      c.fixups.push(this.e.len);
      c.fixups.push(at);
      this.e.word(0);
    }
    let here = this.e.label();
    this.e.patch(<u32>c.elseFixup, here - c.elseOp);
    c.elseFixup = -1;
    c.kind = CtrlKind.Else;
    c.unreachable = false;
    this.s.truncate(c.height);
    for (let i: u32 = 0; i < c.params; i++) this.s.pushSlot();
  }

  private end(): void {
    let c = this.ctrls[this.depth - 1];
    if (!c.unreachable) this.flush(0);
    let here = this.e.label();
    for (let i = 0; i < c.fixups.length; i += 2) this.e.patch(c.fixups[i], here - c.fixups[i + 1]);
    if (c.elseFixup >= 0) this.e.patch(<u32>c.elseFixup, here - c.elseOp);
    this.s.truncate(c.height);
    for (let i: u32 = 0; i < c.results; i++) this.s.pushSlot();
    if (c.kind == CtrlKind.Func) {
      this.e.op(Op.Return, this.opStart);
      this.e.word(this.s.slot(0));
      this.e.word(c.results);
    }
    this.depth--;
  }

  private arity(c: Ctrl): u32 { return c.kind == CtrlKind.Loop ? c.params : c.results; }

  /**
   * Branches to `label` with its values on top of the stack: a return for
   * the function's label, a plain jump when the values are in place already,
   * otherwise one BrMove that moves them and jumps (one instruction, so a
   * pause can never fall between the move and the jump).
   */
  private branchTo(label: u32): void {
    let c = this.ctrl(label);
    let s = this.s;
    let e = this.e;
    if (c.kind == CtrlKind.Func) {
      e.op(Op.Return, this.opStart);
      e.word(s.slot(s.height - c.results));
      e.word(c.results);
      return;
    }
    let n = this.arity(c);
    let at: u32;
    if (this.inPlace(c, 0)) {
      at = e.op(Op.Br, this.opStart);
    } else {
      at = e.op(Op.BrMove, this.opStart);
      e.word(s.slot(c.height));
      e.word(s.slot(s.height - n));
      e.word(n);
    }
    this.target(c, at);
  }

  private br(label: u32): void {
    this.flush(0);
    this.branchTo(label);
    this.markUnreachable();
  }

  /** Whether the top `n` values (below `extra` more) already sit in the label's slots. */
  private inPlace(c: Ctrl, extra: u32): bool {
    let n = this.arity(c);
    let s = this.s;
    return n == 0 || s.slot(s.height - extra - n) == s.slot(c.height);
  }

  /** Writes a jump distance to `label` at the next word, for the instruction at `at`. */
  private target(c: Ctrl, at: u32): void {
    if (c.kind == CtrlKind.Loop) { this.e.word(c.loopPos - at); return; }
    // Blocks, ifs and the function's own label (its final Return) are ahead.
    c.fixups.push(this.e.len);
    c.fixups.push(at);
    this.e.word(0);
  }

  private brIf(label: u32): void {
    let c = this.ctrl(label);
    // A simple branch can fuse with the compare that computed its condition.
    if (this.inPlace(c, 1)) {
      let at = this.fuseCompare(false);
      if (at >= 0) {
        this.e.len = <u32>at + 12;
        this.target(c, <u32>at);
        return;
      }
    }
    this.flush(1);
    let cond = this.src(this.s.height - 1);
    this.s.pop(1);
    let s = this.s;
    let n = this.arity(c);
    if (this.inPlace(c, 0)) {
      let at = this.e.op(Op.BrIf, this.opStart);
      this.e.word(cond);
      this.target(c, at);
      return;
    }
    // One instruction tests, moves and jumps: a pause never splits them.
    let at = this.e.op(Op.BrIfMove, this.opStart);
    this.e.word(cond);
    this.e.word(s.slot(c.height));
    this.e.word(s.slot(s.height - n));
    this.e.word(n);
    this.target(c, at);
  }

  private brTable(): void {
    let r = this.r;
    let count = r.u32();
    let labels = new StaticArray<u32>(count + 1);
    for (let i: u32 = 0; i <= count; i++) labels[i] = r.u32();
    this.flush(1);
    let index = this.src(this.s.height - 1);
    this.s.pop(1);
    let s = this.s;
    // All targets take the same number of values, from the same slots.
    let n = this.arity(this.ctrl(labels[0]));
    let at = this.e.op(Op.BrTable, this.opStart);
    this.e.word(index);
    this.e.word(count);
    this.e.word(s.slot(s.height - n));
    this.e.word(n);
    for (let i: u32 = 0; i <= count; i++) {
      let c = this.ctrl(labels[i]);
      this.e.word(s.slot(c.height));
      this.target(c, at);
    }
    this.markUnreachable();
  }

  private ret(): void {
    this.flush(0);
    let c = this.ctrls[0];
    this.e.op(Op.Return, this.opStart);
    this.e.word(this.s.slot(this.s.height - c.results));
    this.e.word(c.results);
    this.markUnreachable();
  }

  private call(funcIndex: u32): void {
    let f = this.inst.funcs[funcIndex];
    let params = <u32>f.type.params.length;
    this.flush(0);
    this.e.op(Op.Call, this.opStart);
    this.e.word(<u32>changetype<usize>(f));
    this.e.word(this.s.slot(this.s.height - params));
    this.callSites.push(this.instrStart);
    this.callSites.push(this.e.len);
    this.s.pop(params);
    let results = f.type.results.length;
    for (let i = 0; i < results; i++) this.s.pushSlot();
  }

  private callIndirect(typeIndex: u32, tableIndex: u32): void {
    let t = this.m.types[typeIndex];
    let params = <u32>t.params.length;
    this.flush(1);
    let index = this.src(this.s.height - 1);
    this.s.pop(1);
    this.e.op(Op.CallIndirect, this.opStart);
    this.e.word(<u32>changetype<usize>(this.inst.tables[tableIndex]));
    this.e.word(this.inst.typeIds[typeIndex]);
    this.e.word(this.s.slot(this.s.height - params));
    this.e.word(index);
    this.callSites.push(this.instrStart);
    this.callSites.push(this.e.len);
    this.s.pop(params);
    for (let i = 0; i < t.results.length; i++) this.s.pushSlot();
  }

  private select(): void {
    let s = this.s;
    this.flush(3);
    let h = s.height;
    let a = this.src(h - 3), b = this.src(h - 2), cond = this.src(h - 1);
    s.pop(3);
    this.e.op(Op.Select, this.opStart);
    this.e.dst(this.pushResult());
    this.e.word(a);
    this.e.word(b);
    this.e.word(cond);
  }

  private localSet(index: u32, tee: bool): void {
    let s = this.s;
    let slot = this.localSlot(index);
    let top = s.height - 1;
    // The value was just computed into its stack slot: compute it into the local instead.
    if (s.kind(top) == SlotKind.Slot && this.e.lastDst >= 0 && s.lastWritten == top) {
      this.e.patch(<u32>this.e.lastDst, slot);
      this.e.lastDst = -1;
      s.pop(1);
      if (tee) s.pushLocal(slot);
      return;
    }
    this.flush(1);
    // local.tee leaves the value on the stack: give it its slot now, so no
    // virtual entry outlives the instruction that copied it.
    if (tee) this.materializeOne(top);
    let k = s.kind(top);
    if (k == SlotKind.Const) {
      let v = s.constant(top);
      this.e.op(v == <i64><i32>v ? Op.Const32 : Op.Const64, this.opStart);
      this.e.word(slot);
      this.e.word(<u32>v);
      if (v != <i64><i32>v) this.e.word(<u32>(v >>> 32));
    } else if (s.source(top) != slot) {
      this.e.op(Op.Copy, this.opStart);
      this.e.word(slot);
      this.e.word(s.source(top));
    }
    if (!tee) s.pop(1);
  }

  private globalGet(index: u32): void {
    this.flush(0);
    this.e.op(Op.GlobalGet, this.opStart);
    this.e.dst(this.pushResult());
    this.e.word(<u32>this.inst.globals[index].cell);
  }

  private globalSet(index: u32): void {
    this.flush(1);
    let v = this.src(this.s.height - 1);
    this.s.pop(1);
    this.e.op(Op.GlobalSet, this.opStart);
    this.e.word(<u32>this.inst.globals[index].cell);
    this.e.word(v);
  }

  private unary(op: Op): void {
    this.flush(1);
    let a = this.src(this.s.height - 1);
    this.s.pop(1);
    this.e.op(op, this.opStart);
    this.e.dst(this.pushResult());
    this.e.word(a);
  }

  private binary(op: Op, hasImm: bool): void {
    let s = this.s;
    this.flush(2);
    let h = s.height;
    if (hasImm && s.kind(h - 1) == SlotKind.Const) {
      let imm = <u32>s.constant(h - 1);
      let a = this.src(h - 2);
      s.pop(2);
      this.e.op(<Op>(<u32>op + 1), this.opStart);
      this.e.dst(this.pushResult());
      this.e.word(a);
      this.e.word(imm);
      return;
    }
    let a = this.src(h - 2), b = this.src(h - 1);
    s.pop(2);
    this.e.op(op, this.opStart);
    this.e.dst(this.pushResult());
    this.e.word(a);
    this.e.word(b);
  }

  private numeric(code: u32): void {
    let e = numericOp(code);
    if (numericArity(e) == 1) this.unary(numericIrOp(e));
    else this.binary(numericIrOp(e), numericHasImm(e));
  }

  private memoryAccess(code: u32): void {
    let r = this.r;
    r.u32(); // alignment: a hint only
    let offset = r.u32();
    let op = <Op>(<u32>Op.I32Load + code - 0x28);
    if (code <= 0x35) {
      this.flush(1);
      let addr = this.src(this.s.height - 1);
      this.s.pop(1);
      this.e.op(op, this.opStart);
      this.e.dst(this.pushResult());
      this.e.word(addr);
      this.e.word(offset);
      return;
    }
    this.flush(2);
    let h = this.s.height;
    let addr = this.src(h - 2), value = this.src(h - 1);
    this.s.pop(2);
    this.e.op(op, this.opStart);
    this.e.word(addr);
    this.e.word(value);
    this.e.word(offset);
  }

  /** An instruction with `n` operands and no result: op imm... operand... */
  private effect(op: Op, n: u32, imm0: u32, imm1: u32, imms: u32): void {
    this.flush(n);
    let h = this.s.height;
    let e = this.e;
    // Materialize constant operands before the instruction starts.
    for (let i: u32 = 0; i < n; i++) this.src(h - n + i);
    e.op(op, this.opStart);
    if (imms > 0) e.word(imm0);
    if (imms > 1) e.word(imm1);
    for (let i: u32 = 0; i < n; i++) e.word(this.s.source(h - n + i));
    this.s.pop(n);
  }

  /** Like effect, with one result: op dst imm... operand... */
  private withResult(op: Op, n: u32, imm0: u32, imms: u32): void {
    this.flush(n);
    let h = this.s.height;
    for (let i: u32 = 0; i < n; i++) this.src(h - n + i);
    let srcs = new StaticArray<u32>(n);
    for (let i: u32 = 0; i < n; i++) srcs[i] = this.s.source(h - n + i);
    this.s.pop(n);
    this.e.op(op, this.opStart);
    this.e.dst(this.pushResult());
    if (imms > 0) this.e.word(imm0);
    for (let i: u32 = 0; i < n; i++) this.e.word(srcs[i]);
  }

  private tablePtr(index: u32): u32 { return <u32>changetype<usize>(this.inst.tables[index]); }

  private tableGet(index: u32): void { this.withResult(Op.TableGet, 1, this.tablePtr(index), 1); }
  private tableSet(index: u32): void { this.effect(Op.TableSet, 2, this.tablePtr(index), 0, 1); }

  private prefixed(sub: u32): void {
    let r = this.r;
    if (sub <= 7) { this.unary(numericIrOp(numericOp(0xfc00 + sub))); return; }
    let inst = this.inst;
    switch (sub) {
      case 8: {
        let d = r.u32(); r.u8();
        this.effect(Op.MemoryInit, 3, <u32>changetype<usize>(inst.datas[d]), 0, 1);
        return;
      }
      case 9: this.effect(Op.DataDrop, 0, <u32>changetype<usize>(inst.datas[r.u32()]), 0, 1); return;
      case 10: r.u8(); r.u8(); this.effect(Op.MemoryCopy, 3, 0, 0, 0); return;
      case 11: r.u8(); this.effect(Op.MemoryFill, 3, 0, 0, 0); return;
      case 12: {
        let seg = r.u32(); let table = r.u32();
        this.effect(Op.TableInit, 3, this.tablePtr(table), <u32>changetype<usize>(inst.elems[seg]), 2);
        return;
      }
      case 13: this.effect(Op.ElemDrop, 0, <u32>changetype<usize>(inst.elems[r.u32()]), 0, 1); return;
      case 14: {
        let dst = r.u32(); let src = r.u32();
        this.effect(Op.TableCopy, 3, this.tablePtr(dst), this.tablePtr(src), 2);
        return;
      }
      case 15: this.withResult(Op.TableGrow, 2, this.tablePtr(r.u32()), 1); return;
      case 16: this.withResult(Op.TableSize, 0, this.tablePtr(r.u32()), 1); return;
      case 17: this.effect(Op.TableFill, 3, this.tablePtr(r.u32()), 0, 1); return;
    }
    abort("compiler: prefixed opcode passed validation but is unknown");
  }
}

/** Skips the immediates of an instruction in unreachable code. */
function skipImmediates(r: Reader, op: u32): void {
  if (op >= 0x28 && op <= 0x3e) { r.u32(); r.u32(); return; }
  switch (op) {
    case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
    case 0x25: case 0x26: case 0xd2: r.u32(); return;
    case 0x0e: { let n = r.u32(); for (let i: u32 = 0; i <= n; i++) r.u32(); return; }
    case 0x11: r.u32(); r.u32(); return;
    case 0x1c: { let n = r.u32(); r.pos += n; return; }
    case 0x3f: case 0x40: case 0xd0: r.u8(); return;
    case 0x41: r.i32(); return;
    case 0x42: r.i64(); return;
    case 0x43: r.pos += 4; return;
    case 0x44: r.pos += 8; return;
    case 0xfc: {
      let sub = r.u32();
      switch (sub) {
        case 8: r.u32(); r.u8(); return;
        case 9: case 13: case 15: case 16: case 17: r.u32(); return;
        case 10: r.u8(); r.u8(); return;
        case 11: r.u8(); return;
        case 12: case 14: r.u32(); r.u32(); return;
      }
      return;
    }
  }
}

export const compiler = new Compiler();

/** Compiles `f` if it has no code yet. */
export function ensureCompiled(f: FuncInst): void {
  if (f.code == 0) compiler.compile(f);
}
