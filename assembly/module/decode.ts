import { Reader } from "../binary/reader";
import { skipExpression } from "../binary/skip";
import {
  E_AFTER_LAST_SECTION, E_DATA_COUNT_MISMATCH, E_DATA_COUNT_REQUIRED, E_ELEM_KIND, E_EXPORT_KIND,
  E_FUNC_CODE_MISMATCH, E_IMPORT_KIND, E_LEB_TOO_LARGE, E_LEB_TOO_LONG, E_MAGIC, E_MUTABILITY, E_REFTYPE, E_SECTION_ID,
  E_SECTION_SIZE, E_SIMD, E_TOO_MANY_LOCALS, E_UNEXPECTED_END, E_UNEXPECTED_END_SECTION, E_VALTYPE, E_VERSION, Status, fail,
} from "../errors";
import { Feature } from "./features";
import {
  Code, ConstExpr, DataSegment, ElemSegment, Export, ExternKind, FuncType, Global, GlobalType, Import,
  Limits, Module, SegmentMode, TableType, ValType, isValType,
} from "./types";

/** Locals per function; more would let one frame exhaust the value stack. */
export const MAX_LOCALS: u32 = 50000;

/**
 * Decodes the module in [ptr, ptr+len) of VMM memory. The bytes must stay
 * there while the module lives. Returns the module, or null with lastError
 * set (Status.Malformed, or Status.Unsupported for SIMD).
 */
export function decodeModule(ptr: usize, len: u32): Module | null {
  let r = new Reader(ptr, ptr + len);
  let m = new Module();
  m.bytes = ptr;
  m.length = len;
  // The magic is read as a 4-byte word: fewer bytes run out before it is compared.
  if (len < 4) { report(r, E_UNEXPECTED_END_SECTION, 0); return null; }
  if (load<u32>(ptr) != 0x6d736100) { report(r, E_MAGIC, 0); return null; }
  if (len < 8) { report(r, E_UNEXPECTED_END, len); return null; }
  if (load<u32>(ptr + 4) != 1) { report(r, E_VERSION, 4); return null; }
  r.pos = ptr + 8;

  let lastOrder: i32 = 0;
  while (!r.failed && !r.atEnd()) {
    let idPos = r.pos;
    let id = r.u8();
    if (id > 12) { report(r, E_SECTION_ID, <u32>(idPos - ptr)); return null; }
    let size = r.u32();
    if (r.failed) break;
    if (<u64>size > <u64>(r.moduleEnd - r.pos)) { r.fail("length out of bounds"); break; }
    let sectionEnd = r.pos + size;
    if (id != 0) {
      let order = sectionOrder(id);
      if (order <= lastOrder) { report(r, E_AFTER_LAST_SECTION, <u32>(idPos - ptr)); return null; }
      lastOrder = order;
    }
    switch (id) {
      case 0: customSection(r, sectionEnd); break;
      case 1: typeSection(r, m); break;
      case 2: importSection(r, m); break;
      case 3: functionSection(r, m); break;
      case 4: tableSection(r, m); break;
      case 5: memorySection(r, m); break;
      case 6: globalSection(r, m); break;
      case 7: exportSection(r, m); break;
      case 8: m.start = <i32>r.u32(); break;
      case 9: elemSection(r, m); break;
      case 12: m.dataCount = <i32>r.u32(); break;
      case 10: codeSection(r, m); break;
      case 11: dataSection(r, m); break;
    }
    if (r.failed) break;
    if (r.pos != sectionEnd) { report(r, E_SECTION_SIZE, <u32>(r.pos - ptr)); return null; }
  }
  if (r.failed) { reportReader(r); return null; }

  if (m.funcs.length != m.codes.length) { report(r, E_FUNC_CODE_MISMATCH, len); return null; }
  if (m.dataCount >= 0 && m.dataCount != m.datas.length) { report(r, E_DATA_COUNT_MISMATCH, len); return null; }
  if (m.dataCount < 0 && usesDataCount(m) && m.datas.length > 0) { report(r, E_DATA_COUNT_REQUIRED, len); return null; }
  buildIndexSpaces(m);
  return m;
}

function report(r: Reader, message: string, offset: u32): void {
  fail(message == E_SIMD ? Status.Unsupported : Status.Malformed, message, offset);
}

function reportReader(r: Reader): void {
  report(r, r.error, <u32>(r.errorPos - r.base));
}

/** Position of each section id in the required order; data count sits before code. */
function sectionOrder(id: u32): i32 {
  if (id == 12) return 10; // after element (9), before code
  if (id >= 10) return <i32>id + 1;
  return <i32>id;
}

function customSection(r: Reader, end: usize): void {
  r.name();
  if (r.failed) return;
  // A name running past the section leaves a negative payload size.
  if (r.pos > end) { r.fail(E_UNEXPECTED_END_SECTION); return; }
  r.pos = end;
}

