/** The binary encoding of value types, both ways. */
import type { ValType } from './types.js';

export const TYPE_CODES: Record<ValType, number> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
};

const TYPE_NAMES = new Map<number, ValType>(Object.entries(TYPE_CODES).map(([k, v]) => [v, k as ValType]));

export function typeName(code: number): ValType {
  const name = TYPE_NAMES.get(code);
  if (!name) throw new Error(`unknown value type code 0x${code.toString(16)}`);
  return name;
}
