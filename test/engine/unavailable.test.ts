// Where wasmtime cannot run the VMM, asking for it is refused with a stable
// code that says what is missing; `wasmotion run --engine wasmtime` runs a
// guest where it can.
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { counterPath, reference, counter, wasmtimeMissing } from './support.js';

const root = join(import.meta.dirname, '..', '..');
const wasmotion = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, [join(root, 'bin', 'wasmotion.js'), ...args], { env, timeout: 120_000, encoding: 'utf8' });

/** Runs `fn` with a PATH of one directory that holds only a python3 without the wasmtime package, and no wasmtime. */
function withoutWasmtime(fn: (path: string) => void): void {
  const bin = mkdtempSync(join(tmpdir(), 'wasmotion-nowasmtime-'));
  try {
    // It fails every import, and every probe.
    writeFileSync(join(bin, 'python3'), '#!/bin/sh\nexit 1\n');
    chmodSync(join(bin, 'python3'), 0o755);
    fn(bin);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

const refusal = (reason: string) => `wasmotion: the wasmtime engine is not available: ${reason} [WASMOTION_ERR_ENGINE_UNAVAILABLE]\n`;

describe('choosing the wasm engine', () => {
  test('with neither the wasmtime CLI nor the Python package, --engine wasmtime is refused with WASMOTION_ERR_ENGINE_UNAVAILABLE', () => {
    withoutWasmtime((path) => {
      const env = { ...process.env, PATH: path, WASMOTION_WASMTIME: '' };
      const run = wasmotion(['run', '--engine', 'wasmtime', counterPath, '--', '1', '4', '0'], env);
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(refusal('the wasmtime CLI is not on the PATH and the wasmtime Python package is not installed (pip install wasmtime)'));
      const hostStart = wasmotion(['host', 'start', '--listen', '127.0.0.1:0', '--engine', 'wasmtime'], env);
      expect(hostStart.status).toBe(1);
      expect(hostStart.stderr).toContain('[WASMOTION_ERR_ENGINE_UNAVAILABLE]');
    });
  }, 60_000);

  test('WASMOTION_WASMTIME insists on one runner, and names it when it is missing', () => {
    withoutWasmtime((path) => {
      const ask = (choice: string) => wasmotion(['run', '--engine', 'wasmtime', counterPath, '--', '1', '4', '0'], { ...process.env, PATH: path, WASMOTION_WASMTIME: choice });
      const cli = ask('cli');
      expect(cli.status).toBe(1);
      expect(cli.stderr).toBe(refusal('the wasmtime CLI is not on the PATH (WASMOTION_WASMTIME=cli)'));
      const python = ask('python');
      expect(python.status).toBe(1);
      expect(python.stderr).toBe(refusal('the wasmtime Python package is not installed (pip install wasmtime) (WASMOTION_WASMTIME=python)'));
      const other = ask('node');
      expect(other.status).toBe(1);
      expect(other.stderr).toBe(refusal('WASMOTION_WASMTIME=node names no wasmtime runner: one of cli, python'));
    });
  }, 60_000);

  test('a wasmtime that ends before the VMM is ready fails at once with WASMOTION_ERR_VMM_FAULT', () => {
    withoutWasmtime((path) => {
      // It answers --version, and ends every run.
      writeFileSync(join(path, 'wasmtime'), '#!/bin/sh\n[ "$1" = --version ] && { echo "wasmtime 0.0.0"; exit 0; }\necho "no VMM today" >&2\nexit 3\n');
      chmodSync(join(path, 'wasmtime'), 0o755);
      // The engine makes its FIFOs with mkfifo.
      symlinkSync(spawnSync('sh', ['-c', 'command -v mkfifo'], { encoding: 'utf8' }).stdout.trim(), join(path, 'mkfifo'));
      const started = performance.now();
      const run = wasmotion(['run', '--engine', 'wasmtime', counterPath, '--', '1', '4', '0'], { ...process.env, PATH: path, WASMOTION_WASMTIME: 'cli' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('no VMM today\n');
      expect(run.stderr).toMatch(/the wasmtime process \(wasmtime run \S+vmm-cli\.wasm serve\) ended before it was ready.*\[WASMOTION_ERR_VMM_FAULT\]\n$/);
      // Well within the start-up time limit (120 s): the end of the replies says it.
      expect(performance.now() - started).toBeLessThan(30_000);
    });
  }, 60_000);

  test('wasmotion run --engine wasmtime prints what it prints on V8', async (ctx) => {
    const missing = wasmtimeMissing();
    if (missing) return ctx.skip(missing);
    const run = wasmotion(['run', '--engine', 'wasmtime', counterPath, '--', '20', '64', '0']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(await reference(counter(), ['20', '64', '0']));
  }, 60_000);
});
