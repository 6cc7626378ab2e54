/**
 * Real snapshot chains for the snapshot fuzzer, and resuming a directory
 * under bounds. A chain is written by the same code the CLI uses
 * (GuestSession, takeSnapshot, SnapshotDir), then read into memory, so each
 * fuzz case only writes its mutated copy.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WasmotionError } from '../../host-shim/errors.js';
import { GuestSession } from '../../host-shim/guest/session.js';
import { SnapshotDir } from '../../host-shim/snapshot/directory.js';
import { takeSnapshot } from '../../host-shim/snapshot/take.js';
import type { SnapshotFiles } from './snapshot-mutate.js';

export interface GuestRecipe {
  bytes: Uint8Array;
  args: string[];
}

export function readFiles(path: string): SnapshotFiles {
  return new Map(readdirSync(path).map((f) => [f, readFileSync(join(path, f))]));
}

/** Replaces the contents of directory `path` with `files`. */
export function writeFiles(path: string, files: SnapshotFiles): void {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(path, name), bytes);
}

/** Runs `guest`, writing a snapshot (full, then diffs) after each of `stops` steps; the files it left. */
export async function buildChain(guest: GuestRecipe, stops: bigint[]): Promise<SnapshotFiles> {
  const path = mkdtempSync(join(tmpdir(), 'wasmotion-chain-'));
  try {
    const dir = new SnapshotDir(path);
    dir.init(guest.bytes);
    const session = GuestSession.start(guest.bytes, { args: guest.args, programName: 'guest', stdout: () => {}, stderr: () => {} });
    try {
      for (const stop of stops) {
        const outcome = await session.run({ stopAfter: stop });
        if (outcome.state !== 'stopped') throw new Error(`the guest exited before step ${stop}: choose earlier stops`);
        takeSnapshot(dir, session, guest.bytes);
      }
    } finally {
      session.dispose();
    }
    return readFiles(path);
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

export type Resumed =
  /** The directory was refused with a snapshot or checkpoint error: the contract's "fails". */
  | { kind: 'refused'; code: string; message: string }
  /** Restored and ran to an exit or a guest trap. */
  | { kind: 'ran'; end: string; stdout: Buffer; stderr: Buffer; steps: bigint; memory: string }
  /** Still blocked or running when the wall-clock bound passed. */
  | { kind: 'timed out' }
  /** Anything else thrown: another error class or code, a VMM fault, a plain exception. */
  | { kind: 'threw'; phase: 'restore' | 'run'; error: string };

export interface ResumeBounds {
  /** Steps the resumed guest may run (GuestTrap out_of_fuel past them). */
  fuel: bigint;
  /** Wall-clock limit of the run, for a guest left blocked or sleeping. */
  ms: number;
}

export function isRefusal(err: unknown): err is WasmotionError {
  return err instanceof WasmotionError && (err.code.startsWith('WASMOTION_ERR_SNAPSHOT_') || err.code === 'WASMOTION_ERR_BAD_CHECKPOINT');
}

function describe(err: unknown): string {
  if (err instanceof WasmotionError) return `${err.name} ${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Restores the chain in `path` as `wasmotion resume` does and runs it to its end, within `bounds`. */
export async function resumeDir(path: string, bounds: ResumeBounds): Promise<Resumed> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let session: GuestSession;
  try {
    const dir = new SnapshotDir(path);
    const chain = dir.readChain();
    session = GuestSession.restore(dir.readModule(), chain, {
      stdout: (c) => out.push(Buffer.from(c)),
      stderr: (c) => err.push(Buffer.from(c)),
      engine: { fuel: Number(bounds.fuel) },
    });
  } catch (e) {
    if (isRefusal(e)) return { kind: 'refused', code: e.code, message: e.message };
    return { kind: 'threw', phase: 'restore', error: describe(e) };
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), bounds.ms)));
  try {
    const end = await Promise.race([
      session.run().then(
        (o) => (o.state === 'exited' ? `exit ${o.exitCode}` : `stopped at ${o.steps}`),
        (e: unknown) => {
          if (e instanceof WasmotionError && e.name === 'GuestTrap') return `trap ${(e as { kind?: string }).kind}`;
          throw e;
        },
      ),
      timeout,
    ]);
    if (end === 'timed out') return { kind: 'timed out' };
    const memory = createHash('sha256').update(session.memory().read(0, session.memoryBytes())).digest('hex');
    return { kind: 'ran', end, stdout: Buffer.concat(out), stderr: Buffer.concat(err), steps: session.steps(), memory };
  } catch (e) {
    return { kind: 'threw', phase: 'run', error: describe(e) };
  } finally {
    clearTimeout(timer);
    session.dispose();
  }
}

/**
 * Same end, same output, same final memory: the resume that an unmutated
 * directory gives. The guests are deterministic, so a correct restore ends
 * with memory identical to the byte; comparing it catches a stale page that
 * the output happens not to show.
 */
export function sameRun(a: Resumed, b: Resumed): boolean {
  return a.kind === 'ran' && b.kind === 'ran' && a.end === b.end && a.memory === b.memory && a.stdout.equals(b.stdout) && a.stderr.equals(b.stderr);
}
