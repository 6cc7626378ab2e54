/**
 * Opens a VMM on the wasm engine asked for: V8 in this thread, or wasmtime
 * in a process of its own, on the wasmtime CLI or the Python embedding
 * (wasmtime-runner.ts; refused with WASMOTION_ERR_ENGINE_UNAVAILABLE where
 * neither runs).
 */
import { UsageError } from '../errors.js';
import { WASM_ENGINES, type VmmBinding, type VmmDevices, type WasmEngineName } from './binding.js';
import { V8Binding } from './v8-binding.js';
import { WasmtimeBinding } from './wasmtime-binding.js';
import { engineUnavailable, wasmtimeUnavailable } from './wasmtime-runner.js';

export function openVmm(engine: WasmEngineName = 'v8', devices?: VmmDevices): VmmBinding {
  if (engine === 'v8') return new V8Binding(devices);
  if (engine === 'wasmtime') return new WasmtimeBinding(devices);
  throw new UsageError(`unknown wasm engine ${JSON.stringify(engine)}: one of ${WASM_ENGINES.join(', ')}`);
}

/** Checks that `text` names a wasm engine this machine runs; returns it. */
export function checkEngine(text: string): WasmEngineName {
  if (!(WASM_ENGINES as readonly string[]).includes(text)) throw new UsageError(`unknown wasm engine ${JSON.stringify(text)}: one of ${WASM_ENGINES.join(', ')}`);
  const engine = text as WasmEngineName;
  if (engine === 'wasmtime') {
    const reason = wasmtimeUnavailable();
    if (reason) throw engineUnavailable(reason);
  }
  return engine;
}
