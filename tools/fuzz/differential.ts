/**
 * Differential testing: one generated module, two engines. Each engine
 * compiles and instantiates the module, every export f0.. is called with the
 * same generated arguments (in the same order, so state carries over), then
 * the memory hash and the exported globals are read. The two transcripts must
 * agree step by step; the first difference is reported and the module is kept
 * in .cache/fuzz/failures/<seed>.wasm.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine, Value } from '../../host-shim/engine/types.js';
import { generateModule, type GeneratedModule, type GeneratorOptions } from './generate.js';
import { randomValue } from './interesting-values.js';
import { compareOutcomes, nonCanonicalValue, outcomeOf, outcomeOfError, type Outcome } from './outcome.js';
import { Prng } from './prng.js';

export const FAILURE_DIR = join('.cache', 'fuzz', 'failures');

export interface Step {
  label: string;
  outcome: Outcome;
}

export interface CaseResult {
  seed: number;
  /** The first difference, or undefined when the engines agree. */
  difference?: string;
  /** True when the difference is an unexpected exception (not a mismatch of results). */
  crashed: boolean;
  calls: number;
  traps: number;
  /** Where the failing module was written. */
  savedTo?: string;
}

export interface DiffOptions extends GeneratorOptions {
  /** Calls per export (each with fresh arguments); default 2. */
  callsPerExport?: number;
  /** Where failing modules go; default .cache/fuzz/failures. */
  failureDir?: string;
}

/** The calls to make: export name and arguments, the same for both engines. */
export function plannedCalls(module: GeneratedModule, callsPerExport: number): { name: string; args: Value[] }[] {
  const rng = new Prng(module.seed ^ 0x5eed_a465);
  const calls: { name: string; args: Value[] }[] = [];
  for (let round = 0; round < callsPerExport; round++) {
    for (const e of module.entries) calls.push({ name: e.name, args: e.params.map((t) => randomValue(rng, t)) });
  }
  return calls;
}

/** Runs the whole case on one engine; the transcript stops at the first step that cannot go on. */
export function transcript(engine: Engine, module: GeneratedModule, calls: { name: string; args: Value[] }[]): Step[] {
  const steps: Step[] = [];
  let compiled;
  try {
    compiled = engine.compile(module.bytes);
  } catch (err) {
    return [{ label: 'compile', outcome: outcomeOfError(err) }];
  }
  let instance;
  try {
    instance = engine.instantiate(compiled, () => undefined);
  } catch (err) {
    return [{ label: 'instantiate', outcome: outcomeOfError(err) }];
  }
  steps.push({ label: 'instantiate', outcome: { kind: 'values', values: [] } });
  calls.forEach((c, i) => steps.push({ label: `call #${i} ${c.name}`, outcome: outcomeOf(() => instance.invoke(c.name, c.args)) }));
  steps.push({ label: 'memory hash', outcome: outcomeOf(() => instance.invoke(module.memoryHash, [])) });
  for (const g of module.globals) steps.push({ label: `global ${g.name}`, outcome: outcomeOf(() => [instance.getGlobal(g.name)]) });
  return steps;
}

export function firstDifference(a: Step[], b: Step[]): string | undefined {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (!a[i] || !b[i] || a[i].label !== b[i].label) return `step ${i}: ${a[i]?.label ?? 'nothing'} vs ${b[i]?.label ?? 'nothing'}`;
    const diff = compareOutcomes(a[i].outcome, b[i].outcome);
    if (diff) return `${a[i].label}: ${diff}`;
  }
  // Equal bits in a representation the Value type does not allow: reported after real differences.
  for (const [side, steps] of [['first', a], ['second', b]] as const) {
    for (const step of steps) {
      if (step.outcome.kind !== 'values') continue;
      const bad = step.outcome.values.map(nonCanonicalValue).find((d) => d !== undefined);
      if (bad) return `${step.label}: ${side} engine returned a non-canonical value: ${bad}`;
    }
  }
  return undefined;
}

/** Generates the module of `seed` and compares two engines on it. */
export function runDifferentialCase(engines: readonly [Engine, Engine], seed: number, options: DiffOptions = {}): CaseResult {
  const module = generateModule(seed, options);
  const calls = plannedCalls(module, options.callsPerExport ?? 2);
  const [a, b] = engines.map((e) => transcript(e, module, calls));
  let difference = firstDifference(a, b);
  // A generated module must be valid: a module error on both sides is a generator bug.
  if (!difference && a[0].outcome.kind === 'module-error') difference = `generated module rejected: ${a[0].outcome.message}`;
  const crashed = [...a, ...b].some((s) => s.outcome.kind === 'crash');
  const result: CaseResult = {
    seed,
    difference,
    crashed,
    calls: a.filter((s) => s.label.startsWith('call')).length,
    traps: a.filter((s) => s.outcome.kind === 'trap').length,
  };
  if (difference) result.savedTo = saveFailure(options.failureDir ?? FAILURE_DIR, `${seed}`, module.bytes, `seed ${seed}: ${difference}\n`);
  return result;
}

export function saveFailure(dir: string, name: string, bytes: Uint8Array, note: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.wasm`);
  writeFileSync(path, bytes);
  writeFileSync(join(dir, `${name}.txt`), note);
  return path;
}
