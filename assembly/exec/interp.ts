import { Trap, failTrap } from "../errors";
import { Op } from "../compile/ops";
import { ensureCompiled } from "../compile/compiler";
import { FuncInst, FuncKind, MemInst, TableInst, DataInst, ElemInst } from "../runtime/store";
import { DIRTY_TRACKING, dirtyMark, growMemory } from "../runtime/memory";
import { RunStatus, thread, FRAME_BYTES } from "./thread";
import { memoryCopy, memoryFill, memoryInit, tableCopy, tableFill, tableGrow, tableInit } from "./bulk";
import { numericTrap, takeNumericTrap,
  truncI32F32S, truncI32F32U, truncI32F64S, truncI32F64U, truncI64F32S, truncI64F32U, truncI64F64S, truncI64F64U,
  satI32F32S, satI32F32U, satI32F64S, satI32F64U, satI64F32S, satI64F32U, satI64F64S, satI64F64U } from "./convert";
import { wasiCall, WasiResult } from "../wasi/dispatch";
import { vmmCall } from "../runtime/feature-query";
import { funcCode, funcFrameBytes, funcKind, funcLocalBytes, funcMemory, funcParamBytes, funcTypeId,
  memBase as memBaseOf, memByteLength, memDirty, tableElements, tableSize } from "./fields";

/**
 * The dispatch loop. One function, one switch, hot state in locals: ip (the
 * current instruction), fp (the frame's slot 0), fuel, and the current
 * memory's base, size and dirty map. Instruction layouts are in compile/ops.ts.
 *
 * SAFETY (applies to every raw load/store below): slot offsets come from the
 * compiler and stay inside the frame, whose size was checked against the
 * value stack on entry; guest memory accesses are checked against the
 * memory's current size before they happen; table accesses against the
 * table's size.
 */