/** A one-byte type code; the spec reads it as a signed LEB128, hence the error for 0x80. */
function typeByte(r: Reader): u32 {
  let t = r.u8();
  if (!r.failed && (t & 0x80)) { r.pos--; r.fail(E_LEB_TOO_LONG); }
  return t;
}

function valType(r: Reader): u8 {
  let t = typeByte(r);
  if (r.failed) return 0;
  if (t == ValType.V128) { r.pos--; r.fail(E_SIMD); return 0; }
  if (!isValType(t)) { r.pos--; r.fail(E_VALTYPE); return 0; }
  return <u8>t;
}

function refType(r: Reader): u8 {
  let t = typeByte(r);
  if (r.failed) return 0;
  if (t != ValType.FuncRef && t != ValType.ExternRef) { r.pos--; r.fail(E_REFTYPE); return 0; }
  return <u8>t;
}

function valTypes(r: Reader): StaticArray<u8> {
  let n = r.count();
  let out = new StaticArray<u8>(n);
  for (let i: u32 = 0; i < n && !r.failed; i++) out[i] = valType(r);
  return out;
}

function typeSection(r: Reader, m: Module): void {
  let n = r.count();
  for (let i: u32 = 0; i < n && !r.failed; i++) {
    let form = typeByte(r);
    if (r.failed) return;
    if (form != 0x60) { r.pos--; r.fail("malformed function type"); return; }
    let params = valTypes(r);
    let results = valTypes(r);
    if (results.length > 1) m.features |= Feature.MultiValue;
    m.types.push(new FuncType(params, results));
  }
}

function limits(r: Reader): Limits {
  let flags = r.u8();
  if (r.failed) return new Limits(0, 0, false);
  if (flags > 1) { r.pos--; r.fail(flags & 0x80 ? E_LEB_TOO_LONG : E_LEB_TOO_LARGE); return new Limits(0, 0, false); }
  let min = r.u32();
  let max: u32 = 0;
  if (flags == 1) max = r.u32();
  return new Limits(min, max, flags == 1);
}

function tableType(r: Reader, m: Module): TableType {
  let elem = refType(r);
  if (elem == ValType.ExternRef) m.features |= Feature.ReferenceTypes;
  return new TableType(elem, limits(r));
}

function globalType(r: Reader): GlobalType {
  let t = valType(r);
  let mut = r.u8();
  if (!r.failed && mut > 1) { r.pos--; r.fail(E_MUTABILITY); }
  return new GlobalType(t, mut == 1);
}

function importSection(r: Reader, m: Module): void {
  let n = r.count();
  for (let i: u32 = 0; i < n && !r.failed; i++) {
    let moduleName = r.name();
    let name = r.name();
    let kind = r.u8();
    if (r.failed) return;
    let imp = new Import(moduleName, name, <u8>kind);
    switch (kind) {
      case ExternKind.Func: imp.typeIndex = r.u32(); m.importedFuncs++; break;
      case ExternKind.Table: imp.table = tableType(r, m); m.importedTables++; break;
      case ExternKind.Memory: imp.memory = limits(r); m.importedMemories++; break;
      case ExternKind.Global: {
        let g = globalType(r);
        if (g.mutable) m.features |= Feature.MutableGlobals;
        imp.global = g;
        m.importedGlobals++;
        break;
      }
      default: r.pos--; r.fail(E_IMPORT_KIND); return;
    }
    m.imports.push(imp);
  }
}

function functionSection(r: Reader, m: Module): void {
  let n = r.count();
  for (let i: u32 = 0; i < n && !r.failed; i++) m.funcs.push(r.u32());
}

function tableSection(r: Reader, m: Module): void {
  let n = r.count();
  for (let i: u32 = 0; i < n && !r.failed; i++) m.tables.push(tableType(r, m));
}

function memorySection(r: Reader, m: Module): void {
  let n = r.count();
  for (let i: u32 = 0; i < n && !r.failed; i++) m.memories.push(limits(r));
}

function constExpr(r: Reader, m: Module): ConstExpr {
  let start = <u32>(r.pos - r.base);
  skipExpression(r, m);
  return new ConstExpr(start, <u32>(r.pos - r.base));
}

function globalSection(r: Reader, m: Module): void {
  let n = r.count();
  for (let i: u32 = 0; i < n && !r.failed; i++) {
    let type = globalType(r);
    m.globals.push(new Global(type, constExpr(r, m)));
  }
}

function exportSection(r: Reader, m: Module): void {
  let n = r.count();
  for (let i: u32 = 0; i < n && !r.failed; i++) {
    let at = <u32>(r.pos - r.base);
    let name = r.name();
    let kind = r.u8();
    if (r.failed) return;
    if (kind > 3) { r.pos--; r.fail(E_EXPORT_KIND); return; }
    let index = r.u32();
    m.exports.push(new Export(name, <u8>kind, index, at));
  }
}

