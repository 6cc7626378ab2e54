/**
 * What one step of a fuzz case produced on one engine, and how two such
 * outcomes are compared: integers bit-exact, floats bit-exact unless either is
 * a NaN (then both must be NaN: payloads may legitimately differ), traps by kind
 * up to the distinctions the reference engine cannot make.
 */
import { GuestTrap, LinkError, ModuleError, WasmotionError, type TrapKind } from '../../host-shim/errors.js';
import type { Value } from '../../host-shim/engine/types.js';

export type Outcome =
  | { kind: 'values'; values: Value[] }
  | { kind: 'trap'; trap: TrapKind; message: string }
  | { kind: 'module-error'; message: string }
  | { kind: 'link-error'; message: string }
  /** A documented resource limit of the host (WASMOTION_ERR_LIMIT), as the spec allows at instantiation. */
  | { kind: 'limit'; message: string }
  /** Anything else thrown: never acceptable. */
  | { kind: 'crash'; message: string };

export function outcomeOf(run: () => Value[]): Outcome {
  try {
    return { kind: 'values', values: run() };
  } catch (err) {
    return outcomeOfError(err);
  }
}

export function outcomeOfError(err: unknown): Outcome {
  if (err instanceof GuestTrap) return { kind: 'trap', trap: err.kind, message: err.message };
  if (err instanceof ModuleError) return { kind: 'module-error', message: err.message };
  if (err instanceof LinkError) return { kind: 'link-error', message: err.message };
  if (err instanceof WasmotionError && err.code === 'WASMOTION_ERR_LIMIT') return { kind: 'limit', message: err.message };
  const e = err as Error;
  return { kind: 'crash', message: `${e?.name ?? typeof err}: ${e?.message ?? String(err)}` };
}

/**
 * V8 reports some pairs of spec traps with one message, so the native engine
 * cannot tell them apart; such pairs compare equal.
 */
const TRAP_CLASS: Partial<Record<TrapKind, string>> = {
  out_of_bounds_table: 'table',
  undefined_element: 'table',
  uninitialized_element: 'indirect',
  indirect_call_type_mismatch: 'indirect',
  integer_overflow: 'conversion',
  invalid_conversion: 'conversion',
};

function sameTrap(a: TrapKind, b: TrapKind): boolean {
  return a === b || (TRAP_CLASS[a] !== undefined && TRAP_CLASS[a] === TRAP_CLASS[b]);
}

/**
 * Compares the bit patterns, whatever their JavaScript representation:
 * a representation that breaks the Value contract is reported apart by
 * nonCanonicalValue, so it does not hide a wrong result.
 */
export function sameValue(a: Value, b: Value): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'i32':
      return (a.value | 0) === ((b as typeof a).value | 0);
    case 'i64':
      return BigInt.asIntN(64, a.value) === BigInt.asIntN(64, (b as typeof a).value);
    case 'f32': {
      const [x, y] = [a.bits >>> 0, (b as typeof a).bits >>> 0];
      return x === y || (isNaN32(x) && isNaN32(y));
    }
    case 'f64': {
      const [x, y] = [BigInt.asUintN(64, a.bits), BigInt.asUintN(64, (b as typeof a).bits)];
      return x === y || (isNaN64(x) && isNaN64(y));
    }
    default:
      return a.value === (b as typeof a).value;
  }
}

/** A description of how v breaks the Value contract of engine/types.ts, or undefined. */
export function nonCanonicalValue(v: Value): string | undefined {
  switch (v.type) {
    case 'i32':
      return Number.isInteger(v.value) && v.value === (v.value | 0) ? undefined : `i32 value ${v.value} is not an int32`;
    case 'i64':
      return typeof v.value === 'bigint' && v.value === BigInt.asIntN(64, v.value) ? undefined : `i64 value ${v.value} is not a signed 64-bit bigint`;
    case 'f32':
      return Number.isInteger(v.bits) && v.bits === v.bits >>> 0 ? undefined : `f32 bits ${v.bits} are not a uint32`;
    case 'f64':
      return typeof v.bits === 'bigint' && v.bits === BigInt.asUintN(64, v.bits) ? undefined : `f64 bits ${v.bits} are not a uint64 bigint`;
    default:
      return undefined;
  }
}

/** undefined when the outcomes agree, else a description of the difference. */
export function compareOutcomes(a: Outcome, b: Outcome): string | undefined {
  if (a.kind === 'crash' || b.kind === 'crash') return `crash: ${describe(a)} vs ${describe(b)}`;
  if (a.kind !== b.kind) return `${describe(a)} vs ${describe(b)}`;
  if (a.kind === 'trap' && b.kind === 'trap') return sameTrap(a.trap, b.trap) ? undefined : `${describe(a)} vs ${describe(b)}`;
  if (a.kind === 'values' && b.kind === 'values') {
    const same = a.values.length === b.values.length && a.values.every((v, i) => sameValue(v, b.values[i]));
    return same ? undefined : `${describe(a)} vs ${describe(b)}`;
  }
  return undefined;
}

export function describe(o: Outcome): string {
  switch (o.kind) {
    case 'values':
      return `[${o.values.map(formatValue).join(', ')}]`;
    case 'trap':
      return `trap ${o.trap} (${o.message})`;
    default:
      return `${o.kind} (${o.message})`;
  }
}

export function formatValue(v: Value): string {
  switch (v.type) {
    case 'i32':
    case 'i64':
      return `${v.type}:${v.value}`;
    case 'f32':
      return `f32:0x${(v.bits >>> 0).toString(16).padStart(8, '0')}`;
    case 'f64':
      return `f64:0x${BigInt.asUintN(64, v.bits).toString(16).padStart(16, '0')}`;
    default:
      return `${v.type}:${v.value === null ? 'null' : 'ref'}`;
  }
}

function isNaN32(bits: number): boolean {
  return (bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0;
}

function isNaN64(bits: bigint): boolean {
  return (bits & 0x7ff0000000000000n) === 0x7ff0000000000000n && (bits & 0x000fffffffffffffn) !== 0n;
}
