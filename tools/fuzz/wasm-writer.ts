/**
 * A minimal wasm binary writer: enough of the format to build Wasm 2.0 modules
 * (no SIMD) programmatically for the fuzzers. It encodes what it is given and
 * validates nothing; index spaces (imports first) are the caller's business.
 */
import { signedLeb, unsignedLeb } from './leb128.js';
import type { RefType, ValType } from '../../host-shim/engine/types.js';
import { TYPE_CODES } from '../../host-shim/engine/valtype-codes.js';

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

/** A block type: no value, one value, or a function-type index (multi-value). */
export type BlockType = { kind: 'empty' } | { kind: 'value'; type: ValType } | { kind: 'index'; index: number };

/** Accumulates instruction bytes; one method per immediate encoding. */
export class CodeWriter {
  readonly bytes: number[] = [];

  op(...bytes: number[]): this {
    for (const b of bytes) this.bytes.push(b);
    return this;
  }
  u32(v: number): this {
    return this.op(...unsignedLeb(v));
  }
  s32(v: number): this {
    return this.op(...signedLeb(v | 0));
  }
  s64(v: bigint): this {
    return this.op(...signedLeb(BigInt.asIntN(64, v)));
  }
  f32Bits(bits: number): this {
    for (let i = 0; i < 4; i++) this.bytes.push((bits >>> (8 * i)) & 0xff);
    return this;
  }
  f64Bits(bits: bigint): this {
    const u = BigInt.asUintN(64, bits);
    for (let i = 0n; i < 8n; i++) this.bytes.push(Number((u >> (8n * i)) & 0xffn));
    return this;
  }
  valType(t: ValType): this {
    return this.op(TYPE_CODES[t]);
  }
  blockType(bt: BlockType): this {
    if (bt.kind === 'empty') return this.op(0x40);
    if (bt.kind === 'value') return this.valType(bt.type);
    return this.op(...signedLeb(bt.index)); // s33
  }
  memarg(alignLog2: number, offset: number): this {
    return this.u32(alignLog2).u32(offset);
  }
  append(other: CodeWriter | number[]): this {
    const src = Array.isArray(other) ? other : other.bytes;
    for (const b of src) this.bytes.push(b);
    return this;
  }
}

export type ImportDesc =
  | { kind: 'func'; typeIndex: number }
  | { kind: 'table'; element: RefType; min: number; max?: number }
  | { kind: 'memory'; min: number; max?: number }
  | { kind: 'global'; type: ValType; mutable: boolean };

export interface FunctionDef {
  typeIndex: number;
  locals: ValType[];
  /** The instructions without the final `end`. */
  body: number[];
}

export interface GlobalDef {
  type: ValType;
  mutable: boolean;
  /** A constant expression without its `end`. */
  init: number[];
}

export interface ElemSegment {
  mode: 'active' | 'passive' | 'declarative';
  type: RefType;
  table?: number;
  /** Constant offset expression (active only), without `end`. */
  offset?: number[];
  /** Function indices (the compact encodings, funcref only)... */
  funcs?: number[];
  /** ...or element expressions without `end` (the expression encodings). */
  exprs?: number[][];
  /** Use the encoding that names the table even when it is table 0. */
  explicitTable?: boolean;
}

export interface DataSegment {
  mode: 'active' | 'passive';
  memory?: number;
  offset?: number[];
  bytes: Uint8Array;
  explicitMemory?: boolean;
}

export type ExportKind = 'func' | 'table' | 'memory' | 'global';

const EXPORT_KIND_BYTE: Record<ExportKind, number> = { func: 0, table: 1, memory: 2, global: 3 };

export class ModuleWriter {
  readonly types: FuncType[] = [];
  readonly imports: { module: string; name: string; desc: ImportDesc }[] = [];
  readonly functions: FunctionDef[] = [];
  readonly tables: { element: RefType; min: number; max?: number }[] = [];
  readonly memories: { min: number; max?: number }[] = [];
  readonly globals: GlobalDef[] = [];
  readonly exports: { name: string; kind: ExportKind; index: number }[] = [];
  start: number | undefined;
  readonly elements: ElemSegment[] = [];
  readonly data: DataSegment[] = [];
  /** Emit the data count section (required when code uses memory.init/data.drop). */
  dataCount = false;

  /** The index of an identical type if one exists, else of a new one. */
  addType(type: FuncType): number {
    const key = typeKey(type);
    const found = this.types.findIndex((t) => typeKey(t) === key);
    if (found >= 0) return found;
    this.types.push({ params: [...type.params], results: [...type.results] });
    return this.types.length - 1;
  }

