/**
 * Runs one .wast file: converts it, creates a fresh engine (one store per
 * file), executes its commands and disposes of the engine. SIMD files are
 * converted only to count their commands as skipped.
 */
import { basename } from 'node:path';
import { createEngine, type EngineName } from '../../host-shim/engine/index.js';
import { executeScript, type ScriptResult } from './executor.js';
import { isSimdFile } from './paths.js';
import { convertWast } from './wast2json.js';

export interface FileResult extends ScriptResult {
  file: string;
}

export interface RunFileOptions {
  engine: EngineName;
  /** Time budget for the file's commands, in milliseconds. */
  timeLimitMs?: number;
}

/** 64 MiB: more than any spec test grows a memory to. */
const SPEC_MAX_MEMORY_PAGES = 1024;

export async function runSpecFile(wastPath: string, options: RunFileOptions): Promise<FileResult> {
  const file = basename(wastPath);
  const { dir, script } = convertWast(wastPath);
  if (isSimdFile(wastPath)) {
    const byCommand: FileResult['byCommand'] = {};
    for (const c of script.commands) (byCommand[c.type] ??= { passed: 0, failed: 0, skipped: 0 }).skipped++;
    return { file, passed: 0, failed: 0, skipped: script.commands.length, failures: [], byCommand };
  }
  // One store holds every module of a file, and each memory reserves its
  // address space up front: a small limit keeps a file's memories within it.
  const engine = await createEngine(options.engine, { maxMemoryPages: SPEC_MAX_MEMORY_PAGES });
  try {
    const deadline = options.timeLimitMs === undefined ? undefined : Date.now() + options.timeLimitMs;
    return { file, ...executeScript(engine, dir, script.commands, { deadline }) };
  } finally {
    engine.dispose();
  }
}

export function formatFileResult(r: FileResult): string {
  return `${r.file}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`;
}

export function formatFailures(r: FileResult): string[] {
  return r.failures.map((f) => `  ${r.file}:${f.line} ${f.command}: ${f.message}`);
}
