// Mutated snapshot directories must never be accepted in silence: a restore
// refuses them (WASMOTION_ERR_SNAPSHOT_* or _BAD_CHECKPOINT) or resumes
// exactly as the unmutated chain does (same output, exit and final memory).
// Forged contents with recomputed checksums may resume differently but must
// end as a guest outcome, never as another exception or a VMM fault.
// A bounded, fixed-seed slice of tools/fuzz/snapshot-fuzz.ts; the long run is
// `node dist/tools/fuzz/snapshot-fuzz.js --seconds N`.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cGuestWasmPath } from '../../tools/guests/layout.js';
import { resumeDir, sameRun, writeFiles } from '../../tools/fuzz/snapshot-chains.js';
import { buildCorpora, contractBreach, runSnapshotFuzz, summaryLine, type Corpus } from '../../tools/fuzz/snapshot-fuzz.js';
import { mutateAs, snapshotNames } from '../../tools/fuzz/snapshot-mutate.js';
import { Prng } from '../../tools/fuzz/prng.js';

const built = existsSync(cGuestWasmPath('compute'));
const CASES = 300;
const SEED = 20_240_601;

describe.skipIf(!built)('snapshot fuzzing (needs npm run build:guests)', () => {
  let corpora: Corpus[];
  let work: string;
  beforeAll(async () => {
    corpora = await buildCorpora(5000);
    work = mkdtempSync(join(tmpdir(), 'wasmotion-fuzz-test-'));
  }, 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test(`${CASES} mutated directories: refused or resumed exactly, forged ones never crash`, async () => {
    const tally = await runSnapshotFuzz({ seconds: 60, seed: SEED, cases: CASES, resumeMs: 5000 }, corpora);
    const failures = tally.failures;
    console.log(summaryLine(tally));
    console.log(`refusal codes: ${JSON.stringify(tally.codes)}`);
    expect(failures).toEqual([]);
    expect(tally.cases).toBe(CASES);
    // The run must have reached every contract: refusals of several kinds, exact resumes, forged ones that ran.
    expect(Object.keys(tally.codes).length).toBeGreaterThanOrEqual(6);
    expect(tally.identical).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(CASES / 2);
  }, 120_000);

  test('the checks see a change: an edited memory page, resealed, resumes differently', async () => {
    const walker = corpora.find((c) => c.name === 'walker')!;
    // Flip one data byte of the newest diff's MEMORY and recompute checksums: accepted by design, but not identical.
    const rng = new Prng(1);
    let seen = false;
    for (let attempt = 0; attempt < 50 && !seen; attempt++) {
      const m = mutateAs(rng, 'resealSection', walker.chain, walker.donors);
      writeFiles(work, m.files);
      const got = await resumeDir(work, { fuel: walker.fuel, ms: 5000 });
      expect(contractBreach('resealed', got, walker.reference)).toBeUndefined();
      if (got.kind === 'ran' && !sameRun(got, walker.reference)) {
        seen = true;
        expect(contractBreach('corrupt', got, walker.reference)).toMatch(/resumed differently/);
      }
    }
    expect(seen).toBe(true);
  }, 60_000);

  test('every unmutated file is needed: each file dropped or cut is refused', async () => {
    for (const c of corpora) {
      for (const name of [...snapshotNames(c.chain).slice(0, -1), 'module.wasm']) {
        const files = new Map(c.chain);
        files.delete(name);
        writeFiles(work, files);
        const got = await resumeDir(work, { fuel: c.fuel, ms: 5000 });
        expect(got.kind, `${c.name} without ${name}`).toBe('refused');
      }
      for (const name of snapshotNames(c.chain)) {
        const files = new Map(c.chain);
        files.set(name, c.chain.get(name)!.subarray(0, c.chain.get(name)!.length - 1));
        writeFiles(work, files);
        expect((await resumeDir(work, { fuel: c.fuel, ms: 5000 })).kind, `${c.name} with ${name} cut`).toBe('refused');
      }
    }
  }, 60_000);

  // KNOWN GAP, reported to the lead: a diff names its parent by sequence
  // number only, so a diff of another chain of the same module (another run,
  // or another --snapshot-dir copied over) is applied on a base it was not
  // taken on top of, and the guest resumes with stale pages. This test is
  // expected to fail until a diff binds to its parent's contents (e.g. the
  // parent's checksum or a chain id in META); then drop `.fails`.
  test('a diff from another chain of the same module is refused', async () => {
    const walker = corpora.find((c) => c.name === 'walker')!;
    for (const name of snapshotNames(walker.chain).slice(1)) {
      const files = new Map(walker.chain);
      files.set(name, walker.donors.sameModule.get(name)!);
      writeFiles(work, files);
      const got = await resumeDir(work, { fuel: walker.fuel, ms: 5000 });
      expect(got.kind === 'refused' || sameRun(got, walker.reference), `${name} of the other chain: ${got.kind}`).toBe(true);
    }
  }, 60_000);

  test('a refusal carries its specific code', async () => {
    const c = corpora[0];
    writeFiles(work, new Map([...c.chain].map(([n, b]) => [n, n === 'module.wasm' ? b : Buffer.from('not a snapshot')])));
    expect(await resumeDir(work, { fuel: c.fuel, ms: 5000 })).toMatchObject({ kind: 'refused', code: 'WASMOTION_ERR_SNAPSHOT_TRUNCATED' });
    writeFiles(work, new Map([...c.chain].map(([n, b]) => [n, n === 'module.wasm' ? b : Buffer.alloc(64, 0x41)])));
    expect(await resumeDir(work, { fuel: c.fuel, ms: 5000 })).toMatchObject({ kind: 'refused', code: 'WASMOTION_ERR_SNAPSHOT_MAGIC' });
  });
});

test.runIf(!built)('snapshot fuzzing: skipped, build/guests is not built (npm run build:guests)', () => {
  console.log('snapshot fuzz: build/guests/compute.wasm missing; run npm run build:guests');
  expect(built).toBe(false);
});
