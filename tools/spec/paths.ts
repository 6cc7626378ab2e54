/**
 * Where the spec tools find the repository, the test suite and their cache.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file holding wasmotion's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'wasmotion') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the wasmotion repository root');
    dir = up;
  }
}

/** $WASM_TESTSUITE, else ../shared/wasm-testsuite beside the repository. */
export function testsuiteDir(): string {
  return resolve(process.env.WASM_TESTSUITE ?? join(repoRoot(), '..', 'shared', 'wasm-testsuite'));
}

export function cacheDir(): string {
  return join(repoRoot(), '.cache', 'spec');
}

/** The top-level .wast files of the suite (Wasm 2.0), sorted, as paths. */
export function listWastFiles(dir = testsuiteDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wast'))
    .sort()
    .map((f) => join(dir, f));
}

/** SIMD files are not run: the VMM does not implement simd128. */
export function isSimdFile(path: string): boolean {
  return /(^|[\\/])simd_[^\\/]*\.wast$/.test(path);
}
