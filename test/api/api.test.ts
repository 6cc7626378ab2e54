import { describe, expect, test } from 'vitest';
import { GuestTrap, HostError, LinkError, ModuleError, Vmm } from '../../host-shim/index.js';
import { wat } from '../support/wat.js';

const calc = wat(`(module
  (import "env" "scale" (func $scale (param i32) (result i32)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "half") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.5)))
  (func (export "divmod") (param i32 i32) (result i32 i32)
    (i32.div_u (local.get 0) (local.get 1)) (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "scaled") (param i32) (result i32) (call $scale (local.get 0)))
  (func (export "boom") unreachable)
  (memory (export "memory") 1)
  (global (export "answer") i32 (i32.const 42)))`);

describe('the embedding API', () => {
  test('calls exports with numbers and bigints and returns arrays', () => {
    const guest = new Vmm().load(calc, { env: { scale: (x) => (x as number) * 10 } });
    expect(guest.call('add', 2, 3)).toEqual([5]);
    expect(guest.call('add64', 2n ** 62n, 2n ** 62n)).toEqual([-(2n ** 63n)]);
    expect(guest.call('half', 3)).toEqual([1.5]);
    expect(guest.call('divmod', 17, 5)).toEqual([3, 2]);
    expect(guest.call('scaled', 4)).toEqual([40]);
    expect(guest.global('answer')).toBe(42);
    expect(guest.memory().length).toBe(65536);
  });

  test('a trap is a GuestTrap with its kind', () => {
    const guest = new Vmm().load(calc, { env: { scale: (x) => x } });
    const err = catchError(() => guest.call('boom'));
    expect(err).toBeInstanceOf(GuestTrap);
    expect((err as GuestTrap).kind).toBe('unreachable');
    expect((err as GuestTrap).code).toBe('WASMOTION_ERR_TRAP');
    expect(catchError(() => guest.call('divmod', 1, 0))).toMatchObject({ kind: 'integer_divide_by_zero' });
    // The guest stays usable after a trap.
    expect(guest.call('add', 1, 1)).toEqual([2]);
  });

  test('a malformed or invalid module is a ModuleError with its offset', () => {
    const bad = catchError(() => new Vmm().load(Uint8Array.from([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0])));
    expect(bad).toBeInstanceOf(ModuleError);
    expect(bad).toMatchObject({ kind: 'malformed', reason: 'unknown binary version', offset: 4, code: 'WASMOTION_ERR_MALFORMED' });
    const invalid = wat('(module (func (result i32) (i64.const 1)))', { validate: false });
    const err = catchError(() => new Vmm().load(invalid));
    expect(err).toMatchObject({ kind: 'invalid', reason: 'type mismatch' });
    expect((err as ModuleError).offset).toBeGreaterThan(8);
  });

  test('a throwing host function is a HostError, a missing import a LinkError', () => {
    const guest = new Vmm().load(calc, {
      env: {
        scale: () => {
          throw new Error('nope');
        },
      },
    });
    const err = catchError(() => guest.call('scaled', 1));
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).cause).toBeInstanceOf(Error);
    expect(catchError(() => new Vmm().load(calc))).toBeInstanceOf(LinkError);
  });

  test('guests of one Vmm link to each other', () => {
    const vmm = new Vmm();
    const lib = vmm.load(wat('(module (func (export "twice") (param i32) (result i32) (i32.shl (local.get 0) (i32.const 1))))'));
    const app = vmm.load(
      wat('(module (import "lib" "twice" (func $t (param i32) (result i32))) (func (export "quad") (param i32) (result i32) (call $t (call $t (local.get 0)))))'),
      { lib: { twice: lib.export('twice')! } },
    );
    expect(app.call('quad', 5)).toEqual([20]);
  });

  test('deep recursion traps with call stack exhausted, and fuel bounds a call', () => {
    const loop = wat('(module (func $f (export "f") (call $f)) (func (export "spin") (loop (br 0))))');
    const guest = new Vmm({ fuel: 100_000 }).load(loop);
    expect(catchError(() => guest.call('f'))).toMatchObject({ kind: 'call_stack_exhausted', message: 'call stack exhausted' });
    expect(catchError(() => guest.call('spin'))).toMatchObject({ kind: 'out_of_fuel' });
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
