/**
 * Reads the types of a module's imports and exports from its bytes.
 *
 * V8 on Node 20 has no type reflection (WebAssembly.Module.exports gives names
 * and kinds only), yet the native engine must know an exported function's
 * result types to turn JS numbers back into exact wasm values, and an imported
 * function's type to refuse a host function of another signature. The bytes
 * have already been validated by V8 when this runs, so the reader trusts them.
 */
import { typeName } from './valtype-codes.js';
import type { ExternKind, FuncTypeDesc, GlobalTypeDesc, MemoryTypeDesc, TableTypeDesc, ValType } from './types.js';

export type ExternType =
  | { kind: 'func'; type: FuncTypeDesc }
  | { kind: 'table'; type: TableTypeDesc }
  | { kind: 'memory'; type: MemoryTypeDesc }
  | { kind: 'global'; type: GlobalTypeDesc };

export interface ModuleShape {
  imports: { module: string; name: string; type: ExternType }[];
  exports: Map<string, ExternType>;
}

const SECTION_TYPE = 1;
const SECTION_IMPORT = 2;
const SECTION_FUNCTION = 3;
const SECTION_TABLE = 4;
const SECTION_MEMORY = 5;
const SECTION_GLOBAL = 6;
const SECTION_EXPORT = 7;

/** Keeps a leading U+FEFF: it is part of the name (names.wast exports one). */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    return this.bytes[this.pos++];
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }

  /** Skips a signed LEB128 of any width. */
  skipLeb(): void {
    while (this.byte() & 0x80);
  }

  name(): string {
    const length = this.u32();
    const text = utf8.decode(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return text;
  }

  valType(): ValType {
    return typeName(this.byte());
  }

  limits(): { min: number; max?: number } {
    const flags = this.u32();
    const min = this.u32();
    return flags & 1 ? { min, max: this.u32() } : { min };
  }

  tableType(): TableTypeDesc {
    const element = this.valType();
    if (element !== 'funcref' && element !== 'externref') throw new Error(`bad table element ${element}`);
    return { element, ...this.limits() };
  }

  globalType(): GlobalTypeDesc {
    const type = this.valType();
    return { type, mutable: this.byte() === 1 };
  }

  /** Skips a constant expression up to and including its `end`. */
  skipConstExpr(): void {
    for (;;) {
      const op = this.byte();
      if (op === 0x0b) return;
      if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) this.skipLeb();
      else if (op === 0x43) this.pos += 4;
      else if (op === 0x44) this.pos += 8;
      else if (op === 0xd0) this.pos += 1;
      else if (op === 0xfd) {
        // v128.const: sub-opcode then 16 bytes
        this.skipLeb();
        this.pos += 16;
      }
      // anything else (extended-const arithmetic) has no immediates
    }
  }
}

/** Decodes the parts of `bytes` that describe imports and exports. */
export function readModuleShape(bytes: Uint8Array): ModuleShape {
  const r = new Reader(bytes);
  r.pos = 8;
  const types: FuncTypeDesc[] = [];
  const funcs: FuncTypeDesc[] = [];
  const tables: TableTypeDesc[] = [];
  const memories: MemoryTypeDesc[] = [];
  const globals: GlobalTypeDesc[] = [];
  const shape: ModuleShape = { imports: [], exports: new Map() };
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === SECTION_TYPE) readTypes(r, types);
    else if (id === SECTION_IMPORT) {
      for (let n = r.u32(); n > 0; n--) {
        const module = r.name();
        const name = r.name();
        const type = readImportDesc(r, types);
        shape.imports.push({ module, name, type });
        pushIndexed(type, funcs, tables, memories, globals);
      }
    } else if (id === SECTION_FUNCTION) {
      for (let n = r.u32(); n > 0; n--) funcs.push(types[r.u32()]);
    } else if (id === SECTION_TABLE) {
      for (let n = r.u32(); n > 0; n--) tables.push(r.tableType());
    } else if (id === SECTION_MEMORY) {
      for (let n = r.u32(); n > 0; n--) memories.push(r.limits());
    } else if (id === SECTION_GLOBAL) {
      for (let n = r.u32(); n > 0; n--) {
        globals.push(r.globalType());
        r.skipConstExpr();
      }
    } else if (id === SECTION_EXPORT) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name();
        const kind = r.byte();
        const index = r.u32();
        shape.exports.set(name, exportType(kind, index, funcs, tables, memories, globals));
      }
    }
    r.pos = end;
  }
  return shape;
}

function readTypes(r: Reader, types: FuncTypeDesc[]): void {
  for (let n = r.u32(); n > 0; n--) {
    r.byte(); // 0x60, the only type form in Wasm 2.0
    const params: ValType[] = [];
    for (let p = r.u32(); p > 0; p--) params.push(r.valType());
    const results: ValType[] = [];
    for (let q = r.u32(); q > 0; q--) results.push(r.valType());
    types.push({ params, results });
  }
}

function readImportDesc(r: Reader, types: FuncTypeDesc[]): ExternType {
  const kind = r.byte();
  switch (kind) {
    case 0:
      return { kind: 'func', type: types[r.u32()] };
    case 1:
      return { kind: 'table', type: r.tableType() };
    case 2:
      return { kind: 'memory', type: r.limits() };
    case 3:
      return { kind: 'global', type: r.globalType() };
    default:
      throw new Error(`unknown import kind ${kind}`);
  }
}

function pushIndexed(
  t: ExternType,
  funcs: FuncTypeDesc[],
  tables: TableTypeDesc[],
  memories: MemoryTypeDesc[],
  globals: GlobalTypeDesc[],
): void {
  if (t.kind === 'func') funcs.push(t.type);
  else if (t.kind === 'table') tables.push(t.type);
  else if (t.kind === 'memory') memories.push(t.type);
  else globals.push(t.type);
}

const EXPORT_KINDS: ExternKind[] = ['func', 'table', 'memory', 'global'];

function exportType(
  kind: number,
  index: number,
  funcs: FuncTypeDesc[],
  tables: TableTypeDesc[],
  memories: MemoryTypeDesc[],
  globals: GlobalTypeDesc[],
): ExternType {
  switch (EXPORT_KINDS[kind]) {
    case 'func':
      return { kind: 'func', type: funcs[index] };
    case 'table':
      return { kind: 'table', type: tables[index] };
    case 'memory':
      return { kind: 'memory', type: memories[index] };
    case 'global':
      return { kind: 'global', type: globals[index] };
    default:
      throw new Error(`unknown export kind ${kind}`);
  }
}
