import type { Engine } from './types.js';
import type { WasmEngineName } from '../vmm/binding.js';

export type EngineName = 'vmm' | 'native';

export interface EngineOptions {
  /** Largest memory a guest may grow to, in 64 KiB pages. */
  maxMemoryPages?: number;
  /** Deepest call nesting before the trap "call stack exhausted". */
  maxCallDepth?: number;
  /** Steps one call may run before it traps with "out of fuel" (VMM engine only); unlimited when absent. */
  fuel?: number | bigint;
  /** The wasm engine that runs vmm.wasm (VMM engine only): V8 in this thread (the default), or wasmtime in a process of its own. */
  wasm?: WasmEngineName;
}

const factories = new Map<EngineName, (options: EngineOptions) => Engine>();

/** Engines register themselves here so callers need not know their modules. */
export function registerEngine(name: EngineName, factory: (options: EngineOptions) => Engine): void {
  factories.set(name, factory);
}

export async function createEngine(name: EngineName, options: EngineOptions = {}): Promise<Engine> {
  if (!factories.has(name)) await import(name === 'vmm' ? './vmm.js' : './native.js');
  const factory = factories.get(name);
  if (!factory) throw new Error(`engine ${name} did not register`);
  return factory(options);
}

export type * from './types.js';
