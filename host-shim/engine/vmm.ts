/**
 * The wasmotion VMM behind the Engine interface: guests run inside
 * build/vmm.wasm, and this file only moves values, resolves imports and runs
 * host functions when the VMM asks for them. One VmmEngine is one VMM store.
 */
import { GuestTrap, HostError, LinkError, ModuleError, UsageError, WasmotionError } from '../errors.js';
import { ConfigKey, RunStatus, VmmStatus, type VmmBinding, type VmmDevices } from '../vmm/binding.js';
import { openVmm } from '../vmm/open.js';
import { TYPE_CODES, typeName } from './valtype-codes.js';
import { SLOT_BYTES, guestTrap, writeSlot } from '../vmm/values.js';
import { registerEngine, type EngineOptions } from './index.js';
import type {
  CompiledModule,
  Engine,
  Extern,
  ExternKind,
  FuncTypeDesc,
  GlobalTypeDesc,
  ImportResolver,
  Instance,
  MemoryTypeDesc,
  TableTypeDesc,
  ValType,
  Value,
} from './types.js';

const KINDS: ExternKind[] = ['func', 'table', 'memory', 'global'];

/** Function kinds (assembly/runtime/store.ts FuncKind): a guest's own, the embedder's; others the VMM implements. */
const FUNC_KIND_WASM = 0;
const FUNC_KIND_HOST = 1;

/** Steps per run() slice: small enough to stay responsive, large enough to amortise the call. */
const SLICE = 1n << 20n;

export class VmmExtern implements Extern {
  constructor(
    readonly kind: ExternKind,
    readonly address: number,
    readonly engine: VmmEngine,
  ) {}
}

/** A module's shape as the VMM describes it (assembly/module/describe.ts). */
export interface ModuleDescription {
  features: number;
  imports: { module: string; name: string; kind: number; type?: { params: number[]; results: number[] } }[];
  exports: { name: string; kind: number; type?: { params: number[]; results: number[] } }[];
}

export class VmmModule implements CompiledModule {
  readonly imports: CompiledModule['imports'];
  readonly exports: CompiledModule['exports'];
  constructor(
    readonly id: number,
    readonly engine: VmmEngine,
    readonly description: ModuleDescription,
  ) {
    this.imports = description.imports.map((i) => ({ module: i.module, name: i.name, kind: KINDS[i.kind] }));
    this.exports = description.exports.map((e) => ({ name: e.name, kind: KINDS[e.kind] }));
  }
}

export class VmmInstance implements Instance {
  constructor(
    private readonly engine: VmmEngine,
    readonly id: number,
  ) {}

  getExport(name: string): Extern | undefined {
    return this.engine.exportOf(this.id, name);
  }

  invoke(name: string, args: Value[]): Value[] {
    const f = this.getExport(name);
    if (!f || f.kind !== 'func') throw new UsageError(`no exported function named ${JSON.stringify(name)}`);
    return this.engine.call((f as VmmExtern).address, args);
  }

  getGlobal(name: string): Value {
    const g = this.getExport(name);
    if (!g || g.kind !== 'global') throw new UsageError(`no exported global named ${JSON.stringify(name)}`);
    return this.engine.readGlobal((g as VmmExtern).address);
  }
}

export class VmmEngine implements Engine {
  readonly name = 'vmm';
  readonly vmm: VmmBinding;
  private readonly hostFns: ((args: Value[]) => Value[])[] = [];
  private readonly funcExterns = new Map<number, VmmExtern>();
  private readonly externrefs: unknown[] = [];
  private readonly externrefHandles = new Map<unknown, number>();
  /** Steps a single call may take before it traps with out_of_fuel; undefined is unlimited. */
  fuelPerCall: bigint | undefined;

