/**
 * Conversions between the shim's typed Values and the VMM's 8-byte slots.
 */
import { GuestTrap, type TrapKind } from '../errors.js';
import type { ValType } from '../engine/types.js';

export const SLOT_BYTES = 8;

/** Trap kinds in the order of assembly/errors.ts Trap (index 0 is "none"). */
const TRAP_KINDS: (TrapKind | undefined)[] = [
  undefined,
  'unreachable',
  'out_of_bounds_memory',
  'out_of_bounds_table',
  'undefined_element',
  'uninitialized_element',
  'indirect_call_type_mismatch',
  'integer_divide_by_zero',
  'integer_overflow',
  'invalid_conversion',
  'call_stack_exhausted',
];

export function guestTrap(code: number, message: string): GuestTrap {
  return new GuestTrap(TRAP_KINDS[code] ?? 'unreachable', message);
}

/** Raw slot contents of a value, as a 64-bit pattern. References are encoded by the caller. */
export function writeSlot(view: DataView, ptr: number, type: ValType, value: { value?: unknown; bits?: unknown }, ref: () => number): void {
  switch (type) {
    case 'i32':
      view.setBigUint64(ptr, 0n, true);
      view.setInt32(ptr, Number(value.value), true);
      return;
    case 'i64':
      view.setBigInt64(ptr, BigInt.asIntN(64, value.value as bigint), true);
      return;
    case 'f32':
      view.setBigUint64(ptr, 0n, true);
      view.setUint32(ptr, Number(value.bits) >>> 0, true);
      return;
    case 'f64':
      view.setBigUint64(ptr, BigInt.asUintN(64, value.bits as bigint), true);
      return;
    default:
      view.setBigUint64(ptr, BigInt(ref() >>> 0), true);
  }
}
