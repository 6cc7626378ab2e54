// The dirty map is what live migration trusts to find every page that
// changed since the last copy: a page that changed but is not marked is sent
// stale and the guest silently runs on corrupted memory after it moves.
//
// Property: after any slice of execution, every 4 KiB page whose bytes differ
// from a shadow copy taken before the slice is marked dirty, and so is every
// page memory.grow added. Checked after every slice (small random fuel
// slices) for generated modules (stores of every width, memory.fill/copy/init,
// memory.grow, traps mid-way) and for the WASI guests of build/guests, whose
// WASI calls write into guest memory. The shadow is then re-synced and the
// map cleared, as a pre-copy round does.
//
// False negatives must be zero. False positives (marked but unchanged: a
// store of the bytes already there) only cost bandwidth; their rate is
// printed, and bounded loosely so that a map marking everything, which would
// pass the first check trivially, fails.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { VmmEngine, VmmExtern, type VmmInstance } from '../../host-shim/engine/vmm.js';
import { GuestSession } from '../../host-shim/guest/session.js';
import { RunStatus } from '../../host-shim/vmm/binding.js';
import { plannedCalls } from '../../tools/fuzz/differential.js';
import { generateModule } from '../../tools/fuzz/generate.js';
import { Prng } from '../../tools/fuzz/prng.js';
import { WASI_CASES } from '../guests/wasi-cases.js';
import { wat } from '../support/wat.js';

const PAGE = 4096;

/** Pages compared after one slice, and what the dirty map said about them. */
class DirtyAudit {
  slices = 0;
  /** Pages whose bytes changed (all must be marked). */
  changed = 0;
  /** Pages memory.grow added (all must be marked). */
  grown = 0;
  /** Pages whose bytes did not change... */
  unchanged = 0;
  /** ...of which the map marked these anyway. */
  falsePositives = 0;
  /** Every changed or grown page the map missed, described (capped). */
  readonly misses: string[] = [];
  missCount = 0;

  /**
   * Compares `memory` with `shadow` page by page against `dirty`; returns the
   * new shadow. The caller clears the map afterwards.
   */
  check(shadow: Uint8Array, memory: Uint8Array, dirty: Uint8Array, where: string): Uint8Array {
    this.slices++;
    const pages = memory.length / PAGE;
    const old = shadow.length / PAGE;
    expect(dirty.length).toBeGreaterThanOrEqual(pages);
    const mem = Buffer.from(memory.buffer, memory.byteOffset, memory.length);
    const sh = Buffer.from(shadow.buffer, shadow.byteOffset, shadow.length);
    // Most slices change nothing in most pages: compare the old part whole first.
    const oldPartSame = mem.subarray(0, sh.length).equals(sh);
    for (let p = 0; p < pages; p++) {
      if (p >= old) {
        this.grown++;
        if (!dirty[p]) this.miss(`${where}: page ${p}, added by memory.grow, not marked`);
        continue;
      }
      const same = oldPartSame || mem.subarray(p * PAGE, p * PAGE + PAGE).equals(sh.subarray(p * PAGE, p * PAGE + PAGE));
      if (same) {
        this.unchanged++;
        if (dirty[p]) this.falsePositives++;
      } else {
        this.changed++;
        if (!dirty[p]) this.miss(`${where}: page ${p} changed but is not marked (first byte at ${firstDifference(mem, sh, p)})`);
      }
    }
    return Uint8Array.from(memory);
  }

  private miss(what: string): void {
    this.missCount++;
    if (this.misses.length < 20) this.misses.push(what);
  }

  /** Share of unchanged pages the map marked anyway. */
  falsePositiveRate(): number {
    return this.unchanged === 0 ? 0 : this.falsePositives / this.unchanged;
  }

  summary(label: string): string {
    const marked = this.changed + this.grown + this.falsePositives;
    return (
      `${label}: ${this.slices} slices, ${this.changed} changed pages, ${this.grown} grown pages, ` +
      `${this.missCount} missed; ${this.falsePositives} of ${this.unchanged} unchanged pages marked ` +
      `(false positive rate ${(100 * this.falsePositiveRate()).toFixed(2)}%, ` +
      `${marked === 0 ? 'n/a' : ((100 * this.falsePositives) / marked).toFixed(1) + '%'} of marked pages)`
    );
  }
}