  constructor(options: EngineOptions = {}, devices?: VmmDevices) {
    this.vmm = openVmm(options.wasm, devices);
    if (options.maxMemoryPages !== undefined) this.vmm.x.config_set(ConfigKey.MaxMemoryPages, options.maxMemoryPages);
    if (options.maxCallDepth !== undefined) this.vmm.x.config_set(ConfigKey.MaxCallDepth, options.maxCallDepth);
    if (options.fuel !== undefined) this.fuelPerCall = BigInt(options.fuel);
  }

  compile(bytes: Uint8Array): CompiledModule {
    const ptr = this.vmm.writeBytes(bytes);
    const id = this.vmm.x.module_load(ptr, bytes.length);
    if (id < 0) {
      const e = this.vmm.lastError();
      const kind = e.status === VmmStatus.Invalid ? 'invalid' : e.status === VmmStatus.Unsupported ? 'unsupported' : 'malformed';
      throw new ModuleError(kind, e.message, e.offset);
    }
    const description = JSON.parse(this.vmm.readString(this.vmm.x.module_describe(id))) as ModuleDescription;
    return new VmmModule(id, this, description);
  }

  instantiate(module: CompiledModule, resolve: ImportResolver): Instance {
    const id = this.withImports(module, resolve, (ptr, count) => this.vmm.x.instance_new((module as VmmModule).id, ptr, count));
    if (id < 0) throw this.instantiationError();
    const start = this.vmm.x.instance_start(id);
    if (start >= 0) this.call(start, []);
    return new VmmInstance(this, id);
  }

  /**
   * Creates the instance a checkpoint state (from checkpoint()) describes,
   * with its thread ready to continue. Memory bytes are the caller's to
   * write into the instance's memory afterwards.
   */
  restore(module: CompiledModule, resolve: ImportResolver, state: Uint8Array): VmmInstance {
    const statePtr = this.vmm.writeBytes(state);
    try {
      const id = this.withImports(module, resolve, (ptr, count) =>
        this.vmm.x.instance_restore((module as VmmModule).id, ptr, count, statePtr, state.length),
      );
      if (id < 0) {
        const e = this.vmm.lastError();
        throw new WasmotionError('WASMOTION_ERR_BAD_CHECKPOINT', e.message);
      }
      return new VmmInstance(this, id);
    } finally {
      this.vmm.x.vmm_free(statePtr);
    }
  }

  /**
   * The first half of a restore: the instance, without segments or start,
   * whose memory the caller fills before load() brings in the rest.
   */
  prepare(module: CompiledModule, resolve: ImportResolver): VmmInstance {
    const id = this.withImports(module, resolve, (ptr, count) => this.vmm.x.instance_prepare((module as VmmModule).id, ptr, count));
    if (id < 0) throw this.instantiationError();
    return new VmmInstance(this, id);
  }

  /** The second half: the checkpoint state into a prepared instance; the thread is then ready to run. */
  load(instance: VmmInstance, state: Uint8Array): void {
    const ptr = this.vmm.writeBytes(state);
    try {
      if (this.vmm.x.instance_load(instance.id, ptr, state.length) < 0) {
        throw new WasmotionError('WASMOTION_ERR_BAD_CHECKPOINT', this.vmm.lastError().message);
      }
    } finally {
      this.vmm.x.vmm_free(ptr);
    }
  }

  /** The VMM's state of an instance and the thread, everything but memory bytes. */
  checkpoint(instance: VmmInstance): Uint8Array {
    const ptr = this.vmm.x.checkpoint_save(instance.id);
    if (!ptr) throw new WasmotionError('WASMOTION_ERR_CHECKPOINT', this.vmm.lastError().message);
    try {
      const len = this.vmm.read(ptr, 4).readUInt32LE(0);
      return new Uint8Array(this.vmm.read(ptr + 4, len));
    } finally {
      this.vmm.x.vmm_free(ptr);
    }
  }

