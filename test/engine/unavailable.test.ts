// Where wasmtime cannot run vmm.wasm, asking for it is refused with a stable
// code; `wasmotion run --engine wasmtime` runs a guest where it can.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { counterPath, reference, counter, wasmtimeMissing } from './support.js';

const root = join(import.meta.dirname, '..', '..');
const wasmotion = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, [join(root, 'bin', 'wasmotion.js'), ...args], { env, timeout: 120_000, encoding: 'utf8' });

describe('choosing the wasm engine', () => {
  test('without the wasmtime package, --engine wasmtime is refused with WASMOTION_ERR_ENGINE_UNAVAILABLE', () => {
    // A python3 that has no wasmtime package: it fails every import.
    const bin = mkdtempSync(join(tmpdir(), 'wasmotion-nopython-'));
    try {
      writeFileSync(join(bin, 'python3'), '#!/bin/sh\nexit 1\n');
      chmodSync(join(bin, 'python3'), 0o755);
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
      const run = wasmotion(['run', '--engine', 'wasmtime', counterPath, '--', '1', '4', '0'], env);
      expect(run.status).toBe(1);
      expect(run.stderr).toBe('wasmotion: the wasmtime engine is not available: the wasmtime Python package is not installed (pip install wasmtime) [WASMOTION_ERR_ENGINE_UNAVAILABLE]\n');
      const hostStart = wasmotion(['host', 'start', '--listen', '127.0.0.1:0', '--engine', 'wasmtime'], env);
      expect(hostStart.status).toBe(1);
      expect(hostStart.stderr).toContain('[WASMOTION_ERR_ENGINE_UNAVAILABLE]');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
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