export function run(fuelLimit: i64): i32 {
  let t = thread;
  if (!t.active) return RunStatus.Idle;
  let ip = t.ip;
  let fp = t.fp;
  let frames = t.frames;
  let func = changetype<usize>(t.func);
  let fuel = fuelLimit;
  let trap: Trap = Trap.None;
  let trapDetail: i64 = -1; // an index the trap message names, as the spec's does

  let curMem: usize = 0;
  let memBase: usize = 0;
  let memSize: u64 = 0;
  let dirty: usize = 0;
  // The value stores write into the dirty map; it changes only between runs (memory.ts).
  let mark = dirtyMark;
  let stackEnd = t.stackEnd;
  let frameLimit = t.frameLimit;
  {
    let mp = funcMemory(func);
    curMem = mp;
    if (mp != 0) { memBase = memBaseOf(mp); memSize = memByteLength(mp); dirty = memDirty(mp); }
  }

  while (true) {
    if (--fuel < 0) {
      t.ip = ip; t.fp = fp; t.frames = frames; t.func = changetype<FuncInst>(func);
      t.fuelUsed += <u64>fuelLimit;
      return RunStatus.OutOfFuel;
    }
    switch (load<u32>(ip)) {
      case Op.Unreachable: { trap = Trap.Unreachable; break; }
      case Op.Copy: { store<u64>(fp + load<u32>(ip, 4), load<u64>(fp + load<u32>(ip, 8))); ip += 12; continue; }
      case Op.BrMove: { memory.copy(fp + load<u32>(ip, 4), fp + load<u32>(ip, 8), <usize>load<u32>(ip, 12) << 3); ip += load<i32>(ip, 16); continue; }
      case Op.Const32: { store<i64>(fp + load<u32>(ip, 4), <i64>load<i32>(ip, 8)); ip += 12; continue; }
      case Op.Const64: { store<u64>(fp + load<u32>(ip, 4), load<u64>(ip, 8)); ip += 16; continue; }
      case Op.Br: { ip += load<i32>(ip, 4); continue; }
      case Op.BrIf: { if (load<i32>(fp + load<u32>(ip, 4)) != 0) ip += load<i32>(ip, 8); else ip += 12; continue; }
      case Op.BrIfEqz: { if (load<i32>(fp + load<u32>(ip, 4)) == 0) ip += load<i32>(ip, 8); else ip += 12; continue; }
      case Op.BrTable: {
        let i = load<u32>(fp + load<u32>(ip, 4));
        let count = load<u32>(ip, 8);
        if (i > count) i = count;
        let entry = ip + 20 + (<usize>i << 3);
        let src = load<u32>(ip, 12);
        let dst = load<u32>(entry);
        if (dst != src) memory.copy(fp + dst, fp + src, <usize>load<u32>(ip, 16) << 3);
        ip += load<i32>(entry, 4);
        continue;
      }
      case Op.BrIfMove: {
        if (load<i32>(fp + load<u32>(ip, 4)) == 0) { ip += 24; continue; }
        memory.copy(fp + load<u32>(ip, 8), fp + load<u32>(ip, 12), <usize>load<u32>(ip, 16) << 3);
        ip += load<i32>(ip, 20);
        continue;
      }
      case Op.Return: {
        let src = load<u32>(ip, 4);
        let n = load<u32>(ip, 8);
        if (src != 0) {
          if (n == 1) store<u64>(fp, load<u64>(fp + src));
          else if (n != 0) memory.copy(fp, fp + src, <usize>n << 3);
        }
        frames -= FRAME_BYTES;
        ip = load<usize>(frames);
        fp = load<usize>(frames, 4);
        func = load<usize>(frames, 8);
        if (ip == 0) {
          t.active = false;
          t.ip = 0; t.fp = fp; t.frames = frames; t.func = changetype<FuncInst>(func);
          t.fuelUsed += <u64>(fuelLimit - fuel);
          return RunStatus.Finished;
        }
        // The callee may have grown a memory shared with the caller: reload.
        let mp = funcMemory(func);
        curMem = mp;
        if (mp != 0) { memBase = memBaseOf(mp); memSize = memByteLength(mp); dirty = memDirty(mp); }
        continue;
      }
      case Op.Call:
      case Op.CallIndirect: {
        let f: usize;
        let newFp: usize;
        let next: usize;
        if (load<u32>(ip) == Op.Call) {
          f = load<usize>(ip, 4);
          newFp = fp + load<u32>(ip, 8);
          next = ip + 12;
        } else {
          let table = load<usize>(ip, 4);
          let index = load<u32>(fp + load<u32>(ip, 16));
          if (index >= tableSize(table)) { trap = Trap.UndefinedElement; break; }
          f = <usize>load<u32>(tableElements(table) + (<usize>index << 2));
          if (f == 0) { trap = Trap.UninitializedElement; trapDetail = index; break; }
          if (funcTypeId(f) != load<u32>(ip, 8)) { trap = Trap.IndirectCallTypeMismatch; break; }
          newFp = fp + load<u32>(ip, 12);
          next = ip + 20;
        }
        let kind = funcKind(f);
        // The feature query answers in place: nothing to suspend, nothing for a checkpoint to see.
        if (kind == FuncKind.Vmm) { vmmCall(changetype<FuncInst>(f).hostId, newFp); ip = next; continue; }
        if (kind != FuncKind.Wasm) {
          t.fp = fp; t.frames = frames; t.func = changetype<FuncInst>(func);
          if (kind == FuncKind.Wasi) {
            let r = wasiCall(changetype<FuncInst>(f).hostId, newFp, changetype<MemInst>(funcMemory(f)));
            if (r == WasiResult.Done) { ip = next; continue; }
            // Blocked: the call runs again on the next slice. Exit: it never returns.
            t.ip = r == WasiResult.Blocked ? ip : next;
            t.fuelUsed += <u64>(fuelLimit - fuel);
            if (r == WasiResult.Exit) { t.active = false; return RunStatus.Exit; }
            return RunStatus.Blocked;
          }
          t.ip = next;
          t.hostFunc = changetype<FuncInst>(f);
          t.hostArgs = newFp;
          t.fuelUsed += <u64>(fuelLimit - fuel);
          return RunStatus.HostCall;
        }
        if (funcCode(f) == 0) ensureCompiled(changetype<FuncInst>(f));
        if (frames >= frameLimit || newFp + funcFrameBytes(f) > stackEnd) { trap = Trap.CallStackExhausted; break; }
        store<usize>(frames, next);
        store<usize>(frames, fp, 4);
        store<usize>(frames, func, 8);
        frames += FRAME_BYTES;
        let params = funcParamBytes(f);
        memory.fill(newFp + params, 0, funcLocalBytes(f) - params);
        fp = newFp;
        func = f;
        ip = funcCode(f);
        let mp = funcMemory(f);
        if (mp != curMem) {
          curMem = mp;
          if (mp != 0) { memBase = memBaseOf(mp); memSize = memByteLength(mp); dirty = memDirty(mp); }
        }
        continue;
      }
      case Op.Select: {
        let c = load<i32>(fp + load<u32>(ip, 16));
        store<u64>(fp + load<u32>(ip, 4), load<u64>(fp + (c != 0 ? load<u32>(ip, 8) : load<u32>(ip, 12))));
        ip += 20;
        continue;
      }
      case Op.GlobalGet: { store<u64>(fp + load<u32>(ip, 4), load<u64>(load<usize>(ip, 8))); ip += 12; continue; }
      case Op.GlobalSet: { store<u64>(load<usize>(ip, 4), load<u64>(fp + load<u32>(ip, 8))); ip += 12; continue; }
      case Op.MemorySize: { store<i32>(fp + load<u32>(ip, 4), <i32>(memSize >> 16)); ip += 8; continue; }
      case Op.MemoryGrow: {
        let m = changetype<MemInst>(curMem);
        store<i32>(fp + load<u32>(ip, 4), growMemory(m, load<u32>(fp + load<u32>(ip, 8))));
        memSize = m.byteLength;
        ip += 12;
        continue;
      }
      case Op.MemoryFill: {
        trap = memoryFill(changetype<MemInst>(curMem), load<u32>(fp + load<u32>(ip, 4)), load<u32>(fp + load<u32>(ip, 8)), load<u32>(fp + load<u32>(ip, 12)));
        if (trap != Trap.None) break;
        ip += 16;
        continue;
      }
      case Op.MemoryCopy: {
        trap = memoryCopy(changetype<MemInst>(curMem), load<u32>(fp + load<u32>(ip, 4)), load<u32>(fp + load<u32>(ip, 8)), load<u32>(fp + load<u32>(ip, 12)));
        if (trap != Trap.None) break;
        ip += 16;
        continue;
      }
      case Op.MemoryInit: {
        trap = memoryInit(changetype<MemInst>(curMem), changetype<DataInst>(load<usize>(ip, 4)),
          load<u32>(fp + load<u32>(ip, 8)), load<u32>(fp + load<u32>(ip, 12)), load<u32>(fp + load<u32>(ip, 16)));
        if (trap != Trap.None) break;
        ip += 20;
        continue;
      }
      case Op.DataDrop: { changetype<DataInst>(load<usize>(ip, 4)).length = 0; ip += 8; continue; }
      case Op.TableGet: {
        let table = changetype<TableInst>(load<usize>(ip, 8));
        let i = load<u32>(fp + load<u32>(ip, 12));
        if (i >= table.size) { trap = Trap.OutOfBoundsTable; break; }
        store<u64>(fp + load<u32>(ip, 4), <u64>load<u32>(table.elements + (<usize>i << 2)));
        ip += 16;
        continue;
      }
      case Op.TableSet: {
        let table = changetype<TableInst>(load<usize>(ip, 4));
        let i = load<u32>(fp + load<u32>(ip, 8));
        if (i >= table.size) { trap = Trap.OutOfBoundsTable; break; }
        store<u32>(table.elements + (<usize>i << 2), load<u32>(fp + load<u32>(ip, 12)));
        ip += 16;
        continue;
      }
      case Op.TableSize: { store<i32>(fp + load<u32>(ip, 4), <i32>changetype<TableInst>(load<usize>(ip, 8)).size); ip += 12; continue; }
      case Op.TableGrow: {
        let table = changetype<TableInst>(load<usize>(ip, 8));
        store<i32>(fp + load<u32>(ip, 4), tableGrow(table, load<u32>(fp + load<u32>(ip, 12)), load<u32>(fp + load<u32>(ip, 16))));
        ip += 20;
        continue;
      }
      case Op.TableFill: {
        trap = tableFill(changetype<TableInst>(load<usize>(ip, 4)), load<u32>(fp + load<u32>(ip, 8)), load<u32>(fp + load<u32>(ip, 12)), load<u32>(fp + load<u32>(ip, 16)));
        if (trap != Trap.None) break;
        ip += 20;
        continue;
      }
      case Op.TableCopy: {
        trap = tableCopy(changetype<TableInst>(load<usize>(ip, 4)), changetype<TableInst>(load<usize>(ip, 8)),
          load<u32>(fp + load<u32>(ip, 12)), load<u32>(fp + load<u32>(ip, 16)), load<u32>(fp + load<u32>(ip, 20)));
        if (trap != Trap.None) break;
        ip += 24;
        continue;
      }
      case Op.TableInit: {
        trap = tableInit(changetype<TableInst>(load<usize>(ip, 4)), changetype<ElemInst>(load<usize>(ip, 8)),
          load<u32>(fp + load<u32>(ip, 12)), load<u32>(fp + load<u32>(ip, 16)), load<u32>(fp + load<u32>(ip, 20)));
        if (trap != Trap.None) break;
        ip += 24;
        continue;
      }
      case Op.ElemDrop: { changetype<ElemInst>(load<usize>(ip, 4)).length = 0; ip += 8; continue; }
      case Op.RefIsNull: { store<i32>(fp + load<u32>(ip, 4), <i32>(load<u32>(fp + load<u32>(ip, 8)) == 0)); ip += 12; continue; }
      case Op.I32Load: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 4 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i32>(fp + load<u32>(ip, 4), <i32>load<i32>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.I64Load: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 8 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i64>(fp + load<u32>(ip, 4), <i64>load<i64>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.F32Load: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 4 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<f32>(fp + load<u32>(ip, 4), <f32>load<f32>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.F64Load: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 8 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<f64>(fp + load<u32>(ip, 4), <f64>load<f64>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.I32Load8S: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 1 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i32>(fp + load<u32>(ip, 4), <i32>load<i8>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.I32Load8U: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 1 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i32>(fp + load<u32>(ip, 4), <i32>load<u8>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.I32Load16S: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 2 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i32>(fp + load<u32>(ip, 4), <i32>load<i16>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.I32Load16U: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 2 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i32>(fp + load<u32>(ip, 4), <i32>load<u16>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.I64Load8S: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 1 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i64>(fp + load<u32>(ip, 4), <i64>load<i8>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.I64Load8U: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 1 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i64>(fp + load<u32>(ip, 4), <i64>load<u8>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.I64Load16S: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 2 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i64>(fp + load<u32>(ip, 4), <i64>load<i16>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.I64Load16U: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 2 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i64>(fp + load<u32>(ip, 4), <i64>load<u16>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.I64Load32S: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 4 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i64>(fp + load<u32>(ip, 4), <i64>load<i32>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.I64Load32U: { let ea = <u64>load<u32>(fp + load<u32>(ip, 8)) + load<u32>(ip, 12); if (ea + 4 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i64>(fp + load<u32>(ip, 4), <i64>load<u32>(memBase + <usize>ea)); ip += 16; continue; }
      case Op.I32Store: { let ea = <u64>load<u32>(fp + load<u32>(ip, 4)) + load<u32>(ip, 12); if (ea + 4 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i32>(memBase + <usize>ea, <i32>load<i32>(fp + load<u32>(ip, 8))); if (DIRTY_TRACKING) { store<u8>(dirty + <usize>(ea >> 12), mark); store<u8>(dirty + <usize>((ea + 3) >> 12), mark); } ip += 16; continue; }
      case Op.I64Store: { let ea = <u64>load<u32>(fp + load<u32>(ip, 4)) + load<u32>(ip, 12); if (ea + 8 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i64>(memBase + <usize>ea, <i64>load<i64>(fp + load<u32>(ip, 8))); if (DIRTY_TRACKING) { store<u8>(dirty + <usize>(ea >> 12), mark); store<u8>(dirty + <usize>((ea + 7) >> 12), mark); } ip += 16; continue; }
      case Op.F32Store: { let ea = <u64>load<u32>(fp + load<u32>(ip, 4)) + load<u32>(ip, 12); if (ea + 4 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<f32>(memBase + <usize>ea, <f32>load<f32>(fp + load<u32>(ip, 8))); if (DIRTY_TRACKING) { store<u8>(dirty + <usize>(ea >> 12), mark); store<u8>(dirty + <usize>((ea + 3) >> 12), mark); } ip += 16; continue; }
      case Op.F64Store: { let ea = <u64>load<u32>(fp + load<u32>(ip, 4)) + load<u32>(ip, 12); if (ea + 8 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<f64>(memBase + <usize>ea, <f64>load<f64>(fp + load<u32>(ip, 8))); if (DIRTY_TRACKING) { store<u8>(dirty + <usize>(ea >> 12), mark); store<u8>(dirty + <usize>((ea + 7) >> 12), mark); } ip += 16; continue; }
      case Op.I32Store8: { let ea = <u64>load<u32>(fp + load<u32>(ip, 4)) + load<u32>(ip, 12); if (ea + 1 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i8>(memBase + <usize>ea, <i8>load<i32>(fp + load<u32>(ip, 8))); if (DIRTY_TRACKING) { store<u8>(dirty + <usize>(ea >> 12), mark); } ip += 16; continue; }
      case Op.I32Store16: { let ea = <u64>load<u32>(fp + load<u32>(ip, 4)) + load<u32>(ip, 12); if (ea + 2 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i16>(memBase + <usize>ea, <i16>load<i32>(fp + load<u32>(ip, 8))); if (DIRTY_TRACKING) { store<u8>(dirty + <usize>(ea >> 12), mark); store<u8>(dirty + <usize>((ea + 1) >> 12), mark); } ip += 16; continue; }
      case Op.I64Store8: { let ea = <u64>load<u32>(fp + load<u32>(ip, 4)) + load<u32>(ip, 12); if (ea + 1 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i8>(memBase + <usize>ea, <i8>load<i64>(fp + load<u32>(ip, 8))); if (DIRTY_TRACKING) { store<u8>(dirty + <usize>(ea >> 12), mark); } ip += 16; continue; }
      case Op.I64Store16: { let ea = <u64>load<u32>(fp + load<u32>(ip, 4)) + load<u32>(ip, 12); if (ea + 2 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i16>(memBase + <usize>ea, <i16>load<i64>(fp + load<u32>(ip, 8))); if (DIRTY_TRACKING) { store<u8>(dirty + <usize>(ea >> 12), mark); store<u8>(dirty + <usize>((ea + 1) >> 12), mark); } ip += 16; continue; }
      case Op.I64Store32: { let ea = <u64>load<u32>(fp + load<u32>(ip, 4)) + load<u32>(ip, 12); if (ea + 4 > memSize) { trap = Trap.OutOfBoundsMemory; break; } store<i32>(memBase + <usize>ea, <i32>load<i64>(fp + load<u32>(ip, 8))); if (DIRTY_TRACKING) { store<u8>(dirty + <usize>(ea >> 12), mark); store<u8>(dirty + <usize>((ea + 3) >> 12), mark); } ip += 16; continue; }
      case Op.I32Eqz: { let a = load<i32>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), <i32>(a == 0)); ip += 12; continue; }
      case Op.I32Eq: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a == b)); ip += 16; continue; }
      case Op.I32EqImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), <i32>(a == b)); ip += 16; continue; }
      case Op.I32Ne: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a != b)); ip += 16; continue; }
      case Op.I32NeImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), <i32>(a != b)); ip += 16; continue; }
      case Op.I32LtS: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a < b)); ip += 16; continue; }
      case Op.I32LtSImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), <i32>(a < b)); ip += 16; continue; }
      case Op.I32LtU: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(<u32>a < <u32>b)); ip += 16; continue; }
      case Op.I32LtUImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), <i32>(<u32>a < <u32>b)); ip += 16; continue; }
      case Op.I32GtS: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a > b)); ip += 16; continue; }
      case Op.I32GtSImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), <i32>(a > b)); ip += 16; continue; }
      case Op.I32GtU: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(<u32>a > <u32>b)); ip += 16; continue; }
      case Op.I32GtUImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), <i32>(<u32>a > <u32>b)); ip += 16; continue; }
      case Op.I32LeS: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a <= b)); ip += 16; continue; }
      case Op.I32LeSImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), <i32>(a <= b)); ip += 16; continue; }
      case Op.I32LeU: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(<u32>a <= <u32>b)); ip += 16; continue; }
      case Op.I32LeUImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), <i32>(<u32>a <= <u32>b)); ip += 16; continue; }
      case Op.I32GeS: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a >= b)); ip += 16; continue; }
      case Op.I32GeSImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), <i32>(a >= b)); ip += 16; continue; }
      case Op.I32GeU: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(<u32>a >= <u32>b)); ip += 16; continue; }
      case Op.I32GeUImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), <i32>(<u32>a >= <u32>b)); ip += 16; continue; }
      case Op.I64Eqz: { let a = load<i64>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), <i32>(a == 0)); ip += 12; continue; }
      case Op.I64Eq: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a == b)); ip += 16; continue; }
      case Op.I64Ne: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a != b)); ip += 16; continue; }
      case Op.I64LtS: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a < b)); ip += 16; continue; }
      case Op.I64LtU: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(<u64>a < <u64>b)); ip += 16; continue; }
      case Op.I64GtS: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a > b)); ip += 16; continue; }
      case Op.I64GtU: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(<u64>a > <u64>b)); ip += 16; continue; }
      case Op.I64LeS: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a <= b)); ip += 16; continue; }
      case Op.I64LeU: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(<u64>a <= <u64>b)); ip += 16; continue; }
      case Op.I64GeS: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a >= b)); ip += 16; continue; }
      case Op.I64GeU: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(<u64>a >= <u64>b)); ip += 16; continue; }
      case Op.F32Eq: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a == b)); ip += 16; continue; }
      case Op.F32Ne: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a != b)); ip += 16; continue; }
      case Op.F32Lt: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a < b)); ip += 16; continue; }
      case Op.F32Gt: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a > b)); ip += 16; continue; }
      case Op.F32Le: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a <= b)); ip += 16; continue; }
      case Op.F32Ge: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a >= b)); ip += 16; continue; }
      case Op.F64Eq: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a == b)); ip += 16; continue; }
      case Op.F64Ne: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a != b)); ip += 16; continue; }
      case Op.F64Lt: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a < b)); ip += 16; continue; }
      case Op.F64Gt: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a > b)); ip += 16; continue; }
      case Op.F64Le: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a <= b)); ip += 16; continue; }
      case Op.F64Ge: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(a >= b)); ip += 16; continue; }
      case Op.I32Clz: { let a = load<i32>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), clz<i32>(a)); ip += 12; continue; }
      case Op.I32Ctz: { let a = load<i32>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), ctz<i32>(a)); ip += 12; continue; }
      case Op.I32Popcnt: { let a = load<i32>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), popcnt<i32>(a)); ip += 12; continue; }
      case Op.I32Add: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), a + b); ip += 16; continue; }
      case Op.I32AddImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), a + b); ip += 16; continue; }
      case Op.I32Sub: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), a - b); ip += 16; continue; }
      case Op.I32SubImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), a - b); ip += 16; continue; }
      case Op.I32Mul: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), a * b); ip += 16; continue; }
      case Op.I32MulImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), a * b); ip += 16; continue; }
      case Op.I32DivS: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); if (b == 0) { trap = Trap.IntegerDivideByZero; break; } if (a == i32.MIN_VALUE && b == -1) { trap = Trap.IntegerOverflow; break; } store<i32>(fp + load<u32>(ip, 4), a / b); ip += 16; continue; }
      case Op.I32DivU: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); if (b == 0) { trap = Trap.IntegerDivideByZero; break; } store<i32>(fp + load<u32>(ip, 4), <i32>(<u32>a / <u32>b)); ip += 16; continue; }
      case Op.I32RemS: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); if (b == 0) { trap = Trap.IntegerDivideByZero; break; } store<i32>(fp + load<u32>(ip, 4), (b == -1 ? 0 : a % b)); ip += 16; continue; }
      case Op.I32RemU: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); if (b == 0) { trap = Trap.IntegerDivideByZero; break; } store<i32>(fp + load<u32>(ip, 4), <i32>(<u32>a % <u32>b)); ip += 16; continue; }
      case Op.I32And: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), a & b); ip += 16; continue; }
      case Op.I32AndImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), a & b); ip += 16; continue; }
      case Op.I32Or: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), a | b); ip += 16; continue; }
      case Op.I32OrImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), a | b); ip += 16; continue; }
      case Op.I32Xor: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), a ^ b); ip += 16; continue; }
      case Op.I32XorImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), a ^ b); ip += 16; continue; }
      case Op.I32Shl: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), a << b); ip += 16; continue; }
      case Op.I32ShlImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), a << b); ip += 16; continue; }
      case Op.I32ShrS: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), a >> b); ip += 16; continue; }
      case Op.I32ShrSImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), a >> b); ip += 16; continue; }
      case Op.I32ShrU: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), <i32>(<u32>a >>> b)); ip += 16; continue; }
      case Op.I32ShrUImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), <i32>(<u32>a >>> b)); ip += 16; continue; }
      case Op.I32Rotl: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), rotl<i32>(a, b)); ip += 16; continue; }
      case Op.I32RotlImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), rotl<i32>(a, b)); ip += 16; continue; }
      case Op.I32Rotr: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(fp + load<u32>(ip, 12)); store<i32>(fp + load<u32>(ip, 4), rotr<i32>(a, b)); ip += 16; continue; }
      case Op.I32RotrImm: { let a = load<i32>(fp + load<u32>(ip, 8)); let b = load<i32>(ip, 12); store<i32>(fp + load<u32>(ip, 4), rotr<i32>(a, b)); ip += 16; continue; }
      case Op.I64Clz: { let a = load<i64>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), clz<i64>(a)); ip += 12; continue; }
      case Op.I64Ctz: { let a = load<i64>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), ctz<i64>(a)); ip += 12; continue; }
      case Op.I64Popcnt: { let a = load<i64>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), popcnt<i64>(a)); ip += 12; continue; }
      case Op.I64Add: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i64>(fp + load<u32>(ip, 4), a + b); ip += 16; continue; }
      case Op.I64Sub: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i64>(fp + load<u32>(ip, 4), a - b); ip += 16; continue; }
      case Op.I64Mul: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i64>(fp + load<u32>(ip, 4), a * b); ip += 16; continue; }
      case Op.I64DivS: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); if (b == 0) { trap = Trap.IntegerDivideByZero; break; } if (a == i64.MIN_VALUE && b == -1) { trap = Trap.IntegerOverflow; break; } store<i64>(fp + load<u32>(ip, 4), a / b); ip += 16; continue; }
      case Op.I64DivU: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); if (b == 0) { trap = Trap.IntegerDivideByZero; break; } store<i64>(fp + load<u32>(ip, 4), <i64>(<u64>a / <u64>b)); ip += 16; continue; }
      case Op.I64RemS: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); if (b == 0) { trap = Trap.IntegerDivideByZero; break; } store<i64>(fp + load<u32>(ip, 4), (b == -1 ? 0 : a % b)); ip += 16; continue; }
      case Op.I64RemU: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); if (b == 0) { trap = Trap.IntegerDivideByZero; break; } store<i64>(fp + load<u32>(ip, 4), <i64>(<u64>a % <u64>b)); ip += 16; continue; }
      case Op.I64And: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i64>(fp + load<u32>(ip, 4), a & b); ip += 16; continue; }
      case Op.I64Or: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i64>(fp + load<u32>(ip, 4), a | b); ip += 16; continue; }
      case Op.I64Xor: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i64>(fp + load<u32>(ip, 4), a ^ b); ip += 16; continue; }
      case Op.I64Shl: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i64>(fp + load<u32>(ip, 4), a << b); ip += 16; continue; }
      case Op.I64ShrS: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i64>(fp + load<u32>(ip, 4), a >> b); ip += 16; continue; }
      case Op.I64ShrU: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i64>(fp + load<u32>(ip, 4), <i64>(<u64>a >>> <u64>b)); ip += 16; continue; }
      case Op.I64Rotl: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i64>(fp + load<u32>(ip, 4), rotl<i64>(a, b)); ip += 16; continue; }
      case Op.I64Rotr: { let a = load<i64>(fp + load<u32>(ip, 8)); let b = load<i64>(fp + load<u32>(ip, 12)); store<i64>(fp + load<u32>(ip, 4), rotr<i64>(a, b)); ip += 16; continue; }
      case Op.F32Abs: { let a = load<f32>(fp + load<u32>(ip, 8)); store<f32>(fp + load<u32>(ip, 4), abs<f32>(a)); ip += 12; continue; }
      case Op.F32Neg: { let a = load<f32>(fp + load<u32>(ip, 8)); store<f32>(fp + load<u32>(ip, 4), -a); ip += 12; continue; }
      case Op.F32Ceil: { let a = load<f32>(fp + load<u32>(ip, 8)); store<f32>(fp + load<u32>(ip, 4), ceil<f32>(a)); ip += 12; continue; }
      case Op.F32Floor: { let a = load<f32>(fp + load<u32>(ip, 8)); store<f32>(fp + load<u32>(ip, 4), floor<f32>(a)); ip += 12; continue; }
      case Op.F32Trunc: { let a = load<f32>(fp + load<u32>(ip, 8)); store<f32>(fp + load<u32>(ip, 4), trunc<f32>(a)); ip += 12; continue; }
      case Op.F32Nearest: { let a = load<f32>(fp + load<u32>(ip, 8)); store<f32>(fp + load<u32>(ip, 4), nearest<f32>(a)); ip += 12; continue; }
      case Op.F32Sqrt: { let a = load<f32>(fp + load<u32>(ip, 8)); store<f32>(fp + load<u32>(ip, 4), sqrt<f32>(a)); ip += 12; continue; }
      case Op.F32Add: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<f32>(fp + load<u32>(ip, 4), a + b); ip += 16; continue; }
      case Op.F32Sub: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<f32>(fp + load<u32>(ip, 4), a - b); ip += 16; continue; }
      case Op.F32Mul: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<f32>(fp + load<u32>(ip, 4), a * b); ip += 16; continue; }
      case Op.F32Div: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<f32>(fp + load<u32>(ip, 4), a / b); ip += 16; continue; }
      case Op.F32Min: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<f32>(fp + load<u32>(ip, 4), min<f32>(a, b)); ip += 16; continue; }
      case Op.F32Max: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<f32>(fp + load<u32>(ip, 4), max<f32>(a, b)); ip += 16; continue; }
      case Op.F32Copysign: { let a = load<f32>(fp + load<u32>(ip, 8)); let b = load<f32>(fp + load<u32>(ip, 12)); store<f32>(fp + load<u32>(ip, 4), copysign<f32>(a, b)); ip += 16; continue; }
      case Op.F64Abs: { let a = load<f64>(fp + load<u32>(ip, 8)); store<f64>(fp + load<u32>(ip, 4), abs<f64>(a)); ip += 12; continue; }
      case Op.F64Neg: { let a = load<f64>(fp + load<u32>(ip, 8)); store<f64>(fp + load<u32>(ip, 4), -a); ip += 12; continue; }
      case Op.F64Ceil: { let a = load<f64>(fp + load<u32>(ip, 8)); store<f64>(fp + load<u32>(ip, 4), ceil<f64>(a)); ip += 12; continue; }
      case Op.F64Floor: { let a = load<f64>(fp + load<u32>(ip, 8)); store<f64>(fp + load<u32>(ip, 4), floor<f64>(a)); ip += 12; continue; }
      case Op.F64Trunc: { let a = load<f64>(fp + load<u32>(ip, 8)); store<f64>(fp + load<u32>(ip, 4), trunc<f64>(a)); ip += 12; continue; }
      case Op.F64Nearest: { let a = load<f64>(fp + load<u32>(ip, 8)); store<f64>(fp + load<u32>(ip, 4), nearest<f64>(a)); ip += 12; continue; }
      case Op.F64Sqrt: { let a = load<f64>(fp + load<u32>(ip, 8)); store<f64>(fp + load<u32>(ip, 4), sqrt<f64>(a)); ip += 12; continue; }
      case Op.F64Add: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<f64>(fp + load<u32>(ip, 4), a + b); ip += 16; continue; }
      case Op.F64Sub: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<f64>(fp + load<u32>(ip, 4), a - b); ip += 16; continue; }
      case Op.F64Mul: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<f64>(fp + load<u32>(ip, 4), a * b); ip += 16; continue; }
      case Op.F64Div: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<f64>(fp + load<u32>(ip, 4), a / b); ip += 16; continue; }
      case Op.F64Min: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<f64>(fp + load<u32>(ip, 4), min<f64>(a, b)); ip += 16; continue; }
      case Op.F64Max: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<f64>(fp + load<u32>(ip, 4), max<f64>(a, b)); ip += 16; continue; }
      case Op.F64Copysign: { let a = load<f64>(fp + load<u32>(ip, 8)); let b = load<f64>(fp + load<u32>(ip, 12)); store<f64>(fp + load<u32>(ip, 4), copysign<f64>(a, b)); ip += 16; continue; }
      case Op.I32WrapI64: { let a = load<i64>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), <i32>a); ip += 12; continue; }
      case Op.I32TruncF32S: { let a = load<f32>(fp + load<u32>(ip, 8)); let r = truncI32F32S(a); if (numericTrap != Trap.None) { trap = takeNumericTrap(); break; } store<i32>(fp + load<u32>(ip, 4), r); ip += 12; continue; }
      case Op.I32TruncF32U: { let a = load<f32>(fp + load<u32>(ip, 8)); let r = truncI32F32U(a); if (numericTrap != Trap.None) { trap = takeNumericTrap(); break; } store<i32>(fp + load<u32>(ip, 4), r); ip += 12; continue; }
      case Op.I32TruncF64S: { let a = load<f64>(fp + load<u32>(ip, 8)); let r = truncI32F64S(a); if (numericTrap != Trap.None) { trap = takeNumericTrap(); break; } store<i32>(fp + load<u32>(ip, 4), r); ip += 12; continue; }
      case Op.I32TruncF64U: { let a = load<f64>(fp + load<u32>(ip, 8)); let r = truncI32F64U(a); if (numericTrap != Trap.None) { trap = takeNumericTrap(); break; } store<i32>(fp + load<u32>(ip, 4), r); ip += 12; continue; }
      case Op.I64ExtendI32S: { let a = load<i32>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), <i64>a); ip += 12; continue; }
      // Loaded as u32: the optimizer miscompiles a u32 cast of a loaded i32 into a sign-extending load.
      case Op.I64ExtendI32U: { let a = load<u32>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), <i64>a); ip += 12; continue; }
      case Op.I64TruncF32S: { let a = load<f32>(fp + load<u32>(ip, 8)); let r = truncI64F32S(a); if (numericTrap != Trap.None) { trap = takeNumericTrap(); break; } store<i64>(fp + load<u32>(ip, 4), r); ip += 12; continue; }
      case Op.I64TruncF32U: { let a = load<f32>(fp + load<u32>(ip, 8)); let r = truncI64F32U(a); if (numericTrap != Trap.None) { trap = takeNumericTrap(); break; } store<i64>(fp + load<u32>(ip, 4), r); ip += 12; continue; }
      case Op.I64TruncF64S: { let a = load<f64>(fp + load<u32>(ip, 8)); let r = truncI64F64S(a); if (numericTrap != Trap.None) { trap = takeNumericTrap(); break; } store<i64>(fp + load<u32>(ip, 4), r); ip += 12; continue; }
      case Op.I64TruncF64U: { let a = load<f64>(fp + load<u32>(ip, 8)); let r = truncI64F64U(a); if (numericTrap != Trap.None) { trap = takeNumericTrap(); break; } store<i64>(fp + load<u32>(ip, 4), r); ip += 12; continue; }
      case Op.F32ConvertI32S: { let a = load<i32>(fp + load<u32>(ip, 8)); store<f32>(fp + load<u32>(ip, 4), <f32>a); ip += 12; continue; }
      case Op.F32ConvertI32U: { let a = load<i32>(fp + load<u32>(ip, 8)); store<f32>(fp + load<u32>(ip, 4), <f32><u32>a); ip += 12; continue; }
      case Op.F32ConvertI64S: { let a = load<i64>(fp + load<u32>(ip, 8)); store<f32>(fp + load<u32>(ip, 4), <f32>a); ip += 12; continue; }
      case Op.F32ConvertI64U: { let a = load<i64>(fp + load<u32>(ip, 8)); store<f32>(fp + load<u32>(ip, 4), <f32><u64>a); ip += 12; continue; }
      case Op.F32DemoteF64: { let a = load<f64>(fp + load<u32>(ip, 8)); store<f32>(fp + load<u32>(ip, 4), <f32>a); ip += 12; continue; }
      case Op.F64ConvertI32S: { let a = load<i32>(fp + load<u32>(ip, 8)); store<f64>(fp + load<u32>(ip, 4), <f64>a); ip += 12; continue; }
      case Op.F64ConvertI32U: { let a = load<i32>(fp + load<u32>(ip, 8)); store<f64>(fp + load<u32>(ip, 4), <f64><u32>a); ip += 12; continue; }
      case Op.F64ConvertI64S: { let a = load<i64>(fp + load<u32>(ip, 8)); store<f64>(fp + load<u32>(ip, 4), <f64>a); ip += 12; continue; }
      case Op.F64ConvertI64U: { let a = load<i64>(fp + load<u32>(ip, 8)); store<f64>(fp + load<u32>(ip, 4), <f64><u64>a); ip += 12; continue; }
      case Op.F64PromoteF32: { let a = load<f32>(fp + load<u32>(ip, 8)); store<f64>(fp + load<u32>(ip, 4), <f64>a); ip += 12; continue; }
      case Op.I32ReinterpretF32: { let a = load<i32>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), a); ip += 12; continue; }
      case Op.I64ReinterpretF64: { let a = load<i64>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), a); ip += 12; continue; }
      case Op.F32ReinterpretI32: { let a = load<i32>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), a); ip += 12; continue; }
      case Op.F64ReinterpretI64: { let a = load<i64>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), a); ip += 12; continue; }
      case Op.I32Extend8S: { let a = load<i32>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), <i32><i8>a); ip += 12; continue; }
      case Op.I32Extend16S: { let a = load<i32>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), <i32><i16>a); ip += 12; continue; }
      case Op.I64Extend8S: { let a = load<i64>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), <i64><i8>a); ip += 12; continue; }
      case Op.I64Extend16S: { let a = load<i64>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), <i64><i16>a); ip += 12; continue; }
      case Op.I64Extend32S: { let a = load<i64>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), <i64><i32>a); ip += 12; continue; }
      case Op.I32TruncSatF32S: { let a = load<f32>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), satI32F32S(a)); ip += 12; continue; }
      case Op.I32TruncSatF32U: { let a = load<f32>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), satI32F32U(a)); ip += 12; continue; }
      case Op.I32TruncSatF64S: { let a = load<f64>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), satI32F64S(a)); ip += 12; continue; }
      case Op.I32TruncSatF64U: { let a = load<f64>(fp + load<u32>(ip, 8)); store<i32>(fp + load<u32>(ip, 4), satI32F64U(a)); ip += 12; continue; }
      case Op.I64TruncSatF32S: { let a = load<f32>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), satI64F32S(a)); ip += 12; continue; }
      case Op.I64TruncSatF32U: { let a = load<f32>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), satI64F32U(a)); ip += 12; continue; }
      case Op.I64TruncSatF64S: { let a = load<f64>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), satI64F64S(a)); ip += 12; continue; }
      case Op.I64TruncSatF64U: { let a = load<f64>(fp + load<u32>(ip, 8)); store<i64>(fp + load<u32>(ip, 4), satI64F64U(a)); ip += 12; continue; }
      case Op.BrI32Eq: { if (load<i32>(fp + load<u32>(ip, 4)) == load<i32>(fp + load<u32>(ip, 8))) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32EqImm: { if (load<i32>(fp + load<u32>(ip, 4)) == load<i32>(ip, 8)) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32Ne: { if (load<i32>(fp + load<u32>(ip, 4)) != load<i32>(fp + load<u32>(ip, 8))) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32NeImm: { if (load<i32>(fp + load<u32>(ip, 4)) != load<i32>(ip, 8)) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32LtS: { if (load<i32>(fp + load<u32>(ip, 4)) < load<i32>(fp + load<u32>(ip, 8))) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32LtSImm: { if (load<i32>(fp + load<u32>(ip, 4)) < load<i32>(ip, 8)) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32LtU: { if (load<u32>(fp + load<u32>(ip, 4)) < load<u32>(fp + load<u32>(ip, 8))) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32LtUImm: { if (load<u32>(fp + load<u32>(ip, 4)) < load<u32>(ip, 8)) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32GtS: { if (load<i32>(fp + load<u32>(ip, 4)) > load<i32>(fp + load<u32>(ip, 8))) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32GtSImm: { if (load<i32>(fp + load<u32>(ip, 4)) > load<i32>(ip, 8)) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32GtU: { if (load<u32>(fp + load<u32>(ip, 4)) > load<u32>(fp + load<u32>(ip, 8))) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32GtUImm: { if (load<u32>(fp + load<u32>(ip, 4)) > load<u32>(ip, 8)) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32LeS: { if (load<i32>(fp + load<u32>(ip, 4)) <= load<i32>(fp + load<u32>(ip, 8))) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32LeSImm: { if (load<i32>(fp + load<u32>(ip, 4)) <= load<i32>(ip, 8)) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32LeU: { if (load<u32>(fp + load<u32>(ip, 4)) <= load<u32>(fp + load<u32>(ip, 8))) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32LeUImm: { if (load<u32>(fp + load<u32>(ip, 4)) <= load<u32>(ip, 8)) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32GeS: { if (load<i32>(fp + load<u32>(ip, 4)) >= load<i32>(fp + load<u32>(ip, 8))) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32GeSImm: { if (load<i32>(fp + load<u32>(ip, 4)) >= load<i32>(ip, 8)) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32GeU: { if (load<u32>(fp + load<u32>(ip, 4)) >= load<u32>(fp + load<u32>(ip, 8))) ip += load<i32>(ip, 12); else ip += 16; continue; }
      case Op.BrI32GeUImm: { if (load<u32>(fp + load<u32>(ip, 4)) >= load<u32>(ip, 8)) ip += load<i32>(ip, 12); else ip += 16; continue; }
      default: abort("interpreter: unknown instruction");
    }
    // A trap: the call is abandoned. The state stays as it was at the
    // faulting instruction, for inspection; the next call starts afresh.
    t.ip = ip; t.fp = fp; t.frames = frames; t.func = changetype<FuncInst>(func);
    t.active = false;
    t.fuelUsed += <u64>(fuelLimit - fuel);
    failTrap(trap, trapDetail);
    return RunStatus.Trap;
  }
  return RunStatus.Trap; // not reached: the loop only exits by return
}