  /** Resolves imports to (kind, address) pairs in VMM memory for `fn`. */
  private withImports(module: CompiledModule, resolve: ImportResolver, fn: (ptr: number, count: number) => number): number {
    if (!(module instanceof VmmModule) || module.engine !== this) throw new UsageError('module was compiled by another engine');
    const pairs = new Uint32Array(module.imports.length * 2);
    module.imports.forEach((imp, i) => {
      const extern = resolve(imp.module, imp.name);
      if (!extern) throw new LinkError(`unknown import: ${imp.module}.${imp.name}`);
      if (!(extern instanceof VmmExtern) || extern.engine !== this) {
        throw new LinkError(`incompatible import type: ${imp.module}.${imp.name} belongs to another store`);
      }
      pairs[i * 2] = KINDS.indexOf(extern.kind);
      pairs[i * 2 + 1] = extern.address;
    });
    const ptr = this.vmm.writeBytes(new Uint8Array(pairs.buffer));
    try {
      return fn(ptr, module.imports.length);
    } finally {
      this.vmm.x.vmm_free(ptr);
    }
  }

  private instantiationError(): WasmotionError {
    const e = this.vmm.lastError();
    if (e.status === VmmStatus.Unlinkable) return new LinkError(e.message);
    if (e.status === VmmStatus.Trap) return guestTrap(e.trap, e.message);
    return new WasmotionError('WASMOTION_ERR_LIMIT', e.message);
  }

  hostFunction(type: FuncTypeDesc, fn: (args: Value[]) => Value[]): Extern {
    const codes = [...type.params, ...type.results].map((t) => TYPE_CODES[t]);
    const ptr = this.vmm.writeBytes(Uint8Array.from(codes));
    try {
      const addr = this.vmm.x.func_new_host(ptr, type.params.length, type.results.length, this.hostFns.length);
      this.hostFns.push(fn);
      return this.funcExtern(addr);
    } finally {
      this.vmm.x.vmm_free(ptr);
    }
  }

  /** The VMM's own implementation of WASI preview1 function `name`, or undefined. */
  wasiFunction(name: string): Extern | undefined {
    const addr = this.vmm.withString(name, (ptr, len) => this.vmm.x.wasi_func(ptr, len));
    return addr < 0 ? undefined : this.funcExtern(addr);
  }

  /** The VMM's own implementation of import "wasmotion" `name` (the feature query), or undefined. */
  vmmFunction(name: string): Extern | undefined {
    const addr = this.vmm.withString(name, (ptr, len) => this.vmm.x.vmm_func(ptr, len));
    return addr < 0 ? undefined : this.funcExtern(addr);
  }

  /** Every wasm feature this VMM runs, as feature bits (assembly/module/features.ts). */
  supportedFeatures(): number {
    return this.vmm.x.features_supported() >>> 0;
  }

  /** The feature bits the guest's feature query returns: its baseline. */
  setVisibleFeatures(mask: number): void {
    this.vmm.x.features_set_visible(mask);
  }

  visibleFeatures(): number {
    return this.vmm.x.features_visible() >>> 0;
  }

  hostGlobal(type: GlobalTypeDesc, value: Value): Extern {
    const addr = this.vmm.x.global_new(TYPE_CODES[type.type], type.mutable ? 1 : 0, this.bitsOf(type.type, value));
    return new VmmExtern('global', addr, this);
  }

  hostTable(type: TableTypeDesc): Extern {
    const addr = this.vmm.x.table_new(TYPE_CODES[type.element], type.min, type.max ?? 0xffffffff);
    if (addr < 0) throw new WasmotionError('WASMOTION_ERR_LIMIT', this.vmm.lastError().message);
    return new VmmExtern('table', addr, this);
  }

  hostMemory(type: MemoryTypeDesc): Extern {
    const addr = this.vmm.x.memory_new(type.min, type.max ?? 0, type.max === undefined ? 0 : 1);
    if (addr < 0) throw new WasmotionError('WASMOTION_ERR_LIMIT', this.vmm.lastError().message);
    return new VmmExtern('memory', addr, this);
  }

