/**
 * Build stamps: a guest is rebuilt only when the hash of its command line,
 * tool version and input contents differs from the one recorded when it was
 * last built successfully (or when its output is gone). Content hashes, not
 * mtimes, so a fresh checkout or a touched file does not force a rebuild.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Recipe } from './recipes.js';

export type Stamps = Record<string, string>;

export function recipeStamp(recipe: Recipe): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([recipe.command, recipe.args, recipe.toolVersion]));
  for (const file of [...recipe.inputs].sort()) {
    h.update(`\0${file}\0`);
    h.update(readFileSync(file));
  }
  return h.digest('hex');
}

export function readStamps(file: string): Stamps {
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Stamps) : {};
  } catch {
    return {}; // A damaged stamp file only costs a full rebuild.
  }
}

export function writeStamps(file: string, stamps: Stamps): void {
  writeFileSync(file, `${JSON.stringify(stamps, null, 2)}\n`);
}

export function isFresh(recipe: Recipe, stamps: Stamps, stamp: string): boolean {
  return existsSync(recipe.output) && stamps[recipe.source] === stamp;
}
