import { describe, expect, it } from 'vitest';
import type { Value } from '../../host-shim/engine/types.js';
import { GuestTrap } from '../../host-shim/errors.js';
import { compareOutcomes, outcomeOfError, type Outcome } from '../../tools/fuzz/outcome.js';

const values = (...v: Value[]): Outcome => ({ kind: 'values', values: v });

describe('outcome comparison', () => {
  it('compares integers bit-exactly', () => {
    expect(compareOutcomes(values({ type: 'i32', value: 1 }), values({ type: 'i32', value: 1 }))).toBeUndefined();
    expect(compareOutcomes(values({ type: 'i64', value: 1n }), values({ type: 'i64', value: 2n }))).toMatch(/i64:1/);
  });

  it('compares floats bit-exactly except that any NaN equals any NaN', () => {
    expect(compareOutcomes(values({ type: 'f32', bits: 0x7fc00000 }), values({ type: 'f32', bits: 0xffc00001 }))).toBeUndefined();
    expect(compareOutcomes(values({ type: 'f64', bits: 0x7ff8000000000000n }), values({ type: 'f64', bits: 0xfff0000000000001n }))).toBeUndefined();
    expect(compareOutcomes(values({ type: 'f32', bits: 0x80000000 }), values({ type: 'f32', bits: 0 }))).toBeDefined(); // -0 vs +0
    expect(compareOutcomes(values({ type: 'f32', bits: 0x7fc00000 }), values({ type: 'f32', bits: 0x7f800000 }))).toBeDefined(); // NaN vs inf
  });

  it('matches trap kinds up to what V8 cannot tell apart', () => {
    const trap = (k: GuestTrap['kind']) => outcomeOfError(new GuestTrap(k, k));
    expect(compareOutcomes(trap('undefined_element'), trap('out_of_bounds_table'))).toBeUndefined();
    expect(compareOutcomes(trap('indirect_call_type_mismatch'), trap('uninitialized_element'))).toBeUndefined();
    expect(compareOutcomes(trap('integer_overflow'), trap('invalid_conversion'))).toBeUndefined();
    expect(compareOutcomes(trap('unreachable'), trap('out_of_bounds_memory'))).toBeDefined();
    expect(compareOutcomes(trap('unreachable'), values())).toBeDefined();
  });

  it('treats any other exception as a crash, even on both sides', () => {
    const crash = outcomeOfError(new TypeError('boom'));
    expect(crash.kind).toBe('crash');
    expect(compareOutcomes(crash, crash)).toMatch(/crash/);
  });
});
