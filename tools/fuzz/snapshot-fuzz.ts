/**
 * Snapshot fuzzing: a real chain (a full snapshot and diffs of a WASI guest
 * stopped at several points) is mutated (snapshot-mutate.ts) and resumed,
 * and every resume must keep the contract of its mutation's family:
 *
 *   corrupt    refused with WASMOTION_ERR_SNAPSHOT_* or _BAD_CHECKPOINT, or
 *              resumed to exactly the output and exit of the unmutated
 *              chain. Anything else is corruption accepted in silence.
 *   resealed   refused the same way, or resumed to a guest outcome (an
 *              exit, a guest trap, out of fuel: the contents were forged so
 *              any of them may be right), or blocked until the wall-clock
 *              bound. Never another exception, never a VMM fault.
 *
 * Case k of a run with seed S uses seed S + k: `--seed X --cases 1` repeats
 * case X alone. Usable as a library (runSnapshotFuzz, silent) and as a
 * command:
 *
 *   node dist/tools/fuzz/snapshot-fuzz.js [--seconds N] [--seed S] [--cases N] [--save DIR]
 *
 * Last line on stdout: `snapshot-fuzz: N cases, F failures (...)`; exit 1 when F > 0.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { cGuestWasmPath } from '../guests/layout.js';
import { Prng } from './prng.js';
import { buildChain, resumeDir, sameRun, writeFiles, type GuestRecipe, type Resumed } from './snapshot-chains.js';
import { mutate, type Donors, type Mutation, type SnapshotFiles } from './snapshot-mutate.js';
import { walkerModule } from './snapshot-walker.js';
import { parseCount } from './options.js';

export interface SnapshotFuzzOptions {
  /** Stop starting cases after this long. */
  seconds: number;
  seed: number;
  /** At most this many cases (default: no limit but time). */
  cases?: number;
  /** Wall-clock bound of one resume (default 10 s). */
  resumeMs?: number;
  /** Where to write the directory of each failing case (default: nowhere). */
  saveDir?: string;
  /** Called after each case, e.g. for progress. */
  onCase?: (done: number, tally: Tally) => void;
}

export interface Failure {
  caseSeed: number;
  mutation: string;
  family: Mutation['family'];
  kind: Mutation['kind'];
  problem: string;
  savedTo?: string;
}

export interface Tally {
  cases: number;
  refused: number;
  identical: number;
  /** Resealed cases that ran to another end or output, or stayed blocked. */
  diverged: number;
  failures: Failure[];
  /** Refusal codes seen, with counts. */
  codes: Record<string, number>;
}

/** The chains cases start from: one guest's chain, its donors, its unmutated resume. */
export interface Corpus {
  name: string;
  chain: SnapshotFiles;
  donors: Donors;
  reference: Resumed;
  fuel: bigint;
}

interface ChainPlan {
  name: string;
  guest: GuestRecipe;
  /** Where the chain is stopped, and where the other chain of the same module is. */
  stops: bigint[];
  otherStops: bigint[];
}

function plans(): ChainPlan[] {
  return [
    // A C guest (libc, malloc, stdio): compute 16 runs about 3.9 million steps and prints a digest of it all.
    {
      name: 'compute',
      guest: { bytes: readFileSync(cGuestWasmPath('compute')), args: ['16'] },
      stops: [1_000_000n, 2_000_000n, 3_000_000n],
      otherStops: [1_500_000n, 2_500_000n, 3_300_000n],
    },
    // Rewrites 1 MiB round after round (about 4.2 million steps): stale pages show in its output.
    {
      name: 'walker',
      guest: { bytes: walkerModule(), args: [] },
      stops: [800_000n, 1_600_000n, 2_400_000n],
      otherStops: [1_200_000n, 2_000_000n, 3_000_000n],
    },
  ];
}

