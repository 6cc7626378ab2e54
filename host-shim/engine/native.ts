/**
 * The reference engine: V8's own WebAssembly. The VMM's results, traps and
 * memory are compared against it. One NativeEngine is one store; its externs
 * are V8 objects (exported functions, WebAssembly.Table/Memory/Global) wrapped
 * in NativeExtern.
 */
import { GuestTrap, HostError, LinkError, UsageError } from '../errors.js';
import { registerEngine } from './index.js';
import { isStackOverflow, moduleErrorFromV8, trapFromV8 } from './native-errors.js';
import { readModuleShape, type ExternType, type ModuleShape } from './native-shape.js';
import { NativeExtern, jsTypeName, valueFromJs, valueToJs } from './native-values.js';
import type {
  CompiledModule,
  Engine,
  Extern,
  FuncTypeDesc,
  GlobalTypeDesc,
  ImportResolver,
  Instance,
  MemoryTypeDesc,
  TableTypeDesc,
  ValType,
  Value,
} from './types.js';

/** What a host function threw, carried through V8's wasm frames unchanged. */
class HostThrow {
  constructor(readonly cause: unknown) {}
}

class NativeModule implements CompiledModule {
  readonly imports: CompiledModule['imports'];
  readonly exports: CompiledModule['exports'];

  constructor(
    readonly module: WebAssembly.Module,
    readonly shape: ModuleShape,
  ) {
    this.imports = shape.imports.map((i) => ({ module: i.module, name: i.name, kind: i.type.kind }));
    this.exports = [...shape.exports].map(([name, t]) => ({ name, kind: t.kind }));
  }
}

class NativeInstance implements Instance {
  private readonly externs = new Map<string, Extern>();

  constructor(
    private readonly engine: NativeEngine,
    private readonly shape: ModuleShape,
    private readonly instance: WebAssembly.Instance,
  ) {}

  getExport(name: string): Extern | undefined {
    const type = this.shape.exports.get(name);
    if (!type) return undefined;
    let extern = this.externs.get(name);
    if (!extern) {
      const handle = this.instance.exports[name];
      extern = type.kind === 'func' ? this.engine.wrapFunc(handle as Function) : new NativeExtern(type.kind, handle);
      this.externs.set(name, extern);
    }
    return extern;
  }

  invoke(name: string, args: Value[]): Value[] {
    const type = this.exportOf(name, 'func').type as FuncTypeDesc;
    if (args.length !== type.params.length) {
      throw new UsageError(`${name} takes ${type.params.length} arguments, got ${args.length}`);
    }
    const fn = this.instance.exports[name] as (...a: unknown[]) => unknown;
    let result: unknown;
    try {
      result = fn(...args.map(valueToJs));
    } catch (err) {
      throw translate(err);
    }
    return this.engine.resultsFromJs(type.results, result);
  }

  getGlobal(name: string): Value {
    const type = this.exportOf(name, 'global').type as GlobalTypeDesc;
    const global = this.instance.exports[name] as WebAssembly.Global;
    return valueFromJs(type.type, global.value, (f) => this.engine.wrapFunc(f));
  }

  private exportOf(name: string, kind: ExternType['kind']): ExternType {
    const type = this.shape.exports.get(name);
    if (!type || type.kind !== kind) throw new UsageError(`no exported ${kind} named ${JSON.stringify(name)}`);
    return type;
  }
}

