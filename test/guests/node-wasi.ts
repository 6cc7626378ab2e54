/**
 * Runs a WASI command under Node's own WASI (preview1) with stdin from a
 * buffer and stdout/stderr captured. node:wasi only takes file descriptors,
 * so the three streams go through temporary files.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import type { WasiCase, WasiRun } from './wasi-cases.js';

export function runUnderNodeWasi(c: Pick<WasiCase, 'wasmPath' | 'args' | 'env' | 'stdin'>): WasiRun {
  const dir = mkdtempSync(join(tmpdir(), 'wasmotion-guest-'));
  const paths = { stdin: join(dir, 'stdin'), stdout: join(dir, 'stdout'), stderr: join(dir, 'stderr') };
  writeFileSync(paths.stdin, c.stdin);
  const fds = { stdin: openSync(paths.stdin, 'r'), stdout: openSync(paths.stdout, 'w'), stderr: openSync(paths.stderr, 'w') };
  try {
    const wasi = new WASI({ version: 'preview1', args: c.args, env: c.env, returnOnExit: true, ...fds });
    const module = new WebAssembly.Module(readFileSync(c.wasmPath));
    const instance = new WebAssembly.Instance(module, wasi.getImportObject() as WebAssembly.Imports);
    let exit: number | 'trap';
    try {
      exit = wasi.start(instance);
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError)) throw e;
      exit = 'trap';
    }
    return { exit, stdout: readFileSync(paths.stdout, 'latin1'), stderr: readFileSync(paths.stderr, 'latin1') };
  } finally {
    for (const fd of Object.values(fds)) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}