function firstDifference(a: Buffer, b: Buffer, page: number): number {
  for (let i = page * PAGE; i < page * PAGE + PAGE; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** A slice length: log-uniform in [1, max], so single steps and long runs both occur. */
function sliceOf(rng: Prng, max: number): bigint {
  return BigInt(Math.max(1, Math.floor(Math.exp((rng.u32() / 2 ** 32) * Math.log(max + 1)))));
}

/** Views of one memory of a VmmEngine, re-made every time: VMM memory may have grown meanwhile. */
function memoryViews(engine: VmmEngine, instance: VmmInstance): { memory: () => Uint8Array; dirty: () => Uint8Array } {
  const m = instance.getExport('memory') as VmmExtern;
  const { vmm } = engine;
  const memory = () => vmm.bytes(vmm.x.memory_base(m.address), vmm.x.memory_pages(m.address) * 65536);
  const dirty = () => vmm.bytes(vmm.x.memory_dirty(m.address), vmm.x.memory_pages(m.address) * (65536 / PAGE));
  return { memory, dirty };
}

/** Every store width, with all-ones bytes so that every byte it touches changes; bulk operations; grow. */
const STORES = [
  ['i32.store', 'i32.const -1', 4],
  ['i64.store', 'i64.const -1', 8],
  ['f32.store', 'f32.reinterpret_i32 (i32.const -1)', 4],
  ['f64.store', 'f64.reinterpret_i64 (i64.const -1)', 8],
  ['i32.store8', 'i32.const -1', 1],
  ['i32.store16', 'i32.const -1', 2],
  ['i64.store8', 'i64.const -1', 1],
  ['i64.store16', 'i64.const -1', 2],
  ['i64.store32', 'i64.const -1', 4],
] as const;

const edgeGuest = wat(`(module
  (memory (export "memory") 32 64)
  (data $d "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a")
  ${STORES.map(([op, value]) => `(func (export "${op}") (param i32) (${op} (local.get 0) (${value})))`).join('\n  ')}
  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 0xa5) (local.get 1)))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i32) (memory.init $d (local.get 0) (i32.const 0) (i32.const 10)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);

const GENERATED_SEEDS = 160;
/** Steps one generated call may take before it is abandoned (they terminate far sooner). */
const CALL_STEP_CAP = 200_000n;

/** Runs every planned call of generated module `seed` in small slices, auditing after each. */
function auditGenerated(seed: number, audit: DirtyAudit, outcomes: Map<string, number>): void {
  const generated = generateModule(seed);
  const engine = new VmmEngine();
  let instance: VmmInstance;
  try {
    instance = engine.instantiate(engine.compile(generated.bytes), () => undefined) as VmmInstance;
  } catch {
    // A start function that traps: nothing runs after it.
    outcomes.set('instantiation failed', (outcomes.get('instantiation failed') ?? 0) + 1);
    return;
  }
  const views = memoryViews(engine, instance);
  let shadow = views.memory().slice();
  views.dirty().fill(0);
  const rng = new Prng(seed ^ 0x0d1e_7e57);
  for (const call of plannedCalls(generated, 2)) {
    const f = instance.getExport(call.name) as VmmExtern;
    engine.begin(f.address, engine.funcType(f.address).params, call.args);
    let status: number = RunStatus.OutOfFuel;
    let steps = 0n;
    while (status === RunStatus.OutOfFuel && steps < CALL_STEP_CAP) {
      const slice = sliceOf(rng, 64);
      status = engine.step(slice);
      steps += slice;
      shadow = audit.check(shadow, views.memory(), views.dirty(), `seed ${seed} ${call.name} after ~${steps} steps`);
      views.dirty().fill(0);
    }
    const outcome = status === RunStatus.Finished ? 'finished' : status === RunStatus.Trap ? 'trapped' : `status ${status}`;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (status === RunStatus.OutOfFuel) engine.vmm.x.call_abort();
    expect(status === RunStatus.Finished || status === RunStatus.Trap || status === RunStatus.OutOfFuel, `seed ${seed}: ${outcome}`).toBe(true);
  }
  engine.dispose();
}

const guestsBuilt = WASI_CASES.every((c) => existsSync(c.wasmPath));

describe('dirty map: every changed page is marked', () => {
  test('the audit itself catches a write the map did not see', () => {
    const audit = new DirtyAudit();
    const memory = new Uint8Array(4 * PAGE);
    const dirty = new Uint8Array(4);
    const shadow = memory.slice();
    memory[2 * PAGE + 100] = 1; // changed, not marked
    memory[PAGE] = 0; // unchanged
    dirty[3] = 1; // marked, unchanged
    const grown = new Uint8Array(6 * PAGE);
    grown.set(memory);
    const grownDirty = new Uint8Array(6);
    grownDirty.set(dirty);
    grownDirty[4] = 1; // page 5 grew but is not marked
    audit.check(shadow, grown, grownDirty, 'synthetic');
    expect(audit.missCount).toBe(2);
    expect(audit.misses[0]).toContain('page 2 changed');
    expect(audit.misses[1]).toContain('page 5, added by memory.grow');
    expect(audit.falsePositives).toBe(1);
    expect(audit.unchanged).toBe(3);
  });

  test('stores of every width across a 4 KiB boundary, fill, copy, init and grow', () => {
    const engine = new VmmEngine();
    const instance = engine.instantiate(engine.compile(edgeGuest), () => undefined) as VmmInstance;
    const views = memoryViews(engine, instance);
    const audit = new DirtyAudit();
    let shadow = views.memory().slice();
    views.dirty().fill(0);
    const i32 = (value: number) => ({ type: 'i32' as const, value });
    const call = (name: string, ...args: number[]) => {
      instance.invoke(name, args.map(i32));
      shadow = audit.check(shadow, views.memory(), views.dirty(), `${name}(${args.join(', ')})`);
      views.dirty().fill(0);
    };
    // Each store starts `back` bytes before a boundary of its own, so its last byte is on the next page.
    let boundary = 1;
    for (const [op, , width] of STORES) {
      for (let back = 1; back < width; back++) call(op, boundary++ * PAGE - back);
      call(op, boundary++ * PAGE); // wholly on one page
    }
    call('fill', boundary++ * PAGE - 1, 2 * PAGE + 2); // four pages, two of them partly
    call('copy', boundary++ * PAGE + 7, PAGE - 3, 3 * PAGE - 7); // three pages, each taking bytes the stores wrote
    call('init', boundary++ * PAGE - 5);
    call('grow', 3);
    call('i64.store', (32 + 2) * 65536 - 4); // straddles two pages of the grown part
    expect(audit.misses).toEqual([]);
    const straddles = STORES.reduce((n, [, , width]) => n + width - 1, 0);
    // Two pages per straddling store, one per other store, then fill 4, copy 3, init 2, the last store 2.
    expect(audit.changed).toBe(2 * straddles + STORES.length + 4 + 3 + 2 + 2);
    expect(audit.grown).toBe((3 * 65536) / PAGE);
    expect(audit.falsePositives).toBe(0);
  });

  test(`generated modules (${GENERATED_SEEDS} seeds), random slices of 1 to 64 steps`, () => {
    const audit = new DirtyAudit();
    const outcomes = new Map<string, number>();
    for (let seed = 1; seed <= GENERATED_SEEDS; seed++) auditGenerated(seed, audit, outcomes);
    console.log(audit.summary('generated modules'));
    console.log(`generated modules: calls ${JSON.stringify(Object.fromEntries(outcomes))}`);
    expect(audit.misses).toEqual([]);
    // The run must have exercised what it claims to cover.
    expect(audit.changed).toBeGreaterThan(100);
    expect(audit.grown).toBeGreaterThan(0);
    expect(outcomes.get('trapped') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('finished') ?? 0).toBeGreaterThan(0);
    // A loose bound, far above what per-store marking gives: it fails a map that marks everything.
    expect(audit.falsePositiveRate()).toBeLessThan(0.25);
  }, 60_000);

  test.skipIf(!guestsBuilt)('WASI guests (C and AssemblyScript) stopped after random numbers of steps', async () => {
    const audit = new DirtyAudit();
    const rng = new Prng(2024);
    for (const c of WASI_CASES) {
      const bytes = readFileSync(c.wasmPath);
      const options = { programName: c.args[0], args: c.args.slice(1), env: c.env, stdin: c.stdin.length > 0 ? c.stdin : undefined };
      const whole = GuestSession.start(bytes, options);
      await whole.run().catch(() => undefined);
      // About 300 slices per guest whatever its length, from single steps up.
      const maxSlice = Math.max(16, Number(whole.steps()) / 80);
      whole.dispose();

      const session = GuestSession.start(bytes, options);
      let shadow = Uint8Array.from(session.memory().read(0, session.memoryBytes()));
      session.clearDirty();
      let stopAfter = 0n;
      for (let done = false; !done; ) {
        stopAfter += sliceOf(rng, maxSlice);
        try {
          done = (await session.run({ stopAfter })).state === 'exited';
        } catch (err) {
          // exit(abort) traps: the writes before the trap are audited all the same.
          expect((err as Error).name, c.name).toBe('GuestTrap');
          done = true;
        }
        shadow = audit.check(shadow, session.memory().read(0, session.memoryBytes()), session.dirtyMap(), `${c.name} after ${session.steps()} steps`);
        session.clearDirty();
      }
      session.dispose();
    }
    console.log(audit.summary('WASI guests'));
    expect(audit.misses).toEqual([]);
    expect(audit.changed).toBeGreaterThan(100);
    expect(audit.falsePositiveRate()).toBeLessThan(0.25);
  }, 60_000);

  test.runIf(!guestsBuilt)('WASI guests: skipped, build/guests is not built (npm run build:guests)', () => {
    console.log('dirty-property: WASI guests not built; run npm run build:guests');
    expect(guestsBuilt).toBe(false);
  });
});
