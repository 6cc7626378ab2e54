/**
 * Module-level rules: type indices of imported and defined functions, table
 * and memory limits, at most one memory, global initializers, element and
 * data segments (target table or memory, offsets, items), the start function,
 * and exports (indices in range, unique names). Function bodies are checked
 * by body.ts; index.ts runs everything in the spec's order.
 *
 * Imports, functions, tables and memories carry no module offset in the
 * decoded Module, so their errors report offset 0.
 */
import { Reader } from "../binary/reader";
import { Status, fail } from "../errors";
import { ExternKind, Limits, Module, SegmentMode, ValType } from "../module/types";
import { checkConstExpr } from "./const-expr";
import { FuncSet } from "./funcrefs";
import {
  E_DUPLICATE_EXPORT, E_MEMORY_SIZE, E_MIN_GREATER_THAN_MAX, E_MULTIPLE_MEMORIES, E_START_TYPE,
  E_TYPE_MISMATCH, E_UNKNOWN_FUNCTION, E_UNKNOWN_GLOBAL, E_UNKNOWN_MEMORY, E_UNKNOWN_TABLE,
  E_UNKNOWN_TYPE, unknownIndex,
} from "./messages";

const MAX_PAGES: u32 = 65536;

function invalid(message: string, offset: u32): bool {
  fail(Status.Invalid, message, offset);
  return false;
}

function typeIndexOk(m: Module, index: u32): bool {
  return index < <u32>m.types.length || invalid(unknownIndex(E_UNKNOWN_TYPE, index), 0);
}

function tableLimitsOk(l: Limits): bool {
  return !l.hasMax || l.min <= l.max || invalid(E_MIN_GREATER_THAN_MAX, 0);
}

function memoryLimitsOk(l: Limits): bool {
  if (l.min > MAX_PAGES || (l.hasMax && l.max > MAX_PAGES)) return invalid(E_MEMORY_SIZE, 0);
  return tableLimitsOk(l);
}

/** Imports, function type indices, tables and memories: the module's declared shapes. */
export function checkDeclarations(m: Module): bool {
  for (let i = 0; i < m.imports.length; i++) {
    let imp = m.imports[i];
    if (imp.kind == ExternKind.Func && !typeIndexOk(m, imp.typeIndex)) return false;
    let table = imp.table;
    if (table && !tableLimitsOk(table.limits)) return false;
    let mem = imp.memory;
    if (mem && !memoryLimitsOk(mem)) return false;
  }
  for (let i = 0; i < m.funcs.length; i++) if (!typeIndexOk(m, m.funcs[i])) return false;
  for (let i = 0; i < m.tables.length; i++) if (!tableLimitsOk(m.tables[i].limits)) return false;
  for (let i = 0; i < m.memories.length; i++) if (!memoryLimitsOk(m.memories[i])) return false;
  if (m.allMemories.length > 1) return invalid(E_MULTIPLE_MEMORIES, 0);
  return true;
}

/** Global initializers, then element and data segments; ref.func targets go to `declared`. */
export function checkInitializers(m: Module, r: Reader, declared: FuncSet): bool {
  for (let i = 0; i < m.globals.length; i++) {
    let g = m.globals[i];
    if (!checkConstExpr(m, r, g.init, g.type.type, declared)) return false;
  }
  for (let i = 0; i < m.elems.length; i++) if (!checkElem(m, r, i, declared)) return false;
  for (let i = 0; i < m.datas.length; i++) {
    let seg = m.datas[i];
    if (seg.mode != SegmentMode.Active) continue;
    if (seg.memory >= <u32>m.allMemories.length) return invalid(unknownIndex(E_UNKNOWN_MEMORY, seg.memory), seg.position);
    let offset = seg.offset;
    if (offset && !checkConstExpr(m, r, offset, ValType.I32, declared)) return false;
  }
  return true;
}

function checkElem(m: Module, r: Reader, i: i32, declared: FuncSet): bool {
  let seg = m.elems[i];
  let funcs = seg.funcIndices;
  if (funcs) {
    let n = <u32>m.funcTypeIndices.length;
    for (let j = 0; j < funcs.length; j++) {
      let x = funcs[j];
      if (x >= n) return invalid(unknownIndex(E_UNKNOWN_FUNCTION, x), seg.position);
      declared.add(x);
    }
  } else {
    let exprs = seg.exprs;
    if (exprs) {
      for (let j = 0; j < exprs.length; j++) if (!checkConstExpr(m, r, exprs[j], seg.type, declared)) return false;
    }
  }
  if (seg.mode != SegmentMode.Active) return true;
  if (seg.table >= <u32>m.allTables.length) return invalid(unknownIndex(E_UNKNOWN_TABLE, seg.table), seg.position);
  if (m.allTables[seg.table].elem != seg.type) return invalid(E_TYPE_MISMATCH, seg.position);
  let offset = seg.offset;
  return !offset || checkConstExpr(m, r, offset, ValType.I32, declared);
}

/** Exported functions count as declared for ref.func (indices are checked in checkExports). */
export function declareExports(m: Module, declared: FuncSet): void {
  for (let i = 0; i < m.exports.length; i++) {
    let e = m.exports[i];
    if (e.kind == ExternKind.Func) declared.add(e.index);
  }
}

export function checkStart(m: Module): bool {
  if (m.start < 0) return true;
  let x = <u32>m.start;
  if (x >= <u32>m.funcTypeIndices.length) return invalid(unknownIndex(E_UNKNOWN_FUNCTION, x), 0);
  let ft = m.funcType(x); // type indices were checked by checkDeclarations
  if (ft.params.length != 0 || ft.results.length != 0) return invalid(E_START_TYPE, 0);
  return true;
}

export function checkExports(m: Module): bool {
  let names = new Set<string>();
  for (let i = 0; i < m.exports.length; i++) {
    let e = m.exports[i];
    let size: i32;
    let message: string;
    switch (e.kind) {
      case ExternKind.Func: size = m.funcTypeIndices.length; message = E_UNKNOWN_FUNCTION; break;
      case ExternKind.Table: size = m.allTables.length; message = E_UNKNOWN_TABLE; break;
      case ExternKind.Memory: size = m.allMemories.length; message = E_UNKNOWN_MEMORY; break;
      default: size = m.allGlobals.length; message = E_UNKNOWN_GLOBAL;
    }
    if (e.index >= <u32>size) return invalid(unknownIndex(message, e.index), e.offset);
    if (names.has(e.name)) return invalid(E_DUPLICATE_EXPORT, e.offset);
    names.add(e.name);
  }
  return true;
}
