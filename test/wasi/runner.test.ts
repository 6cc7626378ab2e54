// runWasi: exit codes, traps, sleeping and waiting without holding the
// event loop, and failures of the embedder's sinks and streams.
import { describe, expect, it } from 'vitest';
import { GuestTrap, HostError, UsageError } from '../../host-shim/errors.js';
import { runWasi } from '../../host-shim/wasi/run.js';
import { wat } from '../support/wat.js';

const PREVIEW1 = '"wasi_snapshot_preview1"';

function command(body: string, imports = ''): Uint8Array {
  return wat(`(module
    (import ${PREVIEW1} "proc_exit" (func $exit (param i32)))
    (import ${PREVIEW1} "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
    (import ${PREVIEW1} "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import ${PREVIEW1} "random_get" (func $random (param i32 i32) (result i32)))
    ${imports}
    (memory (export "memory") 2)
    (func (export "_start") ${body}))`);
}

/** Sleeps `ns` on the monotonic clock, then exits with errno * 100 + the number of events. */
const sleeper = (ns: bigint) =>
  command(`
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const ${ns}))
    (call $exit (i32.add (i32.mul (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)) (i32.const 100))
                         (i32.load (i32.const 128))))`);

/** Writes "hi\n" to stdout and returns from _start. */
const greeter = command(`
  (i32.store (i32.const 0) (i32.const 8))
  (i32.store (i32.const 4) (i32.const 3))
  (i32.store (i32.const 8) (i32.const 0x0a6968))
  (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))`);

describe('runWasi', () => {
  it('returns the proc_exit code, or 0 when _start returns', async () => {
    expect(await runWasi(command('(call $exit (i32.const 42))'))).toEqual({ exitCode: 42 });
    const out: string[] = [];
    expect(await runWasi(greeter, { stdout: (c) => out.push(Buffer.from(c).toString()) })).toEqual({ exitCode: 0 });
    expect(out.join('')).toBe('hi\n');
  });

  it('reports a trap as GuestTrap and a module without _start as a usage error', async () => {
    await expect(runWasi(command('unreachable'))).rejects.toThrow(GuestTrap);
    await expect(runWasi(command('unreachable'))).rejects.toThrow(/^unreachable/);
    await expect(runWasi(wat('(module (memory (export "memory") 1))'))).rejects.toThrow(UsageError);
  });

  it('bounds the run with fuel', async () => {
    const spin = command('(loop $l (br $l))');
    await expect(runWasi(spin, { engine: { fuel: 3_000_000n } })).rejects.toMatchObject({ kind: 'out_of_fuel' });
  });

  it('sleeps without holding the event loop', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    const started = performance.now();
    try {
      expect(await runWasi(sleeper(60_000_000n))).toEqual({ exitCode: 1 });
    } finally {
      clearInterval(ticker);
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(59);
    expect(ticks).toBeGreaterThanOrEqual(2); // a loop held for the whole sleep would tick at most once, at its end
  });

  it('fills more than 64 KiB of randomness in one call', async () => {
    expect(await runWasi(command('(call $exit (call $random (i32.const 0) (i32.const 100000)))'))).toEqual({ exitCode: 0 });
  });

  it('turns a throwing output sink into a HostError', async () => {
    const failing = () => {
      throw new Error('disk full');
    };
    await expect(runWasi(greeter, { stdout: failing })).rejects.toThrow(HostError);
    await expect(runWasi(greeter, { stdout: failing })).rejects.toThrow(/an output sink threw: disk full/);
  });

  it('turns a failing stdin stream into a HostError', async () => {
    const reader = command(
      `(i32.store (i32.const 0) (i32.const 32))
       (i32.store (i32.const 4) (i32.const 16))
       (call $exit (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))`,
      `(import ${PREVIEW1} "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))`,
    );
    async function* broken(): AsyncGenerator<Uint8Array> {
      await new Promise((resolve) => setTimeout(resolve, 1));
      throw new Error('connection reset');
    }
    await expect(runWasi(reader, { stdin: broken() })).rejects.toThrow(/reading stdin failed: connection reset/);
  });
});
