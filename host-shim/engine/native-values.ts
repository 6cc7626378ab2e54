/**
 * Conversion between wasmotion Values and the JS values V8's WebAssembly API
 * takes and returns. Floats go through a DataView so their bits are kept as far
 * as V8 keeps them (V8 may quieten or canonicalise NaNs on the JS boundary;
 * that is accepted for the reference engine).
 */
import { UsageError } from '../errors.js';
import type { Extern, ExternKind, ValType, Value } from './types.js';

/** A V8 object of the store: an exported function, a Table, Memory or Global. */
export class NativeExtern implements Extern {
  constructor(
    readonly kind: ExternKind,
    readonly handle: unknown,
  ) {}
}

const scratch = new DataView(new ArrayBuffer(8));

export function f32FromBits(bits: number): number {
  scratch.setUint32(0, bits >>> 0);
  return scratch.getFloat32(0);
}

export function f32ToBits(x: number): number {
  scratch.setFloat32(0, x);
  return scratch.getUint32(0);
}

export function f64FromBits(bits: bigint): number {
  scratch.setBigUint64(0, BigInt.asUintN(64, bits));
  return scratch.getFloat64(0);
}

export function f64ToBits(x: number): bigint {
  scratch.setFloat64(0, x);
  return scratch.getBigUint64(0);
}

/** The JS value V8 expects for `v`. */
export function valueToJs(v: Value): unknown {
  switch (v.type) {
    case 'i32':
      return v.value | 0;
    case 'i64':
      return BigInt.asIntN(64, v.value);
    case 'f32':
      return f32FromBits(v.bits);
    case 'f64':
      return f64FromBits(v.bits);
    case 'funcref':
      if (v.value === null) return null;
      if (!(v.value instanceof NativeExtern) || v.value.kind !== 'func') {
        throw new UsageError('funcref value is not a function of the native engine');
      }
      return v.value.handle;
    case 'externref':
      return v.value;
  }
}

/**
 * The Value of type `type` for a JS value V8 returned. `wrapFunc` turns a JS
 * function into the store's Extern for it, keeping identity.
 */
export function valueFromJs(type: ValType, x: unknown, wrapFunc: (f: Function) => Extern): Value {
  switch (type) {
    case 'i32':
      return { type, value: Number(x) | 0 };
    case 'i64':
      return { type, value: BigInt.asIntN(64, BigInt(x as bigint)) };
    case 'f32':
      return { type, bits: f32ToBits(Number(x)) };
    case 'f64':
      return { type, bits: f64ToBits(Number(x)) };
    case 'funcref':
      return { type, value: typeof x === 'function' ? wrapFunc(x) : null };
    case 'externref':
      return { type, value: x };
    case 'v128':
      throw new UsageError('v128 values cannot cross the JS boundary');
  }
}

/** The descriptor string WebAssembly.Global and WebAssembly.Table use for a type. */
export function jsTypeName(type: ValType): string {
  if (type === 'funcref') return 'anyfunc';
  if (type === 'v128') throw new UsageError('v128 globals cannot be created from JS');
  return type;
}
