/**
 * `npm run spec`: runs the WebAssembly spec tests (top-level .wast files of
 * $WASM_TESTSUITE) against an engine and prints one line per file, then the
 * totals. Exits non-zero when any command failed.
 */
import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { EngineName } from '../../host-shim/engine/index.js';
import { listWastFiles, testsuiteDir } from './paths.js';
import type { Tally } from './executor.js';
import { formatFailures, formatFileResult, runSpecFile } from './run-file.js';

interface CliOptions {
  engine: EngineName;
  verbose?: boolean;
  timeLimit: string;
}

/**
 * A filter names a file (`i32` or `i32.wast`), or, when no file has that
 * name, matches every file whose name contains it (`memory_`).
 */
function selectFiles(files: string[], filters: string[]): string[] {
  if (filters.length === 0) return files;
  const name = (f: string) => basename(f, '.wast');
  return files.filter((f) =>
    filters.some((p) => {
      const wanted = p.replace(/\.wast$/, '');
      const exact = files.some((g) => name(g) === wanted);
      return exact ? name(f) === wanted : name(f).includes(wanted);
    }),
  );
}

function addTally(into: Tally, t: Tally): void {
  into.passed += t.passed;
  into.failed += t.failed;
  into.skipped += t.skipped;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('spec')
    .description(`runs the WebAssembly spec tests of ${testsuiteDir()}`)
    .addOption(new Option('--engine <name>', 'engine to test').choices(['vmm', 'native']).default('vmm'))
    .option('--verbose', 'print every failure')
    .option('--time-limit <seconds>', 'time budget per file', '60')
    .argument('[filters...]', 'run only files whose name contains one of these')
    .parse(argv);
  const options = program.opts<CliOptions>();
  const filters = program.args;
  const suite = testsuiteDir();
  if (!existsSync(suite)) {
    console.error(`no spec test suite at ${suite}; set WASM_TESTSUITE`);
    return 2;
  }
  const files = selectFiles(listWastFiles(suite), filters);
  if (files.length === 0) {
    console.error(`no .wast file matches ${filters.join(' ')}`);
    return 2;
  }
  const totals: Tally = { passed: 0, failed: 0, skipped: 0 };
  const byCommand: Record<string, Tally> = {};
  for (const file of files) {
    const result = await runSpecFile(file, { engine: options.engine, timeLimitMs: Number(options.timeLimit) * 1000 });
    console.log(formatFileResult(result));
    if (options.verbose) for (const line of formatFailures(result)) console.log(line);
    totals.passed += result.passed;
    totals.failed += result.failed;
    totals.skipped += result.skipped;
    for (const [type, t] of Object.entries(result.byCommand)) addTally((byCommand[type] ??= { passed: 0, failed: 0, skipped: 0 }), t);
  }
  if (options.verbose) {
    for (const [type, t] of Object.entries(byCommand).sort()) {
      console.log(`${type}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
    }
  }
  console.log(`spec: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  return totals.failed > 0 ? 1 : 0;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  },
);
