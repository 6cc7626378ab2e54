// A snapshot taken with the VMM on one wasm engine resumes on the other:
// the counter guest stops on V8, goes on on wasmtime, stops again (a diff),
// and ends on V8, printing exactly what an unstopped run prints.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { GuestSession } from '../../host-shim/guest/session.js';
import { SnapshotDir } from '../../host-shim/snapshot/directory.js';
import { takeSnapshot } from '../../host-shim/snapshot/take.js';
import type { WasmEngineName } from '../../host-shim/vmm/binding.js';
import { counter, reference, wasmtimeMissing } from './support.js';

const missing = wasmtimeMissing();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const args = ['200', '256', '0'];

async function hop(order: WasmEngineName[], everySteps: bigint): Promise<{ out: string; kinds: string[] }> {
  const bytes = counter();
  const path = mkdtempSync(join(tmpdir(), 'wasmotion-engine-'));
  dirs.push(path);
  const dir = new SnapshotDir(path);
  dir.init(bytes);
  const out: Buffer[] = [];
  const stdout = (c: Uint8Array) => out.push(Buffer.from(c));
  const kinds: string[] = [];
  let session = GuestSession.start(bytes, { programName: 'guest.wasm', args, stdout, engine: { wasm: order[0] } });
  for (let i = 0; ; i++) {
    const last = i === order.length - 1;
    const outcome = await session.run(last ? {} : { stopAfter: everySteps });
    if (last) {
      expect(outcome).toEqual({ state: 'exited', exitCode: 0 });
      session.dispose();
      return { out: Buffer.concat(out).toString(), kinds };
    }
    expect(outcome.state).toBe('stopped');
    kinds.push(takeSnapshot(dir, session, bytes).kind);
    session.dispose();
    session = GuestSession.restore(dir.readModule(), dir.readChain(), { stdout, engine: { wasm: order[i + 1] } });
    expect(session.engine.vmm.engine).toBe(order[i + 1]);
  }
}

describe('snapshots across wasm engines', () => {
  test('V8 → wasmtime → V8 → wasmtime, through a full snapshot and diffs', async (ctx) => {
    if (missing) return ctx.skip(missing);
    const expected = await reference(counter(), args);
    const { out, kinds } = await hop(['v8', 'wasmtime', 'v8', 'wasmtime'], 500_000n);
    expect(kinds).toEqual(['full', 'diff', 'diff']);
    expect(out).toBe(expected);
  }, 120_000);

  test('wasmtime → V8', async (ctx) => {
    if (missing) return ctx.skip(missing);
    const expected = await reference(counter(), args);
    const { out } = await hop(['wasmtime', 'v8'], 1_000_000n);
    expect(out).toBe(expected);
  }, 120_000);
});