  encode(): Uint8Array {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, content: number[]): void => {
      out.push(id, ...unsignedLeb(content.length));
      for (const b of content) out.push(b);
    };
    if (this.types.length) section(1, vec(this.types.map(encodeFuncType)));
    if (this.imports.length) section(2, vec(this.imports.map((i) => [...name(i.module), ...name(i.name), ...encodeImportDesc(i.desc)])));
    if (this.functions.length) section(3, vec(this.functions.map((f) => unsignedLeb(f.typeIndex))));
    if (this.tables.length) section(4, vec(this.tables.map((t) => [TYPE_CODES[t.element], ...limits(t.min, t.max)])));
    if (this.memories.length) section(5, vec(this.memories.map((m) => limits(m.min, m.max))));
    if (this.globals.length) section(6, vec(this.globals.map((g) => [TYPE_CODES[g.type], g.mutable ? 1 : 0, ...g.init, 0x0b])));
    if (this.exports.length) section(7, vec(this.exports.map((e) => [...name(e.name), EXPORT_KIND_BYTE[e.kind], ...unsignedLeb(e.index)])));
    if (this.start !== undefined) section(8, unsignedLeb(this.start));
    if (this.elements.length) section(9, vec(this.elements.map(encodeElem)));
    if (this.dataCount) section(12, unsignedLeb(this.data.length));
    if (this.functions.length) section(10, vec(this.functions.map(encodeFunctionBody)));
    if (this.data.length) section(11, vec(this.data.map(encodeData)));
    return Uint8Array.from(out);
  }
}

function typeKey(t: FuncType): string {
  return `${t.params.join(',')}->${t.results.join(',')}`;
}

function vec(items: number[][]): number[] {
  const out = unsignedLeb(items.length);
  for (const item of items) for (const b of item) out.push(b);
  return out;
}

function name(s: string): number[] {
  const utf8 = Buffer.from(s, 'utf8');
  return [...unsignedLeb(utf8.length), ...utf8];
}

function limits(min: number, max: number | undefined): number[] {
  return max === undefined ? [0x00, ...unsignedLeb(min)] : [0x01, ...unsignedLeb(min), ...unsignedLeb(max)];
}

function encodeFuncType(t: FuncType): number[] {
  return [0x60, ...vec(t.params.map((p) => [TYPE_CODES[p]])), ...vec(t.results.map((r) => [TYPE_CODES[r]]))];
}

function encodeImportDesc(d: ImportDesc): number[] {
  switch (d.kind) {
    case 'func':
      return [0x00, ...unsignedLeb(d.typeIndex)];
    case 'table':
      return [0x01, TYPE_CODES[d.element], ...limits(d.min, d.max)];
    case 'memory':
      return [0x02, ...limits(d.min, d.max)];
    case 'global':
      return [0x03, TYPE_CODES[d.type], d.mutable ? 1 : 0];
  }
}

/** Picks the segment's flags (0..7) from its shape, as the binary format defines them. */
function encodeElem(e: ElemSegment): number[] {
  const usesExprs = e.exprs !== undefined;
  const table = e.table ?? 0;
  const explicit = e.explicitTable || table !== 0 || (!usesExprs && e.type !== 'funcref') || (usesExprs && e.type !== 'funcref');
  const items = usesExprs ? vec(e.exprs!.map((x) => [...x, 0x0b])) : vec(e.funcs!.map((f) => unsignedLeb(f)));
  const kindOrType = usesExprs ? [TYPE_CODES[e.type]] : [0x00];
  const exprBit = usesExprs ? 4 : 0;
  if (e.mode === 'active') {
    const offset = [...e.offset!, 0x0b];
    if (!explicit) return [exprBit, ...offset, ...items];
    return [exprBit | 2, ...unsignedLeb(table), ...offset, ...kindOrType, ...items];
  }
  const flags = exprBit | (e.mode === 'passive' ? 1 : 3);
  return [flags, ...kindOrType, ...items];
}

function encodeFunctionBody(f: FunctionDef): number[] {
  // Locals are run-length grouped by type, as the format requires.
  const groups: [number, ValType][] = [];
  for (const t of f.locals) {
    const last = groups[groups.length - 1];
    if (last && last[1] === t) last[0]++;
    else groups.push([1, t]);
  }
  const content = [...vec(groups.map(([n, t]) => [...unsignedLeb(n), TYPE_CODES[t]])), ...f.body, 0x0b];
  return [...unsignedLeb(content.length), ...content];
}

function encodeData(d: DataSegment): number[] {
  const bytes = [...unsignedLeb(d.bytes.length), ...d.bytes];
  if (d.mode === 'passive') return [0x01, ...bytes];
  const offset = [...d.offset!, 0x0b];
  const memory = d.memory ?? 0;
  if (memory === 0 && !d.explicitMemory) return [0x00, ...offset, ...bytes];
  return [0x02, ...unsignedLeb(memory), ...offset, ...bytes];
}
