/** wasmotion's public API. */
export { Vmm, Guest, fromJs, toJs } from './api.js';
export type { ImportObject, HostFunction, JsValue, VmmOptions } from './api.js';
export {
  WasmotionError,
  ModuleError,
  LinkError,
  GuestTrap,
  HostError,
  UsageError,
  VmmFault,
} from './errors.js';
export type { TrapKind, ModuleErrorKind } from './errors.js';
export type { Value, ValType } from './engine/types.js';
