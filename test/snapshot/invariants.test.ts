// Snapshot invariants, as Firecracker tests its own: a diff on top of a full
// snapshot restores the same bytes as a second full one; restore and snapshot
// cycles change nothing; a snapshot that fails to write keeps the dirty bits.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { GuestSession, type SessionOptions } from '../../host-shim/guest/session.js';
import { SnapshotDir } from '../../host-shim/snapshot/directory.js';
import { takeSnapshot } from '../../host-shim/snapshot/take.js';

const guestPath = join(import.meta.dirname, '..', '..', 'build', 'guests', 'compute.wasm');
const have = existsSync(guestPath);
const dirs: string[] = [];

function freshDir(module: Uint8Array): SnapshotDir {
  const path = mkdtempSync(join(tmpdir(), 'wasmotion-inv-'));
  dirs.push(path);
  const dir = new SnapshotDir(path);
  dir.init(module);
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sink(): { options: SessionOptions; out: () => string } {
  const chunks: Buffer[] = [];
  return { options: { stdout: (c) => chunks.push(Buffer.from(c)) }, out: () => Buffer.concat(chunks).toString() };
}

async function finish(session: GuestSession): Promise<string> {
  const o = await session.run();
  session.dispose();
  expect(o.state).toBe('exited');
  return '';
}

describe.skipIf(!have)('snapshot invariants', () => {
  const module = have ? readFileSync(guestPath) : new Uint8Array();

  test('the first diff after a full snapshot restores the same bytes as a second full one', async () => {
    const a = freshDir(module);
    const b = freshDir(module);
    const s = GuestSession.start(module, {});
    await s.run({ stopAfter: 150_000n });
    takeSnapshot(a, s, module, 'full');
    await s.run({ stopAfter: 100_000n });
    takeSnapshot(a, s, module, 'diff'); // before the full below clears the dirty map
    takeSnapshot(b, s, module, 'full');
    const viaDiff = GuestSession.restore(module, a.readChain());
    const viaFull = GuestSession.restore(module, b.readChain());
    expect(Buffer.compare(viaDiff.memory().read(0, viaDiff.memoryBytes()), viaFull.memory().read(0, viaFull.memoryBytes()))).toBe(0);
    expect(Buffer.compare(viaDiff.memory().read(0, viaDiff.memoryBytes()), s.memory().read(0, s.memoryBytes()))).toBe(0);
    expect(viaDiff.steps()).toBe(viaFull.steps());
    s.dispose();
    // Both continue alike (their states differ only in the clock reading at the snapshot).
    const outputs: string[] = [];
    for (const restored of [viaDiff, viaFull]) {
      const chunks: Buffer[] = [];
      const again = GuestSession.restore(module, restored === viaDiff ? a.readChain() : b.readChain(), { stdout: (c) => chunks.push(Buffer.from(c)) });
      restored.dispose();
      await finish(again);
      outputs.push(Buffer.concat(chunks).toString());
    }
    expect(outputs[0]).toBe(outputs[1]);
    expect(outputs[0]).toContain('checksum=');
  });

  test('restore, snapshot, restore many times over gives the uninterrupted result', async () => {
    const ref = sink();
    const reference = GuestSession.start(module, ref.options);
    await finish(reference);
    const dir = freshDir(module);
    const out = sink();
    let s = GuestSession.start(module, out.options);
    await s.run({ stopAfter: 10_000n });
    takeSnapshot(dir, s, module);
    s.dispose();
    for (let cycle = 0; cycle < 25; cycle++) {
      s = GuestSession.restore(module, dir.readChain(), out.options);
      // Every other cycle makes no progress at all before the next snapshot.
      if (cycle % 2 === 1) await s.run({ stopAfter: 20_000n });
      takeSnapshot(dir, s, module);
      s.dispose();
    }
    s = GuestSession.restore(module, dir.readChain(), out.options);
    await finish(s);
    expect(out.out()).toBe(ref.out());
  });

  test('a snapshot that fails to write keeps the dirty bits for the next one', async () => {
    const dir = freshDir(module);
    const s = GuestSession.start(module, {});
    await s.run({ stopAfter: 50_000n });
    takeSnapshot(dir, s, module, 'full');
    await s.run({ stopAfter: 200_000n });
    const dirtyBefore = Uint8Array.from(s.dirtyMap());
    expect(dirtyBefore.some((b) => b !== 0)).toBe(true);
    // The next file's temporary name is taken by a directory: the write must fail.
    const blocker = join(dir.path, `000002.diff.wms.tmp-${process.pid}`);
    mkdirSync(blocker);
    expect(() => takeSnapshot(dir, s, module, 'diff')).toThrow(expect.objectContaining({ code: 'WASMOTION_ERR_SNAPSHOT_IO' }));
    expect(Buffer.compare(s.dirtyMap(), dirtyBefore)).toBe(0);
    expect(dir.list().length).toBe(1);
    rmSync(blocker, { recursive: true });
    takeSnapshot(dir, s, module, 'diff');
    const restored = GuestSession.restore(module, dir.readChain());
    expect(Buffer.compare(restored.memory().read(0, restored.memoryBytes()), s.memory().read(0, s.memoryBytes()))).toBe(0);
    restored.dispose();
    s.dispose();
  });
});