/** Builds the chains (the C guest from build/guests: npm run build:guests) and resumes each unmutated one. */
export async function buildCorpora(resumeMs = 10_000): Promise<Corpus[]> {
  const built = [];
  for (const plan of plans()) {
    built.push({ plan, chain: await buildChain(plan.guest, plan.stops), sameModule: await buildChain(plan.guest, plan.otherStops) });
  }
  const work = mkdtempSync(join(tmpdir(), 'wasmotion-snapfuzz-'));
  try {
    const corpora: Corpus[] = [];
    for (const [i, b] of built.entries()) {
      writeFiles(work, b.chain);
      const reference = await resumeDir(work, { fuel: 1n << 40n, ms: resumeMs });
      if (reference.kind !== 'ran' || !reference.end.startsWith('exit')) throw new Error(`the unmutated ${b.plan.name} chain does not resume: ${JSON.stringify(reference)}`);
      // Generous: a correct resume runs the same steps; a forged one is stopped well after.
      const resumed = reference.steps - b.plan.stops[b.plan.stops.length - 1];
      corpora.push({
        name: b.plan.name,
        chain: b.chain,
        donors: { sameModule: b.sameModule, otherModule: built[(i + 1) % built.length].chain },
        reference,
        fuel: 4n * resumed + 1_000_000n,
      });
    }
    return corpora;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** What was wrong with one outcome under its family's contract; undefined when it kept it. */
export function contractBreach(family: Mutation['family'], got: Resumed, reference: Resumed): string | undefined {
  if (got.kind === 'refused') return undefined;
  if (got.kind === 'threw') return `${got.phase} threw ${got.error}`;
  if (sameRun(got, reference)) return undefined;
  if (family === 'resealed') return undefined;
  if (got.kind === 'timed out') return 'accepted, then the guest never finished';
  return `accepted, then resumed differently: ${got.end} with ${got.stdout.length}+${got.stderr.length} bytes of output` +
    ` (unmutated: ${reference.kind === 'ran' ? `${reference.end} with ${reference.stdout.length}+${reference.stderr.length}` : reference.kind})`;
}

export async function runSnapshotFuzz(options: SnapshotFuzzOptions, corpora?: Corpus[]): Promise<Tally> {
  const resumeMs = options.resumeMs ?? 10_000;
  const bases = corpora ?? (await buildCorpora(resumeMs));
  const tally: Tally = { cases: 0, refused: 0, identical: 0, diverged: 0, failures: [], codes: {} };
  const work = mkdtempSync(join(tmpdir(), 'wasmotion-snapfuzz-'));
  const deadline = performance.now() + options.seconds * 1000;
  try {
    while (performance.now() < deadline && (options.cases === undefined || tally.cases < options.cases)) {
      const caseSeed = (options.seed + tally.cases) >>> 0;
      const base = bases[caseSeed % bases.length];
      const mutation = mutate(new Prng(caseSeed), base.chain, base.donors);
      writeFiles(work, mutation.files);
      const got = await resumeDir(work, { fuel: base.fuel, ms: resumeMs });
      tally.cases++;
      const problem = contractBreach(mutation.family, got, base.reference);
      if (problem) {
        const failure: Failure = { caseSeed, mutation: `${base.name}: ${mutation.what}`, family: mutation.family, kind: mutation.kind, problem };
        if (options.saveDir) {
          failure.savedTo = resolve(options.saveDir, `snapshot-${caseSeed}`);
          writeFiles(failure.savedTo, mutation.files);
        }
        tally.failures.push(failure);
      } else if (got.kind === 'refused') {
        tally.refused++;
        tally.codes[got.code] = (tally.codes[got.code] ?? 0) + 1;
      } else if (sameRun(got, base.reference)) tally.identical++;
      else tally.diverged++;
      options.onCase?.(tally.cases, tally);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return tally;
}

export function summaryLine(t: Tally): string {
  return `snapshot-fuzz: ${t.cases} cases, ${t.failures.length} failures (${t.refused} refused, ${t.identical} resumed identically, ${t.diverged} forged and diverged)`;
}

async function main(): Promise<number> {
  const program = new Command('snapshot-fuzz')
    .description('mutate real snapshot chains and check that every resume refuses them or resumes exactly')
    .option('--seconds <n>', 'how long to run', parseCount, 60)
    .option('--seed <s>', 'first case seed (default: from the clock)', parseCount)
    .option('--cases <n>', 'stop after this many cases', parseCount)
    .option('--save <dir>', 'write each failing case\'s directory here', join('.cache', 'fuzz', 'snapshot-failures'))
    .parse();
  const opts = program.opts<{ seconds: number; seed?: number; cases?: number; save: string }>();
  const seed = opts.seed ?? Date.now() % 0x1_0000_0000;
  process.stderr.write(`snapshot-fuzz: seed ${seed}, ${opts.seconds} s\n`);
  let lastReport = performance.now();
  const tally = await runSnapshotFuzz({
    seconds: opts.seconds,
    seed,
    cases: opts.cases,
    saveDir: opts.save,
    onCase: (done, t) => {
      if (performance.now() - lastReport < 5000) return;
      lastReport = performance.now();
      process.stderr.write(`snapshot-fuzz: ${done} cases, ${t.failures.length} failures\n`);
    },
  });
  for (const f of tally.failures) {
    process.stdout.write(`FAIL case ${f.caseSeed} (${f.family}) ${f.mutation}: ${f.problem}${f.savedTo ? ` [saved to ${f.savedTo}]` : ''}\n`);
  }
  process.stdout.write(`refusal codes: ${JSON.stringify(tally.codes)}\n`);
  process.stdout.write(`${summaryLine(tally)}\n`);
  return tally.failures.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const code = await main();
  // A forged state may leave a guest asleep on a timer that would keep the process alive.
  process.exit(code);
}
