// A guest stopped at any point, written to a snapshot directory and resumed in
// a fresh VMM (chains of full and diff snapshots), prints exactly what one
// uninterrupted run prints and exits with the same code.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GuestSession, type SessionOptions } from '../../host-shim/guest/session.js';
import { SnapshotDir } from '../../host-shim/snapshot/directory.js';
import { takeSnapshot } from '../../host-shim/snapshot/take.js';

const guests = join(import.meta.dirname, '..', '..', 'build', 'guests');
const PROGRAMS = [
  { file: 'printf.wasm', args: [] },
  { file: 'compute.wasm', args: [] },
  { file: 'hello.wasm', args: ['a', 'b', '--exit=3'] },
  { file: 'as-hello.wasm', args: ['x'] },
];

interface Captured {
  out: string;
  err: string;
  exitCode: number;
  steps: bigint;
}

function capture(): { options: SessionOptions; text: () => { out: string; err: string } } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  return {
    options: { stdout: (c) => out.push(Buffer.from(c)), stderr: (c) => err.push(Buffer.from(c)), env: { K: 'v' } },
    text: () => ({ out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }),
  };
}

async function uninterrupted(bytes: Uint8Array, args: string[]): Promise<Captured> {
  const c = capture();
  const s = GuestSession.start(bytes, { ...c.options, args, programName: 'guest' });
  const o = await s.run();
  const steps = s.steps();
  s.dispose();
  if (o.state !== 'exited') throw new Error('did not exit');
  return { ...c.text(), exitCode: o.exitCode, steps };
}

/** Runs with stops after each of `stops` steps, a snapshot and a fresh VMM each time. */
async function withStops(bytes: Uint8Array, args: string[], stops: bigint[]): Promise<Captured> {
  const dirPath = mkdtempSync(join(tmpdir(), 'wasmotion-stops-'));
  const dir = new SnapshotDir(dirPath);
  dir.init(bytes);
  const c = capture();
  try {
    let session = GuestSession.start(bytes, { ...c.options, args, programName: 'guest' });
    for (const stop of stops) {
      const o = await session.run({ stopAfter: stop });
      if (o.state === 'exited') return { ...c.text(), exitCode: o.exitCode, steps: session.steps() };
      takeSnapshot(dir, session, bytes);
      session.dispose();
      session = GuestSession.restore(dir.readModule(), dir.readChain(), c.options);
    }
    const o = await session.run();
    session.dispose();
    if (o.state !== 'exited') throw new Error('did not exit');
    return { ...c.text(), exitCode: o.exitCode, steps: session.steps() };
  } finally {
    rmSync(dirPath, { recursive: true, force: true });
  }
}

describe('stops and resumes of real WASI programs', () => {
  for (const p of PROGRAMS) {
    const path = join(guests, p.file);
    test.skipIf(!existsSync(path))(`${p.file}: output across random chains of stops equals one run`, async () => {
      const bytes = readFileSync(path);
      const reference = await uninterrupted(bytes, p.args);
      let seed = p.file.length * 7919;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
      for (let trial = 0; trial < 8; trial++) {
        const stops = Array.from({ length: 1 + trial }, () => BigInt(1 + Math.floor(random() * Number(reference.steps) / (trial + 1))));
        const got = await withStops(bytes, p.args, stops);
        expect(got.out).toBe(reference.out);
        expect(got.err).toBe(reference.err);
        expect(got.exitCode).toBe(reference.exitCode);
        expect(got.steps).toBe(reference.steps);
      }
    });
  }
});