/** Turns what V8 threw into a wasmotion error; unknown errors pass unchanged. */
function translate(err: unknown): unknown {
  if (err instanceof HostThrow) {
    const cause = err.cause;
    return new HostError(`host function threw: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
  if (err instanceof WebAssembly.LinkError) {
    return new LinkError(`incompatible import type: ${err.message.replace(/^WebAssembly\.Instance\(\): /, '')}`);
  }
  if (err instanceof WebAssembly.RuntimeError) return trapFromV8(err.message) ?? err;
  if (isStackOverflow(err)) return new GuestTrap('call_stack_exhausted', 'call stack exhausted');
  return err;
}

function sameFuncType(a: FuncTypeDesc, b: FuncTypeDesc): boolean {
  const same = (x: ValType[], y: ValType[]) => x.length === y.length && x.every((t, i) => t === y[i]);
  return same(a.params, b.params) && same(a.results, b.results);
}

class NativeEngine implements Engine {
  readonly name = 'native';
  private funcs = new WeakMap<Function, NativeExtern>();
  /** Signatures of host functions; V8 cannot check a plain JS function's type. */
  private hostTypes = new WeakMap<Function, FuncTypeDesc>();

  compile(bytes: Uint8Array): CompiledModule {
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    } catch (err) {
      if (err instanceof WebAssembly.CompileError) throw moduleErrorFromV8(err.message);
      throw err;
    }
    return new NativeModule(module, readModuleShape(bytes));
  }

  instantiate(module: CompiledModule, resolve: ImportResolver): Instance {
    if (!(module instanceof NativeModule)) throw new UsageError('module was not compiled by the native engine');
    const importObject: Record<string, Record<string, unknown>> = {};
    for (const imp of module.shape.imports) {
      const extern = resolve(imp.module, imp.name);
      const where = `${imp.module}.${imp.name}`;
      if (!extern) throw new LinkError(`unknown import: ${where}`);
      if (!(extern instanceof NativeExtern)) throw new LinkError(`incompatible import type: ${where} is not of this store`);
      if (extern.kind !== imp.type.kind) {
        throw new LinkError(`incompatible import type: ${where} is a ${extern.kind}, the module wants a ${imp.type.kind}`);
      }
      const hostType = this.hostTypes.get(extern.handle as Function);
      if (imp.type.kind === 'func' && hostType && !sameFuncType(hostType, imp.type.type)) {
        throw new LinkError(`incompatible import type: ${where} has another signature`);
      }
      (importObject[imp.module] ??= {})[imp.name] = extern.handle;
    }
    try {
      return new NativeInstance(this, module.shape, new WebAssembly.Instance(module.module, importObject as WebAssembly.Imports));
    } catch (err) {
      throw translate(err);
    }
  }

  hostFunction(type: FuncTypeDesc, fn: (args: Value[]) => Value[]): Extern {
    const wrap = (f: Function) => this.wrapFunc(f);
    const js = (...jsArgs: unknown[]): unknown => {
      try {
        const results = fn(type.params.map((t, i) => valueFromJs(t, jsArgs[i], wrap)));
        return resultsToJs(results);
      } catch (err) {
        // Running out of stack is the guest's recursion, not the host's fault.
        if (isStackOverflow(err)) throw err;
        throw new HostThrow(err);
      }
    };
    this.hostTypes.set(js, type);
    return this.wrapFunc(js);
  }

  hostGlobal(type: GlobalTypeDesc, value: Value): Extern {
    const global = new WebAssembly.Global(
      { value: jsTypeName(type.type), mutable: type.mutable } as WebAssembly.GlobalDescriptor,
      valueToJs(value),
    );
    return new NativeExtern('global', global);
  }

  hostTable(type: TableTypeDesc): Extern {
    const table = new WebAssembly.Table({
      element: jsTypeName(type.element),
      initial: type.min,
      maximum: type.max,
    } as WebAssembly.TableDescriptor);
    return new NativeExtern('table', table);
  }

  hostMemory(type: MemoryTypeDesc): Extern {
    return new NativeExtern('memory', new WebAssembly.Memory({ initial: type.min, maximum: type.max }));
  }

  dispose(): void {
    this.funcs = new WeakMap();
    this.hostTypes = new WeakMap();
  }

  /** The Extern for a JS function, the same object each time. */
  wrapFunc(f: Function): NativeExtern {
    let extern = this.funcs.get(f);
    if (!extern) {
      extern = new NativeExtern('func', f);
      this.funcs.set(f, extern);
    }
    return extern;
  }

  resultsFromJs(types: ValType[], result: unknown): Value[] {
    const wrap = (f: Function) => this.wrapFunc(f);
    if (types.length === 0) return [];
    if (types.length === 1) return [valueFromJs(types[0], result, wrap)];
    const list = [...(result as Iterable<unknown>)];
    return types.map((t, i) => valueFromJs(t, list[i], wrap));
  }
}

function resultsToJs(results: Value[]): unknown {
  if (results.length === 0) return undefined;
  if (results.length === 1) return valueToJs(results[0]);
  return results.map(valueToJs);
}

registerEngine('native', () => new NativeEngine());
