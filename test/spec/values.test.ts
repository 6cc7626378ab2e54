/**
 * Value matching of the spec runner: NaN patterns check bits, references
 * keep identity.
 */
import { describe, expect, test } from 'vitest';
import { HostRefs, argValue, matchValue } from '../../tools/spec/values.js';
import { versionAtLeast } from '../../tools/spec/wast2json.js';

const refs = new HostRefs();

describe('spec value matching', () => {
  test('nan:canonical accepts only the canonical payload, of either sign', () => {
    const canonical = { type: 'f32', value: 'nan:canonical' } as const;
    expect(matchValue(canonical, { type: 'f32', bits: 0x7fc00000 }, refs)).toBe(true);
    expect(matchValue(canonical, { type: 'f32', bits: 0xffc00000 }, refs)).toBe(true);
    expect(matchValue(canonical, { type: 'f32', bits: 0x7fc00001 }, refs)).toBe(false);
    expect(matchValue(canonical, { type: 'f32', bits: 0x7f800000 }, refs)).toBe(false);
    const f64 = { type: 'f64', value: 'nan:canonical' } as const;
    expect(matchValue(f64, { type: 'f64', bits: 0xfff8000000000000n }, refs)).toBe(true);
    expect(matchValue(f64, { type: 'f64', bits: 0x7ff8000000000001n }, refs)).toBe(false);
  });

  test('nan:arithmetic needs the quiet bit, not a particular payload', () => {
    const arithmetic = { type: 'f64', value: 'nan:arithmetic' } as const;
    expect(matchValue(arithmetic, { type: 'f64', bits: 0x7ff8000000000123n }, refs)).toBe(true);
    expect(matchValue(arithmetic, { type: 'f64', bits: 0x7ff4000000000000n }, refs)).toBe(false);
    const f32 = { type: 'f32', value: 'nan:arithmetic' } as const;
    expect(matchValue(f32, { type: 'f32', bits: 0xffc00010 }, refs)).toBe(true);
    expect(matchValue(f32, { type: 'f32', bits: 0x7fa00000 }, refs)).toBe(false);
  });

  test('floats compare by bits, integers by value, types must agree', () => {
    expect(matchValue({ type: 'f32', value: '2147483648' }, { type: 'f32', bits: 0x80000000 }, refs)).toBe(true);
    expect(matchValue({ type: 'f32', value: '0' }, { type: 'f32', bits: 0x80000000 }, refs)).toBe(false);
    expect(matchValue({ type: 'i32', value: '4294967295' }, { type: 'i32', value: -1 }, refs)).toBe(true);
    expect(matchValue({ type: 'i64', value: '18446744073709551615' }, { type: 'i64', value: -1n }, refs)).toBe(true);
    expect(matchValue({ type: 'i32', value: '1' }, { type: 'i64', value: 1n }, refs)).toBe(false);
  });

  test('references: null, any-non-null patterns, and host reference identity', () => {
    const ref = argValue({ type: 'externref', value: '7' }, refs);
    expect(matchValue({ type: 'externref', value: '7' }, ref, refs)).toBe(true);
    expect(matchValue({ type: 'externref', value: '8' }, ref, refs)).toBe(false);
    expect(matchValue({ type: 'externref' }, ref, refs)).toBe(true);
    expect(matchValue({ type: 'funcref', value: 'null' }, { type: 'funcref', value: null }, refs)).toBe(true);
    expect(matchValue({ type: 'funcref' }, { type: 'funcref', value: null }, refs)).toBe(false);
  });

  test('wast2json versions compare numerically', () => {
    expect(versionAtLeast('1.0.42', [1, 0, 34])).toBe(true);
    expect(versionAtLeast('1.0.32', [1, 0, 34])).toBe(false);
    expect(versionAtLeast('1.1.0', [1, 0, 34])).toBe(true);
  });
});
