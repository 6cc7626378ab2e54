// The feature query ("wasmotion" "features"): answered by the VMM itself from
// the mask its embedder sets, and kept by a guest across snapshot and restore.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX, WASM1, WASM2, featureMask, type Baseline } from '../../host-shim/cluster/evc/index.js';
import { VmmEngine } from '../../host-shim/engine/vmm.js';
import { LinkError, WasmotionError } from '../../host-shim/errors.js';
import { GuestSession } from '../../host-shim/guest/session.js';
import { SnapshotDir, readMeta } from '../../host-shim/snapshot/directory.js';
import { takeSnapshot } from '../../host-shim/snapshot/take.js';
import { runWasi } from '../../host-shim/wasi/run.js';
import { wat } from '../support/wat.js';

/** Asks directly, and through a table (call_indirect). */
const query = wat(`(module
  (import "wasmotion" "features" (func $features (result i64)))
  (table 1 funcref) (elem (i32.const 0) $features)
  (type $q (func (result i64)))
  (func (export "direct") (result i64) (call $features))
  (func (export "indirect") (result i64) (call_indirect (type $q) (i32.const 0))))`);

/** Stores the answer at 0, spins, stores it again at 8: a snapshot taken in the spin sees both sides. */
const twice = wat(`(module
  (import "wasmotion" "features" (func $features (result i64)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32)
    (i64.store (i32.const 0) (call $features))
    (loop $spin
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $spin (i32.lt_u (local.get $i) (i32.const 100000))))
    (i64.store (i32.const 8) (call $features))))`);

const bulk = wat('(module (memory (export "memory") 1) (func (export "_start") (memory.fill (i32.const 0) (i32.const 7) (i32.const 16))))');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function answers(session: GuestSession): [bigint, bigint] {
  const view = new DataView(session.memory().read(0, session.memoryBytes()).buffer, session.memory().read(0, session.memoryBytes()).byteOffset, 16);
  return [view.getBigUint64(0, true), view.getBigUint64(8, true)];
}

describe('the feature query', () => {
  it('returns the mask the embedder set, directly and through a table, without the bits the VMM lacks', () => {
    const engine = new VmmEngine();
    const instance = engine.instantiate(engine.compile(query), (m, n) => (m === 'wasmotion' ? engine.vmmFunction(n) : undefined));
    const ask = (name: string) => instance.invoke(name, []).map((v) => (v as { value: bigint }).value);
    expect(ask('direct')).toEqual([BigInt(engine.supportedFeatures())]);
    engine.setVisibleFeatures(featureMask(WASM1.features));
    expect(ask('direct')).toEqual([0x40n]);
    expect(ask('indirect')).toEqual([0x40n]);
    engine.setVisibleFeatures(0xffffffff);
    expect(engine.visibleFeatures()).toBe(engine.supportedFeatures());
    expect(engine.vmmFunction('cpuid')).toBeUndefined();
    // Re-exported, it is still the guest's to call, not the embedder's.
    const reexport = engine.instantiate(engine.compile(wat('(module (import "wasmotion" "features" (func $f (result i64))) (export "f" (func $f)))')),
      (m, n) => (m === 'wasmotion' ? engine.vmmFunction(n) : undefined));
    expect(() => reexport.invoke('f', [])).toThrow(/called by guests only/);
  });

  it('has the type [] -> [i64]; a guest importing another type does not link', () => {
    const engine = new VmmEngine();
    expect(engine.funcType((engine.vmmFunction('features') as { address: number }).address)).toEqual({ params: [], results: ['i64'] });
    const wrong = engine.compile(wat('(module (import "wasmotion" "features" (func (result i32))))'));
    expect(() => engine.instantiate(wrong, (m, n) => (m === 'wasmotion' ? engine.vmmFunction(n) : undefined))).toThrow(LinkError);
  });

  it('a WASI guest sees its baseline, or everything the VMM runs without one', async () => {
    const run = async (baseline?: Baseline) => {
      const session = GuestSession.start(twice, { baseline });
      await session.run();
      const got = answers(session);
      session.dispose();
      return got;
    };
    expect(await run(WASM1)).toEqual([0x40n, 0x40n]);
    expect(await run(WASM2)).toEqual([0x5fn, 0x5fn]);
    expect(await run()).toEqual([BigInt(featureMask(MAX.features)), BigInt(featureMask(MAX.features))]);
  });

  it('a module that uses a feature outside its baseline is refused before it runs', async () => {
    const err = await runWasi(bulk, { baseline: WASM1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WasmotionError);
    expect((err as WasmotionError).code).toBe('WASMOTION_ERR_FEATURES_MISSING');
    expect((err as Error).message).toBe('the guest uses bulk-memory, outside wasm1');
    await expect(runWasi(bulk, { baseline: WASM2 })).resolves.toEqual({ exitCode: 0 });
  });

  it('a baseline this VMM cannot present is refused', () => {
    const future: Baseline = { name: 'future', features: [...WASM2.features, 'tail-call'], capabilities: ['wasi-preview1'] };
    expect(() => GuestSession.start(twice, { baseline: future })).toThrow(/this VMM cannot present future: it lacks tail-call/);
  });

  it('keeps the baseline across a snapshot: META names it and the restored guest sees it again', async () => {
    const path = mkdtempSync(join(tmpdir(), 'wasmotion-evc-'));
    dirs.push(path);
    const dir = new SnapshotDir(path);
    dir.init(twice);
    const first = GuestSession.start(twice, { baseline: WASM1 });
    expect((await first.run({ stopAfter: 1000n })).state).toBe('stopped');
    takeSnapshot(dir, first, twice);
    first.dispose();
    const chain = dir.readChain();
    expect(chain[0].meta.baseline).toEqual(WASM1);
    // The snapshot's baseline wins over what the resuming side would offer.
    const resumed = GuestSession.restore(twice, chain, { baseline: WASM2 });
    expect(resumed.baseline()).toEqual(WASM1);
    expect((await resumed.run()).state).toBe('exited');
    expect(answers(resumed)).toEqual([0x40n, 0x40n]);
    resumed.dispose();
  });

  it('a snapshot whose META has a malformed baseline is refused as corrupt', () => {
    const path = mkdtempSync(join(tmpdir(), 'wasmotion-evc-'));
    dirs.push(path);
    const dir = new SnapshotDir(path);
    dir.init(twice);
    const meta = { module: 'm', imports: 'i', limits: {}, steps: '0', state: '1.0', createdAt: new Date(0).toISOString() };
    dir.write('full', { state: new Uint8Array(0), memory: new Uint8Array(0) }, { ...meta, baseline: { name: 'wasm1', features: 'all' } as never });
    const err = (() => {
      try {
        readMeta(dir.list()[0].file);
      } catch (e) {
        return e as WasmotionError;
      }
    })();
    expect(err?.code).toBe('WASMOTION_ERR_SNAPSHOT_CORRUPT');
  });
});
