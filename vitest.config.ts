import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * The engine tests run twice, once on each wasmtime runner the wasmtime
 * engine can use (host-shim/vmm/wasmtime-runner.ts): the Python embedding, and
 * the wasmtime CLI, which is the real one when it is on the PATH, else
 * tools/wasmtime/emulated/wasmtime (`wasmtime run` on the Python embedding).
 */
const ENGINE_TESTS = ['test/engine/**/*.test.ts'];
const hasWasmtimeCli = spawnSync('wasmtime', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasWasmtimeCli) console.warn('notice: no wasmtime CLI on the PATH; the wasmtime-cli tests run on tools/wasmtime/emulated/wasmtime (see tools/install-deps.sh)');
const cliPath = hasWasmtimeCli ? process.env.PATH : `${join(import.meta.dirname, 'tools', 'wasmtime', 'emulated')}:${process.env.PATH}`;

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: ENGINE_TESTS } },
      { extends: true, test: { name: 'wasmtime-python', include: ENGINE_TESTS, env: { WASMOTION_WASMTIME: 'python' } } },
      { extends: true, test: { name: 'wasmtime-cli', include: ENGINE_TESTS, env: { WASMOTION_WASMTIME: 'cli', PATH: cliPath ?? '' } } },
    ],
  },
});
