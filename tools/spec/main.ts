/**
 * `npm run spec`: runs the WebAssembly spec tests (top-level .wast files of
 * $WASM_TESTSUITE) against an engine and prints one line per file, then the
 * totals. Exits non-zero when any command failed.
 */
import { Command, Option } from 'commander';
import { basename } from 'node:path';
import type { EngineName } from '../../host-shim/engine/index.js';
import { listWastFiles, testsuiteDir } from './paths.js';
import { formatFailures, formatFileResult, runSpecFile } from './run-file.js';

interface CliOptions {
  engine: EngineName;
  verbose?: boolean;
  timeLimit: string;
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
  const files = listWastFiles().filter((f) => filters.length === 0 || filters.some((p) => basename(f).includes(p)));
  if (files.length === 0) {
    console.error(`no .wast file matches ${filters.join(' ')}`);
    return 2;
  }
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for (const file of files) {
    const result = await runSpecFile(file, { engine: options.engine, timeLimitMs: Number(options.timeLimit) * 1000 });
    console.log(formatFileResult(result));
    if (options.verbose) for (const line of formatFailures(result)) console.log(line);
    totals.passed += result.passed;
    totals.failed += result.failed;
    totals.skipped += result.skipped;
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
