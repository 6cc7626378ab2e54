/**
 * Spec values: turning wast2json's arguments into engine Values, and matching
 * results against expected values and the NaN / reference patterns.
 */
import type { Value } from '../../host-shim/engine/types.js';
import type { SpecValue } from './commands.js';

/** Thrown for values this runner cannot express (v128); the command is skipped. */
export class Unsupported extends Error {}

/**
 * The host references of one script: `ref.extern N` is the same JS object
 * every time it is written, so identity comparisons hold.
 */
export class HostRefs {
  private readonly refs = new Map<number, object>();

  get(n: number): object {
    let ref = this.refs.get(n);
    if (!ref) {
      ref = Object.freeze({ hostref: n });
      this.refs.set(n, ref);
    }
    return ref;
  }
}

function single(v: SpecValue): string {
  if (typeof v.value !== 'string') throw new Unsupported(`${v.type} value without a scalar`);
  return v.value;
}

/** The engine Value for an argument. */
export function argValue(v: SpecValue, refs: HostRefs): Value {
  switch (v.type) {
    case 'i32':
      return { type: 'i32', value: Number(single(v)) | 0 };
    case 'i64':
      return { type: 'i64', value: BigInt.asIntN(64, BigInt(single(v))) };
    case 'f32':
      return { type: 'f32', bits: Number(single(v)) >>> 0 };
    case 'f64':
      return { type: 'f64', bits: BigInt.asUintN(64, BigInt(single(v))) };
    case 'funcref':
      if (single(v) !== 'null') throw new Unsupported('funcref arguments other than null');
      return { type: 'funcref', value: null };
    case 'externref':
      return { type: 'externref', value: single(v) === 'null' ? null : refs.get(Number(single(v))) };
    default:
      throw new Unsupported(`${v.type} values`);
  }
}

const F32_ABS = 0x7fffffff;
const F32_QUIET_NAN = 0x7fc00000;
const F64_ABS = 0x7fffffffffffffffn;
const F64_QUIET_NAN = 0x7ff8000000000000n;

/** Whether `got` satisfies the expected value or pattern. */
export function matchValue(expected: SpecValue, got: Value, refs: HostRefs): boolean {
  if (expected.type === 'v128') throw new Unsupported('v128 results');
  if (got.type !== expected.type) return false;
  const want = expected.value;
  switch (got.type) {
    case 'i32':
      return got.value === (Number(want) | 0);
    case 'i64':
      return got.value === BigInt.asIntN(64, BigInt(want as string));
    case 'f32':
      // canonical NaN: only the quiet bit in the payload; arithmetic: quiet bit set
      if (want === 'nan:canonical') return (got.bits & F32_ABS) >>> 0 === F32_QUIET_NAN;
      if (want === 'nan:arithmetic') return (got.bits & F32_QUIET_NAN) >>> 0 === F32_QUIET_NAN;
      return got.bits >>> 0 === Number(want) >>> 0;
    case 'f64':
      if (want === 'nan:canonical') return (got.bits & F64_ABS) === F64_QUIET_NAN;
      if (want === 'nan:arithmetic') return (got.bits & F64_QUIET_NAN) === F64_QUIET_NAN;
      return BigInt.asUintN(64, got.bits) === BigInt.asUintN(64, BigInt(want as string));
    case 'funcref':
      // no value: the ref.func pattern, any non-null function reference
      if (want === undefined) return got.value !== null;
      return want === 'null' && got.value === null;
    case 'externref':
      if (want === undefined) return got.value !== null;
      if (want === 'null') return got.value === null;
      return got.value === refs.get(Number(want));
  }
}

export function formatValue(v: Value): string {
  switch (v.type) {
    case 'i32':
      return `i32:${v.value}`;
    case 'i64':
      return `i64:${v.value}`;
    case 'f32':
      return `f32:0x${(v.bits >>> 0).toString(16).padStart(8, '0')}`;
    case 'f64':
      return `f64:0x${BigInt.asUintN(64, v.bits).toString(16).padStart(16, '0')}`;
    case 'funcref':
      return v.value === null ? 'ref.null func' : 'ref.func';
    case 'externref':
      return v.value === null ? 'ref.null extern' : `ref.extern ${JSON.stringify(v.value)}`;
  }
}

export function formatExpected(v: SpecValue): string {
  const want = v.value;
  if (want === undefined) return v.type === 'funcref' ? 'ref.func' : 'ref.extern';
  if (typeof want !== 'string') return `${v.type}:[${want.join(' ')}]`;
  if (want.startsWith('nan:') || want === 'null') return `${v.type}:${want}`;
  if (v.type === 'f32') return `f32:0x${(Number(want) >>> 0).toString(16).padStart(8, '0')}`;
  if (v.type === 'f64') return `f64:0x${BigInt(want).toString(16).padStart(16, '0')}`;
  if (v.type === 'i32') return `i32:${Number(want) | 0}`;
  if (v.type === 'i64') return `i64:${BigInt.asIntN(64, BigInt(want))}`;
  return `${v.type}:${want}`;
}
