/**
 * The decoded form of a guest module. It holds the module's structure; code
 * and constant expressions stay as byte ranges of the module, read again by
 * the validator and the compiler. Offsets are relative to the module start.
 */

export namespace ValType {
  export const I32: u8 = 0x7f;
  export const I64: u8 = 0x7e;
  export const F32: u8 = 0x7d;
  export const F64: u8 = 0x7c;
  export const V128: u8 = 0x7b;
  export const FuncRef: u8 = 0x70;
  export const ExternRef: u8 = 0x6f;
}

export function isRefType(t: u8): bool { return t == ValType.FuncRef || t == ValType.ExternRef; }

export function isValType(t: u32): bool {
  return (t >= 0x7b && t <= 0x7f) || t == 0x70 || t == 0x6f;
}

export class FuncType {
  constructor(public params: StaticArray<u8>, public results: StaticArray<u8>) {}

  equals(other: FuncType): bool {
    if (this === other) return true;
    let p = this.params, q = other.params;
    if (p.length != q.length) return false;
    for (let i = 0; i < p.length; i++) if (p[i] != q[i]) return false;
    let r = this.results, s = other.results;
    if (r.length != s.length) return false;
    for (let i = 0; i < r.length; i++) if (r[i] != s[i]) return false;
    return true;
  }
}

export namespace ExternKind {
  export const Func: u8 = 0;
  export const Table: u8 = 1;
  export const Memory: u8 = 2;
  export const Global: u8 = 3;
}

export class Limits {
  constructor(public min: u32, public max: u32, public hasMax: bool) {}
}

export class TableType {
  constructor(public elem: u8, public limits: Limits) {}
}

export class GlobalType {
  constructor(public type: u8, public mutable: bool) {}
}

/** A constant expression: bytes [start, end) of the module, `end` after the 0x0b. */
export class ConstExpr {
  constructor(public start: u32, public end: u32) {}
}

export class Import {
  typeIndex: u32 = 0; // ExternKind.Func
  table: TableType | null = null; // ExternKind.Table
  memory: Limits | null = null; // ExternKind.Memory
  global: GlobalType | null = null; // ExternKind.Global
  constructor(public module: string, public name: string, public kind: u8) {}
}

export class Global {
  constructor(public type: GlobalType, public init: ConstExpr) {}
}

export class Export {
  constructor(public name: string, public kind: u8, public index: u32, public offset: u32) {}
}

export namespace SegmentMode {
  export const Active: u8 = 0;
  export const Passive: u8 = 1;
  export const Declarative: u8 = 2;
}

export class ElemSegment {
  mode: u8 = SegmentMode.Passive;
  table: u32 = 0;
  offset: ConstExpr | null = null;
  type: u8 = ValType.FuncRef;
  /** Items as function indices (forms 0-3), or null when `exprs` is used. */
  funcIndices: StaticArray<u32> | null = null;
  /** Items as constant expressions (forms 4-7). */
  exprs: Array<ConstExpr> | null = null;
  /** Module offset of the segment, for error reports. */
  position: u32 = 0;

  get length(): i32 {
    let f = this.funcIndices;
    if (f) return f.length;
    return (<Array<ConstExpr>>this.exprs).length;
  }
}

export class DataSegment {
  mode: u8 = SegmentMode.Passive;
  memory: u32 = 0;
  offset: ConstExpr | null = null;
  /** The bytes, as a range of the module. */
  start: u32 = 0;
  length: u32 = 0;
  position: u32 = 0;
}

/** A function body: locals and code as a range of the module. */
export class Code {
  /** One value type per declared local (parameters not included). */
  locals: StaticArray<u8> = new StaticArray<u8>(0);
  /** First instruction of the body. */
  start: u32 = 0;
  /** One past the body's final `end` (0x0b). */
  end: u32 = 0;
  /** Start of the body's size field, for error reports. */
  position: u32 = 0;
}

/** Wasm proposals a module uses, as bits. See features.ts for the names. */
export type FeatureSet = u32;

export class Module {
  /** Where the module bytes live in VMM memory while the module exists. */
  bytes: usize = 0;
  length: u32 = 0;

  types: Array<FuncType> = [];
  imports: Array<Import> = [];
  /** Type index of each function defined by the module (imports not included). */
  funcs: Array<u32> = [];
  tables: Array<TableType> = [];
  memories: Array<Limits> = [];
  globals: Array<Global> = [];
  exports: Array<Export> = [];
  start: i32 = -1;
  elems: Array<ElemSegment> = [];
  datas: Array<DataSegment> = [];
  /** Value of the data count section, or -1 when absent. */
  dataCount: i32 = -1;
  codes: Array<Code> = [];

  // Index spaces start with the imports of each kind.
  importedFuncs: u32 = 0;
  importedTables: u32 = 0;
  importedMemories: u32 = 0;
  importedGlobals: u32 = 0;

  /** Type index of every function in the index space, imports first. */
  funcTypeIndices: Array<u32> = [];
  /** Table types in index space order. */
  allTables: Array<TableType> = [];
  allMemories: Array<Limits> = [];
  allGlobals: Array<GlobalType> = [];

  /** memory.init or data.drop occur in code: the data count section is required. */
  needsDataCount: bool = false;

  /** Features the module was seen to use, filled by the decoder. */
  features: FeatureSet = 0;

  funcType(funcIndex: u32): FuncType {
    return this.types[this.funcTypeIndices[funcIndex]];
  }
}
