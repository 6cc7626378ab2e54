/**
 * `npm run fuzz`: differential testing of generated modules between two
 * engines and decoder fuzzing of mutated modules, for a bounded time.
 *
 *   --seconds N        how long (default 60); both modes run side by side
 *   --seed S           first seed (default: from the clock, printed)
 *   --mode M           diff | decode | both (default both)
 *   --engines A,B      engines compared by diff (default vmm,native); decode
 *                      fuzzes the first one
 *   --hang-seconds N   a case taking longer is a hang, a failure (default 10)
 *   --guest-ms N       decode: a mutated module's own code may loop forever;
 *                      it is stopped after N ms and counted "timed out
 *
 * Progress goes to stderr every few seconds; the last line on stdout is
 * `fuzz: N modules, M mismatches, C crashes`. Exit status 1 when M or C > 0.
 */
import { Command, InvalidArgumentError } from 'commander';
import { createEngine, type EngineName } from '../../host-shim/engine/index.js';
import { emptyTally, supervise, type Tally } from './supervisor.js';
import { parseCount } from './options.js';

interface CliOptions {
  seconds: number;
  seed?: number;
  mode: 'diff' | 'decode' | 'both';
  engines: EngineName[];
  hangSeconds: number;
  guestMs: number;
}

function parseEngines(value: string): EngineName[] {
  const names = value.split(',').map((s) => s.trim());
  for (const n of names) if (n !== 'vmm' && n !== 'native') throw new InvalidArgumentError(`unknown engine ${n}`);
  if (names.length === 1) names.push(names[0]);
  return names as EngineName[];
}

function parseMode(value: string): CliOptions['mode'] {
  if (value !== 'diff' && value !== 'decode' && value !== 'both') throw new InvalidArgumentError('expected diff, decode or both');
  return value;
}

async function main(): Promise<void> {
  const program = new Command('fuzz')
    .description('differential and decoder fuzzing of the wasmotion VMM')
    .option('--seconds <n>', 'how long to run', parseCount, 60)
    .option('--seed <s>', 'first seed (default: from the clock)', parseCount)
    .option('--mode <mode>', 'diff | decode | both', parseMode, 'both')
    .option('--engines <list>', 'engines to compare (first is fuzzed by decode)', parseEngines, ['vmm', 'native'] as EngineName[])
    .option('--hang-seconds <n>', 'a case running longer than this is a hang', parseCount, 10)
    .option('--guest-ms <n>', 'decode: stop a mutated module\'s own code after this long (not a failure)', parseCount, 2000);
  program.parse();
  const options = program.opts<CliOptions>();
  const seed = options.seed ?? Date.now() % 0x1_0000_0000;
  process.stderr.write(`fuzz: seed ${seed}, mode ${options.mode}, engines ${options.engines.join(',')}, ${options.seconds} s\n`);

  // Fail fast on an engine that cannot start, rather than counting each worker restart as a crash.
  for (const name of new Set(options.engines)) {
    try {
      (await createEngine(name)).dispose();
    } catch (err) {
      process.stderr.write(`fuzz: engine ${name} is not available: ${(err as Error).message}\n`);
      process.exit(2);
    }
  }
  const deadline = Date.now() + options.seconds * 1000;
  const diff = emptyTally();
  const decode = emptyTally();
  const progress = setInterval(() => process.stderr.write(`${progressLine(diff, decode)}\n`), 3000);
  const runs: Promise<void>[] = [];
  const limits = { hangMs: options.hangSeconds * 1000, guestCodeMs: options.guestMs };
  if (options.mode !== 'decode') runs.push(supervise({ mode: 'diff', engines: options.engines, seed }, deadline, limits, diff));
  if (options.mode !== 'diff') runs.push(supervise({ mode: 'decode', engines: options.engines, seed }, deadline, limits, decode));
  await Promise.all(runs);
  clearInterval(progress);

  for (const f of [...diff.failures, ...decode.failures]) process.stdout.write(`FAIL ${f}\n`);
  process.stderr.write(`${progressLine(diff, decode)}\n`);
  const modules = diff.cases + decode.cases;
  const mismatches = diff.mismatches + decode.mismatches;
  const crashes = diff.crashes + decode.crashes;
  process.stdout.write(`fuzz: ${modules} modules, ${mismatches} mismatches, ${crashes} crashes\n`);
  if (mismatches || crashes) {
    process.stdout.write(`fuzz: failing inputs are in .cache/fuzz/failures; rerun with --seed ${seed}\n`);
    process.exitCode = 1;
  }
}

function progressLine(diff: Tally, decode: Tally): string {
  const parts: string[] = [];
  if (diff.cases || diff.crashes) {
    const trapPct = diff.calls ? Math.round((100 * diff.traps) / diff.calls) : 0;
    parts.push(`diff ${diff.cases} modules (${diff.calls} calls, ${trapPct}% trapped), ${diff.mismatches} mismatches, ${diff.crashes} crashes`);
  }
  if (decode.cases || decode.crashes) {
    const verdicts = Object.entries(decode.verdicts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    parts.push(`decode ${decode.cases} inputs (${verdicts}), ${decode.crashes} crashes`);
  }
  return `fuzz: ${parts.join('; ') || 'starting'}`;
}

main().catch((err) => {
  process.stderr.write(`fuzz: ${(err as Error).stack ?? err}\n`);
  process.exit(2);
});
