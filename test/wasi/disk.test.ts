// The disk device: the appender guest (guests/c/appender.c) on the VMM's
// virtual disk against node:wasi on a real directory, a full disk, paths
// that try to leave it, and a checkpoint taken mid-run that resumes in
// another VMM with the same files.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { describe, expect, it } from 'vitest';
import { GuestSession } from '../../host-shim/guest/session.js';
import { cGuestWasmPath } from '../../tools/guests/layout.js';

const APPENDER = cGuestWasmPath('appender');
const ARGS = ['/data', '120', '4'];

function sinks() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    stdout: { write: (b: Uint8Array) => void (out.stdout += Buffer.from(b).toString()) },
    stderr: { write: (b: Uint8Array) => void (out.stderr += Buffer.from(b).toString()) },
  };
}

async function runOnDisk(args: string[], diskBytes: number) {
  const s = sinks();
  const session = GuestSession.start(readFileSync(APPENDER), { programName: 'appender', args, disk: { bytes: diskBytes }, stdout: s.stdout, stderr: s.stderr });
  try {
    const outcome = await session.run();
    return { ...s.out, exit: outcome.state === 'exited' ? outcome.exitCode : -1, steps: session.steps() };
  } finally {
    session.dispose();
  }
}

function runUnderNode(args: string[]): { stdout: string; exit: number } {
  const dir = mkdtempSync(join(tmpdir(), 'wasmotion-disk-'));
  const outFile = join(dir, '..', `${dir.split('/').pop()}.out`);
  try {
    // node:wasi writes to real descriptors: give it a file for stdout.
    const { openSync, closeSync } = require('node:fs') as typeof import('node:fs');
    const fd = openSync(outFile, 'w');
    const wasi = new WASI({ version: 'preview1', args: ['appender', ...args], preopens: { '/data': dir }, stdout: fd, returnOnExit: true });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(APPENDER)), wasi.getImportObject() as WebAssembly.Imports);
    const exit = wasi.start(instance);
    closeSync(fd);
    return { stdout: readFileSync(outFile, 'utf8'), exit };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outFile, { force: true });
  }
}

describe('disk device', () => {
  it.skipIf(!existsSync(APPENDER))('gives the appender the files node:wasi gives it on a real directory', async () => {
    const vmm = await runOnDisk(ARGS, 1 << 20);
    const node = runUnderNode(ARGS);
    expect(vmm.stderr).toBe('');
    expect(vmm.exit).toBe(0);
    expect(node.exit).toBe(0);
    expect(vmm.stdout).toMatch(/^checksum [0-9a-f]{8}$/m);
    expect(vmm.stdout).toBe(node.stdout);
  });

  it.skipIf(!existsSync(APPENDER))('says ENOSPC when the disk is full', async () => {
    // 64 KiB: superblock, bitmap, 4 inode blocks, the rest for data; 2,000 rounds of 4 files do not fit.
    const full = await runOnDisk(['/data', '2000', '4'], 64 << 10);
    expect(full.exit).toBe(1);
    expect(full.stderr).toMatch(/No space left on device/);
  });

  it.skipIf(!existsSync(APPENDER))('keeps paths inside the disk', async () => {
    const escaped = await runOnDisk(['/data/..', '1', '1'], 1 << 20);
    expect(escaped.exit).toBe(1);
    expect(escaped.stderr).toMatch(/cannot make \/data\/\.\.\/logs/);
  });

  it.skipIf(!existsSync(APPENDER))('keeps files and open descriptors in a checkpoint taken mid-run', async () => {
    const whole = await runOnDisk(ARGS, 1 << 20);
    const module = readFileSync(APPENDER);
    const s = sinks();
    const first = GuestSession.start(module, { programName: 'appender', args: ARGS, disk: { bytes: 1 << 20 }, stdout: s.stdout, stderr: s.stderr });
    // Stop at several points on the way: the files are half written at each.
    let current = first;
    for (let stop = 1; stop <= 4; stop++) {
      const outcome = await current.run({ stopAfter: whole.steps / 5n });
      expect(outcome.state).toBe('stopped');
      const state = current.checkpointState();
      const memory = Uint8Array.from(current.memory().read(0, current.memoryBytes()));
      current.dispose();
      const next = GuestSession.prepare(module, { stdout: s.stdout, stderr: s.stderr });
      next.ensurePages(memory.length / 65536);
      next.memory().write(0, memory);
      next.load(state);
      current = next;
    }
    const outcome = await current.run();
    current.dispose();
    expect(outcome).toEqual({ state: 'exited', exitCode: 0 });
    expect(s.out.stderr).toBe('');
    expect(s.out.stdout).toBe(whole.stdout);
  });
});