  dispose(): void {
    this.hostFns.length = 0;
    this.funcExterns.clear();
    this.vmm.close();
  }

  exportOf(instance: number, name: string): VmmExtern | undefined {
    const packed = this.vmm.withString(name, (ptr, len) => this.vmm.x.instance_export(instance, ptr, len));
    if (packed < 0n) return undefined;
    const kind = KINDS[Number(packed >> 32n)];
    const addr = Number(packed & 0xffffffffn);
    return kind === 'func' ? this.funcExtern(addr) : new VmmExtern(kind, addr, this);
  }

  private funcExtern(addr: number): VmmExtern {
    let f = this.funcExterns.get(addr);
    if (!f) this.funcExterns.set(addr, (f = new VmmExtern('func', addr, this)));
    return f;
  }

  funcType(addr: number): FuncTypeDesc {
    const ptr = this.vmm.x.func_type(addr);
    const counts = this.vmm.read(ptr, 8);
    const np = counts.readUInt32LE(0);
    const nr = counts.readUInt32LE(4);
    const codes = this.vmm.read(ptr + 8, np + nr);
    return { params: [...codes.subarray(0, np)].map(typeName), results: [...codes.subarray(np)].map(typeName) };
  }

  /** Calls function `addr` to completion, serving host calls on the way. */
  call(addr: number, args: Value[]): Value[] {
    const type = this.funcType(addr);
    if (args.length !== type.params.length) throw new UsageError(`function takes ${type.params.length} arguments, got ${args.length}`);
    const kind = this.vmm.x.func_kind(addr);
    if (kind === FUNC_KIND_HOST) return this.hostFns[this.vmm.x.func_host_id(addr)](args);
    // WASI and the feature query run only as a guest's calls: they act on its state.
    if (kind !== FUNC_KIND_WASM) throw new UsageError('a function the VMM implements itself is called by guests only');
    this.begin(addr, type.params, args);
    return this.drive(type.results);
  }

  /** Starts a call of guest function `addr`; run it with step() or drive(). */
  begin(addr: number, params: ValType[], args: Value[]): void {
    const base = this.vmm.x.call_begin(addr);
    if (!base) throw new UsageError(this.vmm.lastError().message);
    this.writeValues(base, params, args);
  }

  /** Runs the call in progress for at most `fuel` steps; returns a RunStatus. */
  step(fuel: bigint): number {
    return this.vmm.x.run(fuel);
  }

  /** The results of the call that step() just finished. */
  results(types: ValType[]): Value[] {
    return this.readValues(this.vmm.x.results_ptr(), types);
  }

  /** The trap step() just stopped on, as an error to throw. */
  trapError(): GuestTrap {
    const e = this.vmm.lastError();
    return guestTrap(e.trap, e.message);
  }

  /** Runs the call in progress to its end, serving host calls; returns its results. */
  drive(results: ValType[]): Value[] {
    let budget = this.fuelPerCall;
    for (;;) {
      const slice = budget !== undefined && budget < SLICE ? budget : SLICE;
      const status = this.vmm.x.run(slice);
      if (status === RunStatus.Finished) return this.readValues(this.vmm.x.results_ptr(), results);
      if (status === RunStatus.OutOfFuel) {
        if (budget !== undefined) {
          budget -= slice;
          if (budget <= 0n) {
            this.vmm.x.call_abort();
            throw new GuestTrap('out_of_fuel', 'out of fuel');
          }
        }
        continue;
      }
      if (status === RunStatus.HostCall) {
        this.serveHostCall();
        continue;
      }
      if (status === RunStatus.Trap) {
        const e = this.vmm.lastError();
        throw guestTrap(e.trap, e.message);
      }
      this.vmm.x.call_abort();
      throw new WasmotionError('WASMOTION_ERR_UNEXPECTED_STOP', `guest stopped with status ${status}`);
    }
  }

