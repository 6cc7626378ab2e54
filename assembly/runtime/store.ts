import { FuncType, Module } from "../module/types";

/**
 * The store: every function, table, memory and global that instances and the
 * host created, addressed by index as in the spec. The interpreter holds raw
 * addresses of these objects (in compiled code and on the stack); they stay
 * alive because the store's arrays reference them for the VMM's lifetime.
 */

export namespace FuncKind {
  export const Wasm: u8 = 0;
  export const Host: u8 = 1; // provided by the embedder; run() returns HostCall
  export const Wasi: u8 = 2; // implemented inside the VMM (wasi/)
  export const Vmm: u8 = 3; // implemented inside the VMM outside WASI: the feature query (runtime/feature-query.ts)
}

export class FuncInst {
  index: u32 = 0;
  kind: u8 = FuncKind.Wasm;
  type: FuncType;
  /** Structural type identity: equal ids mean equal types (call_indirect check). */
  typeId: u32 = 0;
  instance: ModuleInst | null = null;
  /** Index of the function in its module's function index space. */
  funcIndex: u32 = 0;
  /** Host function id (Host), WASI call id (Wasi) or VmmFuncId (Vmm). */
  hostId: u32 = 0;
  /** Compiled code, 0 until the first call compiles it. */
  code: usize = 0;
  /** Slot byte offsets: parameters, all locals, and the frame with its operand stack. */
  paramBytes: u32 = 0;
  localBytes: u32 = 0;
  frameBytes: u32 = 0;
  resultCount: u32 = 0;
  /** Memory 0 of the function's instance, or 0. */
  memory: usize = 0;
  /** Pairs (IR position, wasm offset) of the compiled code; see compile/emitter.ts. */
  offsetMap: Array<u32> | null = null;
  /** Pairs (wasm offset of a call, IR position after it): where a suspended caller resumes. */
  callSites: Array<u32> | null = null;
  /** Operands that live in locals or constants at an instruction (compile/compiler.ts recordPending). */
  pendingOperands: Array<u32> | null = null;

  constructor(type: FuncType) { this.type = type; }
}

export class TableInst {
  index: u32 = 0;
  elemType: u8;
  /** Elements as u32: a FuncInst address or an externref handle; 0 is null. */
  elements: usize = 0;
  size: u32 = 0;
  capacity: u32 = 0;
  max: u32;
  constructor(elemType: u8, max: u32) { this.elemType = elemType; this.max = max; }
}

export class MemInst {
  index: u32 = 0;
  /** Address of guest byte 0 inside VMM memory. The region never moves. */
  base: usize = 0;
  /** Current size in bytes (pages × 64 KiB). */
  byteLength: u64 = 0;
  pages: u32 = 0;
  /** Declared maximum in pages, 0xffffffff when none. */
  maxPages: u32 = 0xffffffff;
  /** Pages reserved at `base`: the memory can grow up to here and no further. */
  reservedPages: u32 = 0;
  /** Dirty map: one byte per 4 KiB guest page, set on every write. */
  dirty: usize = 0;
}

export class GlobalInst {
  index: u32 = 0;
  type: u8;
  mutable: bool;
  /** Address of the 8-byte value cell. */
  cell: usize;
  constructor(type: u8, mutable: bool) {
    this.type = type;
    this.mutable = mutable;
    this.cell = heap.alloc(8);
    store<u64>(this.cell, 0);
  }
}

export class ElemInst {
  /** Items as u32 references; length 0 once dropped. */
  items: usize = 0;
  length: u32 = 0;
}

export class DataInst {
  /** Bytes inside the module's bytes; length 0 once dropped. */
  start: usize = 0;
  length: u32 = 0;
}

export class ExportInst {
  constructor(public name: string, public kind: u8, public address: u32) {}
}

export class ModuleInst {
  index: u32 = 0;
  module: Module;
  funcs: Array<FuncInst> = [];
  tables: Array<TableInst> = [];
  memories: Array<MemInst> = [];
  globals: Array<GlobalInst> = [];
  elems: Array<ElemInst> = [];
  datas: Array<DataInst> = [];
  exports: Array<ExportInst> = [];
  /** Store-wide type id of each of the module's types. */
  typeIds: StaticArray<u32> = new StaticArray<u32>(0);
  constructor(module: Module) { this.module = module; }
}

export class Store {
  modules: Array<Module> = [];
  funcs: Array<FuncInst> = [];
  tables: Array<TableInst> = [];
  memories: Array<MemInst> = [];
  globals: Array<GlobalInst> = [];
  instances: Array<ModuleInst> = [];
  /** Distinct function types, for typeId. */
  types: Array<FuncType> = [];

  typeId(t: FuncType): u32 {
    for (let i = 0; i < this.types.length; i++) if (this.types[i].equals(t)) return <u32>i;
    this.types.push(t);
    return <u32>(this.types.length - 1);
  }

  addFunc(f: FuncInst): FuncInst {
    f.index = <u32>this.funcs.length;
    f.typeId = this.typeId(f.type);
    this.funcs.push(f);
    return f;
  }

  addTable(t: TableInst): TableInst { t.index = <u32>this.tables.length; this.tables.push(t); return t; }
  addMemory(m: MemInst): MemInst { m.index = <u32>this.memories.length; this.memories.push(m); return m; }
  addGlobal(g: GlobalInst): GlobalInst { g.index = <u32>this.globals.length; this.globals.push(g); return g; }
}

export const theStore = new Store();