function elemSection(r: Reader, m: Module): void {
  let n = r.count();
  for (let i: u32 = 0; i < n && !r.failed; i++) {
    let seg = new ElemSegment();
    seg.position = <u32>(r.pos - r.base);
    let flags = r.u32();
    if (r.failed) return;
    if (flags > 7) { r.fail(E_ELEM_KIND); return; }
    // Bit 0: passive or declarative; bit 1: explicit table index (active) or
    // declarative (passive); bit 2: items are expressions.
    if (flags & 1) {
      seg.mode = (flags & 2) ? SegmentMode.Declarative : SegmentMode.Passive;
      m.features |= Feature.BulkMemory;
    } else {
      seg.mode = SegmentMode.Active;
      if (flags & 2) seg.table = r.u32();
      seg.offset = constExpr(r, m);
    }
    let hasKind = (flags & 3) != 0; // forms 0 and 4 have no kind/type byte
    if (flags & 4) {
      seg.type = hasKind ? refType(r) : ValType.FuncRef;
      let count = r.count();
      let exprs = new Array<ConstExpr>();
      for (let j: u32 = 0; j < count && !r.failed; j++) exprs.push(constExpr(r, m));
      seg.exprs = exprs;
    } else {
      if (hasKind) {
        let kind = r.u8();
        if (!r.failed && kind != 0) { r.pos--; r.fail(E_ELEM_KIND); return; }
      }
      let count = r.count();
      let funcs = new StaticArray<u32>(count);
      for (let j: u32 = 0; j < count && !r.failed; j++) funcs[j] = r.u32();
      seg.funcIndices = funcs;
    }
    m.elems.push(seg);
  }
}

function codeSection(r: Reader, m: Module): void {
  let n = r.count();
  for (let i: u32 = 0; i < n && !r.failed; i++) {
    let code = new Code();
    code.position = <u32>(r.pos - r.base);
    let size = r.u32();
    if (r.failed) return;
    if (<u64>size > <u64>(r.moduleEnd - r.pos)) { r.fail("length out of bounds"); return; }
    let bodyEnd = r.pos + size;
    code.locals = locals(r);
    code.start = <u32>(r.pos - r.base);
    skipExpression(r, m);
    if (r.failed) return;
    if (r.pos != bodyEnd) { r.fail(E_SECTION_SIZE); return; }
    code.end = <u32>(r.pos - r.base);
    m.codes.push(code);
  }
}

function locals(r: Reader): StaticArray<u8> {
  let groups = r.count();
  let start = r.pos;
  let total: u64 = 0;
  for (let i: u32 = 0; i < groups && !r.failed; i++) {
    total += r.u32();
    valType(r);
  }
  if (r.failed) return new StaticArray<u8>(0);
  if (total > <u64>MAX_LOCALS) { r.fail(E_TOO_MANY_LOCALS); return new StaticArray<u8>(0); }
  let out = new StaticArray<u8>(<i32>total);
  let end = r.pos;
  r.pos = start;
  let k = 0;
  for (let i: u32 = 0; i < groups; i++) {
    let count = r.u32();
    let t = valType(r);
    for (let j: u32 = 0; j < count; j++) out[k++] = t;
  }
  r.pos = end;
  return out;
}

function dataSection(r: Reader, m: Module): void {
  let n = r.count();
  for (let i: u32 = 0; i < n && !r.failed; i++) {
    let seg = new DataSegment();
    seg.position = <u32>(r.pos - r.base);
    let flags = r.u32();
    if (r.failed) return;
    if (flags > 2) { r.fail("malformed data segment kind"); return; }
    if (flags == 1) {
      seg.mode = SegmentMode.Passive;
      m.features |= Feature.BulkMemory;
    } else {
      seg.mode = SegmentMode.Active;
      if (flags == 2) seg.memory = r.u32();
      seg.offset = constExpr(r, m);
    }
    let len = r.u32();
    seg.start = <u32>(r.skip(len) - r.base);
    seg.length = len;
    m.datas.push(seg);
  }
}

/** memory.init and data.drop need the data count section (decoding rule). */
function usesDataCount(m: Module): bool {
  return m.needsDataCount;
}

function buildIndexSpaces(m: Module): void {
  for (let i = 0; i < m.imports.length; i++) {
    let imp = m.imports[i];
    if (imp.kind == ExternKind.Func) m.funcTypeIndices.push(imp.typeIndex);
    else if (imp.kind == ExternKind.Table) m.allTables.push(<TableType>imp.table);
    else if (imp.kind == ExternKind.Memory) m.allMemories.push(<Limits>imp.memory);
    else m.allGlobals.push(<GlobalType>imp.global);
  }
  for (let i = 0; i < m.funcs.length; i++) m.funcTypeIndices.push(m.funcs[i]);
  for (let i = 0; i < m.tables.length; i++) m.allTables.push(m.tables[i]);
  for (let i = 0; i < m.memories.length; i++) m.allMemories.push(m.memories[i]);
  for (let i = 0; i < m.globals.length; i++) m.allGlobals.push(m.globals[i].type);
}