  private serveHostCall(): void {
    const addr = this.vmm.x.host_call_func();
    const type = this.funcType(addr);
    const argsPtr = this.vmm.x.host_call_args();
    const args = this.readValues(argsPtr, type.params);
    let results: Value[];
    try {
      results = this.hostFns[this.vmm.x.host_call_id()](args);
    } catch (err) {
      this.vmm.x.call_abort();
      if (err instanceof WasmotionError) throw err;
      throw new HostError(`host function threw: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    if (results.length !== type.results.length) {
      this.vmm.x.call_abort();
      throw new HostError(`host function returned ${results.length} values, its type has ${type.results.length}`, undefined);
    }
    this.writeValues(argsPtr, type.results, results);
  }

  readGlobal(addr: number): Value {
    const t = typeName(this.vmm.x.global_type(addr) & 0xff);
    return this.valueOf(t, this.vmm.x.global_get(addr));
  }

  private writeValues(ptr: number, types: ValType[], values: Value[]): void {
    if (types.length === 0) return;
    const slots = new Uint8Array(types.length * SLOT_BYTES);
    const view = new DataView(slots.buffer);
    types.forEach((t, i) => {
      const v = values[i];
      if (v.type !== t) throw new UsageError(`argument ${i} is ${v.type}, expected ${t}`);
      writeSlot(view, i * SLOT_BYTES, t, v as { value?: unknown; bits?: unknown }, () => this.refOf(v));
    });
    this.vmm.write(ptr, slots);
  }

  private readValues(ptr: number, types: ValType[]): Value[] {
    if (types.length === 0) return [];
    const slots = this.vmm.read(ptr, types.length * SLOT_BYTES);
    return types.map((t, i) => this.valueOf(t, slots.readBigUInt64LE(i * SLOT_BYTES)));
  }

  /** The 64-bit slot pattern of a value, for globals. */
  private bitsOf(t: ValType, v: Value): bigint {
    const view = new DataView(new ArrayBuffer(8));
    writeSlot(view, 0, t, v as { value?: unknown; bits?: unknown }, () => this.refOf(v));
    return view.getBigUint64(0, true);
  }

  private valueOf(t: ValType, bits: bigint): Value {
    switch (t) {
      case 'i32':
        return { type: 'i32', value: Number(BigInt.asIntN(32, bits)) };
      case 'i64':
        return { type: 'i64', value: BigInt.asIntN(64, bits) };
      case 'f32':
        return { type: 'f32', bits: Number(bits & 0xffffffffn) };
      case 'f64':
        return { type: 'f64', bits: BigInt.asUintN(64, bits) };
      case 'funcref': {
        const addr = this.vmm.x.func_addr(Number(bits & 0xffffffffn));
        return { type: 'funcref', value: addr < 0 ? null : this.funcExtern(addr) };
      }
      case 'externref': {
        const handle = Number(bits & 0xffffffffn);
        return { type: 'externref', value: handle === 0 ? null : this.externrefs[handle - 1] };
      }
      default:
        throw new UsageError(`values of type ${t} are not supported`);
    }
  }

  /** The 32-bit reference a funcref or externref value travels as; 0 is null. */
  private refOf(v: Value): number {
    if (v.type === 'funcref') {
      if (v.value === null) return 0;
      if (!(v.value instanceof VmmExtern) || v.value.engine !== this) throw new UsageError('funcref from another store');
      return this.vmm.x.func_ref(v.value.address);
    }
    if (v.type === 'externref') {
      if (v.value === null) return 0;
      let handle = this.externrefHandles.get(v.value);
      if (handle === undefined) {
        this.externrefs.push(v.value);
        handle = this.externrefs.length;
        this.externrefHandles.set(v.value, handle);
      }
      return handle;
    }
    return 0;
  }
}

registerEngine('vmm', (options) => new VmmEngine(options));
