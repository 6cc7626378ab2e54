/**
 * The embedding API: load guests from bytes with an import object, as
 * WebAssembly's JS API does, and call their exports with JS numbers and
 * bigints. A Vmm is one VMM with one store: guests loaded into the same Vmm
 * can import each other's exports.
 *
 *   const vmm = new Vmm();
 *   const guest = vmm.load(bytes, { env: { log: (x) => console.log(x) } });
 *   const [sum] = guest.call('add', 1, 2);
 */
import { HostError, LinkError, UsageError } from './errors.js';
import type { EngineOptions } from './engine/index.js';
import type { Extern, FuncTypeDesc, ValType, Value } from './engine/types.js';
import { VmmEngine, VmmExtern, type VmmModule } from './engine/vmm.js';
import { typeName } from './engine/valtype-codes.js';

/** A JS value standing for a wasm value: number for i32/f32/f64, bigint for i64. */
export type JsValue = number | bigint | null | unknown;

/** A host function: receives JS values, returns one, an array of them, or nothing. */
export type HostFunction = (...args: JsValue[]) => JsValue | JsValue[] | void;

/** module name → import name → a host function or another guest's export. */
export type ImportObject = Record<string, Record<string, HostFunction | Extern>>;

export type VmmOptions = EngineOptions;

interface ImportDescription {
  module: string;
  name: string;
  kind: number;
  type?: { params: number[]; results: number[] };
}

export class Vmm {
  readonly engine: VmmEngine;

  constructor(options: VmmOptions = {}) {
    this.engine = new VmmEngine(options);
  }

  /**
   * Decodes, validates, links and instantiates a guest, running its start
   * function. Throws ModuleError, LinkError, GuestTrap or HostError.
   */
  load(bytes: Uint8Array, imports: ImportObject = {}): Guest {
    const module = this.engine.compile(bytes) as VmmModule;
    const described = module.description.imports as ImportDescription[];
    const instance = this.engine.instantiate(module, (moduleName, name) => {
      const given = imports[moduleName]?.[name];
      if (given === undefined) return undefined;
      if (given instanceof VmmExtern) return given;
      if (typeof given !== 'function') throw new LinkError(`incompatible import type: ${moduleName}.${name} is not a function or an export`);
      const desc = described.find((d) => d.module === moduleName && d.name === name);
      if (!desc?.type) throw new LinkError(`incompatible import type: ${moduleName}.${name} is not a function import`);
      const type: FuncTypeDesc = { params: desc.type.params.map(typeName), results: desc.type.results.map(typeName) };
      return this.engine.hostFunction(type, (args) => fromJsResults(type.results, (given as HostFunction)(...args.map(toJs))));
    });
    return new Guest(this.engine, instance);
  }
}

export class Guest {
  constructor(
    private readonly engine: VmmEngine,
    private readonly instance: ReturnType<VmmEngine['instantiate']>,
  ) {}

  /** An export, to pass as an import to another guest of the same Vmm; undefined if absent. */
  export(name: string): Extern | undefined {
    return this.instance.getExport(name);
  }

  /** Calls exported function `name`; returns its results as an array. */
  call(name: string, ...args: JsValue[]): JsValue[] {
    const f = this.instance.getExport(name);
    if (!(f instanceof VmmExtern) || f.kind !== 'func') throw new UsageError(`no exported function named ${JSON.stringify(name)}`);
    const type = this.engine.funcType(f.address);
    if (args.length !== type.params.length) throw new UsageError(`${name} takes ${type.params.length} arguments, got ${args.length}`);
    return this.engine.call(f.address, type.params.map((t, i) => fromJs(t, args[i]))).map(toJs);
  }

  /** The value of exported global `name`. */
  global(name: string): JsValue {
    return toJs(this.instance.getGlobal(name));
  }

  /**
   * The bytes of exported memory `name` (default "memory"), valid until the
   * next call: in place on V8 (writes reach the guest), a copy on wasmtime.
   */
  memory(name = 'memory'): Uint8Array {
    const m = this.instance.getExport(name);
    if (!(m instanceof VmmExtern) || m.kind !== 'memory') throw new UsageError(`no exported memory named ${JSON.stringify(name)}`);
    const x = this.engine.vmm.x;
    const bytes = this.engine.vmm.read(x.memory_base(m.address), x.memory_pages(m.address) * 65536);
    // A plain Uint8Array: its slice() copies, as callers expect.
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }
}

const scratch = new DataView(new ArrayBuffer(8));

/** Converts a JS value to a typed wasm value of type `t`. */
export function fromJs(t: ValType, v: JsValue): Value {
  switch (t) {
    case 'i32':
      return { type: 'i32', value: Number(v) | 0 };
    case 'i64':
      return { type: 'i64', value: BigInt.asIntN(64, BigInt(v as number | bigint)) };
    case 'f32':
      scratch.setFloat32(0, Number(v), true);
      return { type: 'f32', bits: scratch.getUint32(0, true) };
    case 'f64':
      scratch.setFloat64(0, Number(v), true);
      return { type: 'f64', bits: scratch.getBigUint64(0, true) };
    case 'funcref':
      if (v !== null && !(v instanceof VmmExtern)) throw new UsageError('a funcref must be null or an exported function');
      return { type: 'funcref', value: v as Extern | null };
    case 'externref':
      return { type: 'externref', value: v ?? null };
    default:
      throw new UsageError(`values of type ${t} are not supported`);
  }
}

/** Converts a typed wasm value to its JS form. */
export function toJs(v: Value): JsValue {
  switch (v.type) {
    case 'i32':
    case 'i64':
      return v.value;
    case 'f32':
      scratch.setUint32(0, v.bits, true);
      return scratch.getFloat32(0, true);
    case 'f64':
      scratch.setBigUint64(0, v.bits, true);
      return scratch.getFloat64(0, true);
    default:
      return v.value;
  }
}

function fromJsResults(types: ValType[], result: JsValue | JsValue[] | void): Value[] {
  if (types.length === 0) return [];
  const values = types.length === 1 ? [result] : result;
  if (!Array.isArray(values) || values.length !== types.length) {
    throw new HostError(`host function must return ${types.length} values`, undefined);
  }
  return types.map((t, i) => fromJs(t, values[i]));
}
