/**
 * `wasmotion demo` (what `npm start` runs): the sample guests that come with
 * wasmotion, run by the VMM. Later: a local multi-host cluster.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { runWasi } from '../wasi/run.js';

const SAMPLES = [
  { file: 'as-hello.wasm', args: ['from', 'the', 'demo'], what: 'an AssemblyScript program' },
  { file: 'compute.wasm', args: [], what: 'a C program (compression of generated data)' },
];

export async function demoCommand(): Promise<number> {
  const dir = join(packageRoot(), 'build', 'guests');
  let ran = 0;
  for (const sample of SAMPLES) {
    const path = join(dir, sample.file);
    if (!existsSync(path)) {
      process.stderr.write(`demo: ${sample.file} is not built (npm run build:guests); skipped\n`);
      continue;
    }
    process.stdout.write(`--- ${sample.file}: ${sample.what}, run by the wasmotion VMM\n`);
    const { exitCode } = await runWasi(readFileSync(path), {
      programName: sample.file,
      args: sample.args,
      env: { WASMOTION: 'demo' },
      stdout: (chunk) => process.stdout.write(chunk),
      stderr: (chunk) => process.stderr.write(chunk),
    });
    process.stdout.write(`--- exit code ${exitCode}\n`);
    ran++;
  }
  return ran > 0 ? 0 : 1;
}
