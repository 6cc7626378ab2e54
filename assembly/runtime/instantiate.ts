import { Status, Trap, fail, failTrap } from "../errors";
import { ExternKind, Limits, Module, SegmentMode, TableType } from "../module/types";
import { memoryInit, tableInit } from "../exec/bulk";
import { evalConst } from "./consts";
import { createMemory } from "./memory";
import { DataInst, ElemInst, ExportInst, FuncInst, FuncKind, GlobalInst, ModuleInst, TableInst, theStore } from "./store";
import { tableGrow } from "../exec/bulk";

/**
 * Instantiates a validated module against imports given as (kind, store
 * address) pairs in import order, following the spec's instantiation steps:
 * check imports, allocate, evaluate globals and segments, then apply active
 * segments in order (unless `initialize` is false, for a restore). A trap
 * while applying segments fails instantiation but
 * keeps the writes already made (Wasm 2.0 semantics). The start function is
 * not run here: the embedder calls it through run() like any other.
 */
export function instantiate(m: Module, imports: StaticArray<u32>, initialize: bool = true): ModuleInst | null {
  if (imports.length != m.imports.length * 2) { fail(Status.BadArgument, "wrong number of imports", 0); return null; }
  let inst = new ModuleInst(m);
  if (!linkImports(m, inst, imports)) return null;
  let typeIds = new StaticArray<u32>(m.types.length);
  for (let i = 0; i < m.types.length; i++) typeIds[i] = theStore.typeId(m.types[i]);
  inst.typeIds = typeIds;

  for (let i = 0; i < m.funcs.length; i++) {
    let f = new FuncInst(m.types[m.funcs[i]]);
    f.instance = inst;
    f.funcIndex = m.importedFuncs + <u32>i;
    inst.funcs.push(theStore.addFunc(f));
  }
  for (let i = 0; i < m.tables.length; i++) {
    let tt = m.tables[i];
    let t = new TableInst(tt.elem, tt.limits.hasMax ? tt.limits.max : 0xffffffff);
    if (tableGrow(t, 0, tt.limits.min) < 0) { fail(Status.LimitExceeded, "table too large", 0); return null; }
    inst.tables.push(theStore.addTable(t));
  }
  for (let i = 0; i < m.memories.length; i++) {
    let lim = m.memories[i];
    let mem = createMemory(lim.min, lim.max, lim.hasMax);
    if (!mem) { fail(Status.LimitExceeded, "memory too large for this host", 0); return null; }
    inst.memories.push(theStore.addMemory(mem));
  }
  let memAddr: usize = inst.memories.length > 0 ? changetype<usize>(inst.memories[0]) : 0;
  for (let i = <i32>m.importedFuncs; i < inst.funcs.length; i++) inst.funcs[i].memory = memAddr;
  // WASI functions are made per import (wasi_func), so each serves the memory of the guest importing it.
  for (let i = 0; i < <i32>m.importedFuncs; i++) {
    let f = inst.funcs[i];
    if (f.kind == FuncKind.Wasi && f.memory == 0) f.memory = memAddr;
  }

  for (let i = 0; i < m.globals.length; i++) {
    let g = m.globals[i];
    let gi = new GlobalInst(g.type.type, g.type.mutable);
    store<u64>(gi.cell, evalConst(m, inst, g.init.start, g.init.end));
    inst.globals.push(theStore.addGlobal(gi));
  }
  for (let i = 0; i < m.elems.length; i++) inst.elems.push(elemInstance(m, inst, i));
  for (let i = 0; i < m.datas.length; i++) {
    let d = new DataInst();
    d.start = m.bytes + m.datas[i].start;
    d.length = m.datas[i].length;
    inst.datas.push(d);
  }
  for (let i = 0; i < m.exports.length; i++) {
    let e = m.exports[i];
    inst.exports.push(new ExportInst(e.name, e.kind, exportAddress(inst, e.kind, e.index)));
  }
  inst.index = <u32>theStore.instances.length;
  theStore.instances.push(inst);
  // A restore brings memory, tables and dropped segments from the checkpoint.
  if (initialize && !applySegments(m, inst)) return null;
  return inst;
}

