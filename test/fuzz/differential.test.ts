import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../host-shim/engine/index.js';
import type { Engine } from '../../host-shim/engine/types.js';
import { runDifferentialCase, type CaseResult } from '../../tools/fuzz/differential.js';
import { generateModule } from '../../tools/fuzz/generate.js';

const FAILURES = join(tmpdir(), 'wasmotion-fuzz-failures');
const VMM_PRESENT = existsSync(new URL('../../host-shim/engine/vmm.ts', import.meta.url));

function runSeeds(engines: [Engine, Engine], first: number, count: number): CaseResult[] {
  const results: CaseResult[] = [];
  for (let seed = first; seed < first + count; seed++) results.push(runDifferentialCase(engines, seed, { failureDir: FAILURES }));
  return results;
}

function failures(results: CaseResult[]): string[] {
  return results.filter((r) => r.difference).map((r) => `seed ${r.seed}: ${r.difference}`);
}

describe('module generator', () => {
  it('generates the same bytes for the same seed', () => {
    expect(generateModule(42).bytes).toEqual(generateModule(42).bytes);
    expect(generateModule(42).bytes).not.toEqual(generateModule(43).bytes);
  });

  it('generates only modules that V8 accepts', () => {
    const rejected: string[] = [];
    for (let seed = 1000; seed < 1400; seed++) {
      try {
        new WebAssembly.Module(generateModule(seed).bytes);
      } catch (err) {
        rejected.push(`seed ${seed}: ${(err as Error).message}`);
      }
    }
    expect(rejected).toEqual([]);
  });
});

describe('differential: native vs native', () => {
  let engines: [Engine, Engine];
  beforeAll(async () => {
    engines = [await createEngine('native'), await createEngine('native')];
  });
  afterAll(() => engines.forEach((e) => e.dispose()));

  it('agrees with itself on 200 generated modules, which both run and trap', () => {
    const results = runSeeds(engines, 1, 200);
    expect(failures(results)).toEqual([]);
    const calls = results.reduce((n, r) => n + r.calls, 0);
    const traps = results.reduce((n, r) => n + r.traps, 0);
    // The generator must produce calls that finish as well as calls that trap.
    expect(calls).toBeGreaterThan(300);
    expect(traps).toBeGreaterThan(calls * 0.1);
    expect(traps).toBeLessThan(calls * 0.8);
  });
});

describe.skipIf(!VMM_PRESENT)(`differential: vmm vs native${VMM_PRESENT ? '' : ' (skipped: host-shim/engine/vmm.ts is absent)'}`, () => {
  let engines: [Engine, Engine];
  beforeAll(async () => {
    engines = [await createEngine('vmm'), await createEngine('native')];
  });
  afterAll(() => engines?.forEach((e) => e.dispose()));

  it('agrees with V8 on 200 generated modules', () => {
    expect(failures(runSeeds(engines, 1, 200))).toEqual([]);
  });
});
