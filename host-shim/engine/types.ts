/**
 * The engine interface: what the spec runner, the differential tests and the
 * benchmarks need from something that runs wasm. Two implementations exist:
 * the wasmotion VMM (`vmm.ts`) and V8's own WebAssembly (`native.ts`), the
 * reference the VMM is compared against.
 *
 * The model is the spec's store: modules are compiled, instantiated against
 * externs, and an instance's exports are externs that can be imported by the
 * next instance (linking).
 */

export type NumType = 'i32' | 'i64' | 'f32' | 'f64';
export type RefType = 'funcref' | 'externref';
export type ValType = NumType | RefType | 'v128';

/**
 * A wasm value with exact bits. Floats travel as their bit patterns so NaN
 * payloads survive the trip between host and guest.
 */
export type Value =
  | { type: 'i32'; value: number } // int32 (value | 0)
  | { type: 'i64'; value: bigint } // BigInt.asIntN(64, …)
  | { type: 'f32'; bits: number } // uint32 bit pattern
  | { type: 'f64'; bits: bigint } // uint64 bit pattern
  | { type: 'funcref'; value: Extern | null }
  | { type: 'externref'; value: unknown }; // null is ref.null extern

export interface FuncTypeDesc {
  params: ValType[];
  results: ValType[];
}

export type ExternKind = 'func' | 'table' | 'memory' | 'global';

export interface GlobalTypeDesc {
  type: ValType;
  mutable: boolean;
}

export interface TableTypeDesc {
  element: RefType;
  min: number;
  max?: number;
}

export interface MemoryTypeDesc {
  min: number;
  max?: number;
}

/** An opaque engine object: a function, table, memory or global of a store. */
export interface Extern {
  readonly kind: ExternKind;
}

export interface CompiledModule {
  readonly imports: { module: string; name: string; kind: ExternKind }[];
  readonly exports: { name: string; kind: ExternKind }[];
}

export interface Instance {
  /** The export named `name`, or undefined. */
  getExport(name: string): Extern | undefined;
  /**
   * Calls the exported function `name`. Throws GuestTrap on a trap (the trap
   * kind 'call_stack_exhausted' for exhaustion) and HostError when a host
   * function it called threw.
   */
  invoke(name: string, args: Value[]): Value[];
  /** The current value of the exported global `name`. */
  getGlobal(name: string): Value;
}

/** Resolves one import; undefined means "no such import" (unlinkable). */
export type ImportResolver = (module: string, name: string) => Extern | undefined;

export interface Engine {
  readonly name: string;
  /** Decodes and validates. Throws ModuleError. */
  compile(bytes: Uint8Array): CompiledModule;
  /**
   * Links and instantiates, running the start function. Throws LinkError when
   * imports do not match, GuestTrap when initialisation or start traps.
   */
  instantiate(module: CompiledModule, imports: ImportResolver): Instance;
  /** A host function the guest can import. */
  hostFunction(type: FuncTypeDesc, fn: (args: Value[]) => Value[]): Extern;
  hostGlobal(type: GlobalTypeDesc, value: Value): Extern;
  hostTable(type: TableTypeDesc): Extern;
  hostMemory(type: MemoryTypeDesc): Extern;
  /** Frees everything this engine holds. */
  dispose(): void;
}