function linkImports(m: Module, inst: ModuleInst, imports: StaticArray<u32>): bool {
  for (let i = 0; i < m.imports.length; i++) {
    let imp = m.imports[i];
    let kind = imports[i * 2];
    let addr = imports[i * 2 + 1];
    if (kind != imp.kind || !addressExists(kind, addr)) return incompatible(imp.module, imp.name);
    if (kind == ExternKind.Func) {
      let f = theStore.funcs[addr];
      if (!f.type.equals(m.types[imp.typeIndex])) return incompatible(imp.module, imp.name);
      inst.funcs.push(f);
    } else if (kind == ExternKind.Table) {
      let t = theStore.tables[addr];
      let want = <TableType>imp.table;
      if (t.elemType != want.elem || !limitsMatch(t.size, t.max != 0xffffffff, t.max, want.limits)) return incompatible(imp.module, imp.name);
      inst.tables.push(t);
    } else if (kind == ExternKind.Memory) {
      let mem = theStore.memories[addr];
      let max = mem.maxPages;
      if (!limitsMatch(mem.pages, max != 0xffffffff, max, <Limits>imp.memory)) return incompatible(imp.module, imp.name);
      inst.memories.push(mem);
    } else {
      let g = theStore.globals[addr];
      let want = imp.global!;
      if (g.type != want.type || g.mutable != want.mutable) return incompatible(imp.module, imp.name);
      inst.globals.push(g);
    }
  }
  return true;
}

function addressExists(kind: u32, addr: u32): bool {
  if (kind == ExternKind.Func) return addr < <u32>theStore.funcs.length;
  if (kind == ExternKind.Table) return addr < <u32>theStore.tables.length;
  if (kind == ExternKind.Memory) return addr < <u32>theStore.memories.length;
  if (kind == ExternKind.Global) return addr < <u32>theStore.globals.length;
  return false;
}

/** Import matching of limits: at least the minimum, and within the maximum if one is required. */
function limitsMatch(size: u32, hasMax: bool, max: u32, want: Limits): bool {
  if (size < want.min) return false;
  if (!want.hasMax) return true;
  return hasMax && max <= want.max;
}

function incompatible(module: string, name: string): bool {
  fail(Status.Unlinkable, "incompatible import type: " + module + "." + name, 0);
  return false;
}

function elemInstance(m: Module, inst: ModuleInst, i: i32): ElemInst {
  let seg = m.elems[i];
  let e = new ElemInst();
  let n = seg.length;
  e.items = heap.alloc(<usize>(n > 0 ? n : 1) << 2);
  e.length = <u32>n;
  let funcs = seg.funcIndices;
  for (let k = 0; k < n; k++) {
    let v: u32;
    if (funcs) v = <u32>changetype<usize>(inst.funcs[funcs[k]]);
    else { let x = seg.exprs![k]; v = <u32>evalConst(m, inst, x.start, x.end); }
    store<u32>(e.items + (<usize>k << 2), v);
  }
  return e;
}

function exportAddress(inst: ModuleInst, kind: u8, index: u32): u32 {
  if (kind == ExternKind.Func) return inst.funcs[index].index;
  if (kind == ExternKind.Table) return inst.tables[index].index;
  if (kind == ExternKind.Memory) return inst.memories[index].index;
  return inst.globals[index].index;
}

function applySegments(m: Module, inst: ModuleInst): bool {
  for (let i = 0; i < m.elems.length; i++) {
    let seg = m.elems[i];
    let e = inst.elems[i];
    if (seg.mode == SegmentMode.Active) {
      let offset = <u32>evalConst(m, inst, seg.offset!.start, seg.offset!.end);
      let trap = tableInit(inst.tables[seg.table], e, offset, 0, e.length);
      if (trap != Trap.None) { failTrap(trap); return false; }
      e.length = 0;
    } else if (seg.mode == SegmentMode.Declarative) {
      e.length = 0;
    }
  }
  for (let i = 0; i < m.datas.length; i++) {
    let seg = m.datas[i];
    if (seg.mode != SegmentMode.Active) continue;
    let d = inst.datas[i];
    let offset = <u32>evalConst(m, inst, seg.offset!.start, seg.offset!.end);
    let trap = memoryInit(inst.memories[seg.memory], d, offset, 0, d.length);
    if (trap != Trap.None) { failTrap(trap); return false; }
    d.length = 0;
  }
  return true;
}

/** A function the embedder implements; calls to it make run() return HostCall. */
export function hostFunction(f: FuncInst, hostId: u32, kind: u8): FuncInst {
  f.kind = kind;
  f.hostId = hostId;
  return theStore.addFunc(f);
}

