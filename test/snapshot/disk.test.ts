// Snapshots of a guest with a disk: the disk's blocks in DISK sections, a
// full snapshot with every non-zero block, diffs with only the blocks
// written since the snapshot before; the state then holds the disk's size
// and descriptors only. A chain resumes to the output of an unbroken run.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GuestSession } from '../../host-shim/guest/session.js';
import { SnapshotDir, readSnapshot } from '../../host-shim/snapshot/directory.js';
import { SectionId, decode, encode } from '../../host-shim/snapshot/format.js';
import { memoryPagesOf } from '../../host-shim/snapshot/memory.js';
import { takeSnapshot } from '../../host-shim/snapshot/take.js';
import { cGuestWasmPath } from '../../tools/guests/layout.js';

const APPENDER = cGuestWasmPath('appender');
const ARGS = ['/data', '300', '8'];
const DISK = 1 << 20;
const tmp = mkdtempSync(join(tmpdir(), 'wasmotion-disksnap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function output() {
  const out = { text: '' };
  const sink = { write: (b: Uint8Array) => void (out.text += Buffer.from(b).toString()) };
  return { out, stdout: sink, stderr: sink };
}

/** Data blocks listed in a DISK payload (the trailer's second word). */
const dataBlocks = (payload: Uint8Array) => Buffer.from(payload).readUInt32LE(payload.length - 16 + 4);

describe.skipIf(!existsSync(APPENDER))('snapshots of a guest with a disk', () => {
  const module = existsSync(APPENDER) ? readFileSync(APPENDER) : new Uint8Array();

  async function unbroken() {
    const o = output();
    const s = GuestSession.start(module, { programName: 'appender', args: ARGS, disk: { bytes: DISK }, ...o });
    await s.run();
    const steps = s.steps();
    s.dispose();
    return { text: o.out.text, steps };
  }

  /** Runs the appender into `dir` with a diff every `every` steps, stopping (with a snapshot) after `stop`. */
  async function snapshotted(name: string, every: bigint, stop: bigint) {
    const dir = new SnapshotDir(join(tmp, name));
    dir.init(module);
    const o = output();
    const s = GuestSession.start(module, { programName: 'appender', args: ARGS, disk: { bytes: DISK }, ...o });
    const outcome = await s.run({ stopAfter: stop, every: { steps: every, at: (g) => void takeSnapshot(dir, g, module) } });
    expect(outcome.state).toBe('stopped');
    takeSnapshot(dir, s, module);
    s.dispose();
    return { dir, text: o.out.text };
  }

  async function resume(dir: SnapshotDir) {
    const o = output();
    const s = GuestSession.restore(dir.readModule(), dir.readChain(), o);
    const outcome = await s.run();
    s.dispose();
    return { outcome, text: o.out.text };
  }

  it('holds the blocks in DISK sections, diffs only what was written since, and resumes to the unbroken output', async () => {
    const whole = await unbroken();
    const { dir, text } = await snapshotted('chain', whole.steps / 8n, whole.steps / 2n);
    const chain = dir.readChain();
    expect(chain.length).toBeGreaterThan(3);
    for (const snap of chain) {
      expect(snap.disk).toBeDefined();
      expect(memoryPagesOf(snap.disk!, 'disk')).toBe(DISK / 4096);
      // The state holds no image: far smaller than the disk's written blocks.
      expect(snap.state.length).toBeLessThan(dataBlocks(chain[0].disk!) * 4096);
    }
    const full = dataBlocks(chain[0].disk!);
    const written = chain.slice(1).map((s) => dataBlocks(s.disk!));
    // Superblock, bitmap, inodes, the root, logs/ and its files at least.
    expect(full).toBeGreaterThan(8);
    // A diff carries the blocks the appender touched meanwhile (its files' tails, inodes, bitmap), not the whole disk.
    for (const n of written) expect(n).toBeLessThan(full + 64);
    expect(Math.min(...written)).toBeLessThan(full);
    const resumed = await resume(dir);
    expect(resumed.outcome).toEqual({ state: 'exited', exitCode: 0 });
    expect(text + resumed.text).toBe(whole.text);
  });

  it('a diff after a resume goes on with DISK sections, and the chain still resumes', async () => {
    const whole = await unbroken();
    const { dir, text } = await snapshotted('twice', whole.steps, whole.steps / 3n);
    const o = output();
    const s = GuestSession.restore(dir.readModule(), dir.readChain(), o);
    expect((await s.run({ stopAfter: whole.steps / 3n })).state).toBe('stopped');
    const taken = takeSnapshot(dir, s, module);
    s.dispose();
    expect(taken.kind).toBe('diff');
    expect(taken.diskBytes).toBeGreaterThan(0);
    expect(taken.diskBytes).toBeLessThan(DISK / 2);
    const resumed = await resume(dir);
    expect(resumed.outcome).toEqual({ state: 'exited', exitCode: 0 });
    expect(text + o.out.text + resumed.text).toBe(whole.text);
  });

  it('a chain written with the image inside its states (as before DISK sections) resumes, and its diffs go on that way', async () => {
    const whole = await unbroken();
    const dir = new SnapshotDir(join(tmp, 'inside'));
    dir.init(module);
    const o = output();
    const s = GuestSession.start(module, { programName: 'appender', args: ARGS, disk: { bytes: DISK }, ...o });
    s.diskApartInSnapshots = false;
    expect((await s.run({ stopAfter: whole.steps / 3n, every: { steps: whole.steps / 8n, at: (g) => void takeSnapshot(dir, g, module) } })).state).toBe('stopped');
    takeSnapshot(dir, s, module);
    s.dispose();
    const chain = dir.readChain();
    expect(chain.every((f) => f.disk === undefined)).toBe(true);
    const next = GuestSession.restore(dir.readModule(), chain, o);
    expect(next.diskApartInSnapshots).toBe(false);
    expect((await next.run({ stopAfter: whole.steps / 3n })).state).toBe('stopped');
    expect(takeSnapshot(dir, next, module).diskBytes).toBe(0);
    next.dispose();
    expect(dir.readChain().every((f) => f.disk === undefined)).toBe(true);
    const resumed = await resume(dir);
    expect(resumed.outcome).toEqual({ state: 'exited', exitCode: 0 });
    expect(o.out.text + resumed.text).toBe(whole.text);
  });

  it('refuses a chain whose files hold their disk differently', async () => {
    const whole = await unbroken();
    const { dir } = await snapshotted('mixed', whole.steps / 4n, whole.steps / 2n);
    const files = readdirSync(dir.path).filter((f) => f.endsWith('.diff.wms')).sort();
    const last = join(dir.path, files.at(-1)!);
    const sections = decode(readFileSync(last), last);
    // The newest diff without its DISK section.
    writeFileSync(last, encode([SectionId.Meta, SectionId.State, SectionId.Memory].map((id) => ({ id, payload: sections.get(id)! }))));
    expect(() => dir.readChain()).toThrow(/holds a disk other than the snapshot before it/);
    expect(readSnapshot(last).disk).toBeUndefined();
  });
});
