/**
 * `npm run build:guests`: builds every guest under guests/ into build/guests/.
 *
 * - Guests whose toolchain is missing are skipped with a notice on stderr.
 * - Guests whose stamp (see stamps.ts) is unchanged are not rebuilt.
 * - A compile error prints the compiler's output and makes the exit code 1,
 *   after the other guests were still attempted.
 * - Each built module is checked with wasm-tools to use nothing beyond
 *   Wasm 2.0 without SIMD, the feature set the VMM promises to run.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { GUEST_BUILD_DIR, repoRoot } from './layout.js';
import { guestRecipes, type Recipe } from './recipes.js';
import { isFresh, readStamps, recipeStamp, writeStamps } from './stamps.js';
import { detectToolchain, type Toolchain } from './toolchain.js';

/** The guests' feature ceiling, in wasm-tools' feature syntax. */
const ALLOWED_FEATURES = 'wasm2,-simd';

interface Outcome {
  recipe: Recipe;
  ok: boolean;
  output: string;
}

function runCommand(command: string, args: string[], cwd?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => resolvePromise({ code: -1, output: `${output}${e.message}\n` }));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, output }));
  });
}

async function buildOne(recipe: Recipe, tc: Toolchain, root: string): Promise<Outcome> {
  const compiled = await runCommand(recipe.command, recipe.args, root);
  if (compiled.code !== 0) {
    rmSync(recipe.output, { force: true }); // never leave a half-written module behind
    return { recipe, ok: false, output: compiled.output };
  }
  if ('path' in tc.wasmTools) {
    const checked = await runCommand(tc.wasmTools.path, ['validate', '--features', ALLOWED_FEATURES, recipe.output]);
    if (checked.code !== 0) {
      rmSync(recipe.output, { force: true });
      return { recipe, ok: false, output: `uses features beyond ${ALLOWED_FEATURES}:\n${checked.output}` };
    }
  }
  return { recipe, ok: true, output: compiled.output };
}

/** Runs jobs with at most `limit` at a time, keeping result order. */
async function inParallel<T, R>(items: T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await job(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function main(): Promise<number> {
  const root = repoRoot();
  const outDir = join(root, GUEST_BUILD_DIR);
  mkdirSync(outDir, { recursive: true });
  const tc = detectToolchain(root);
  const recipes = guestRecipes(root, tc);
  const stampFile = join(outDir, '.stamps.json');
  const stamps = readStamps(stampFile);

  const skipped = recipes.filter((r) => r.skipReason !== undefined);
  for (const reason of new Set(skipped.map((r) => r.skipReason))) {
    const which = skipped.filter((r) => r.skipReason === reason).map((r) => r.source);
    process.stderr.write(`guests: NOTICE: skipping ${which.join(', ')}: ${reason}\n`);
  }
  if ('missing' in tc.wasmTools) process.stderr.write(`guests: NOTICE: feature check skipped: ${tc.wasmTools.missing}\n`);

  const buildable = recipes.filter((r) => r.skipReason === undefined).map((r) => ({ r, stamp: recipeStamp(r) }));
  const stale = buildable.filter(({ r, stamp }) => !isFresh(r, stamps, stamp));
  const outcomes = await inParallel(stale, availableParallelism(), async ({ r, stamp }) => {
    const outcome = await buildOne(r, tc, root);
    if (outcome.ok) stamps[r.source] = stamp;
    else delete stamps[r.source];
    return outcome;
  });
  const known = new Set(recipes.map((r) => r.source));
  for (const source of Object.keys(stamps)) if (!known.has(source)) delete stamps[source];
  writeStamps(stampFile, stamps);

  const failed = outcomes.filter((o) => !o.ok);
  for (const o of outcomes) {
    if (o.ok && o.output.trim()) process.stderr.write(`guests: ${o.recipe.source}:\n${o.output}`);
  }
  for (const o of failed) process.stderr.write(`guests: ERROR: ${o.recipe.source} failed to build:\n${o.output}\n`);
  const built = outcomes.length - failed.length;
  process.stdout.write(
    `guests: ${built} built, ${buildable.length - stale.length} up to date, ${skipped.length} skipped, ${failed.length} failed\n`,
  );
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
