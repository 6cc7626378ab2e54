/**
 * Runs fuzz cases in a child process (fuzz-worker.js) until a deadline. A case
 * that runs longer than the hang limit, or during which the child dies, is a
 * crash: it is recorded (and its input saved) and a new child resumes after it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateModule } from './generate.js';
import { FAILURE_DIR, saveFailure } from './differential.js';
import { decodeInput, loadGuestCorpus } from './mutate.js';
import type { WorkerConfig, WorkerMessage } from './fuzz-worker.js';

export interface Tally {
  cases: number;
  mismatches: number;
  crashes: number;
  traps: number;
  calls: number;
  verdicts: Record<string, number>;
  /** The first few failures, for the report. */
  failures: string[];
}

export function emptyTally(): Tally {
  return { cases: 0, mismatches: 0, crashes: 0, traps: 0, calls: 0, verdicts: {}, failures: [] };
}

const WORKER = fileURLToPath(new URL('./fuzz-worker.js', import.meta.url));

export interface Limits {
  /** A case that runs longer than this is a hang: a failure. */
  hangMs: number;
  /**
   * A mutated module's own code may loop forever on any engine; when it runs
   * longer than this it is stopped and counted as "timed out", not a failure.
   */
  guestCodeMs: number;
}

export async function supervise(config: Omit<WorkerConfig, 'start'>, deadline: number, limits: Limits, tally: Tally): Promise<void> {
  let start = 0;
  while (Date.now() < deadline) {
    const next = await runChild({ ...config, start }, deadline, limits, tally);
    if (next === undefined) return;
    start = next;
  }
}

/** Runs one child; resolves with the case to resume at after a failure, or undefined at the deadline. */
function runChild(config: WorkerConfig, deadline: number, limits: Limits, tally: Tally): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child: ChildProcess = fork(WORKER, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let current: number | undefined;
    let inGuestCode = false;
    let startedAt = Date.now();
    let finished = false;
    const finish = (resumeAt: number | undefined): void => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      resolve(resumeAt);
    };
    const fail = (what: string): void => {
      const index = current ?? config.start;
      tally.cases++;
      tally.crashes++;
      record(tally, `${describeCase(config, index)}: ${what} (${saveInput(config, index, what)})`);
      finish(index + 1);
    };
    const timedOut = (index: number): void => {
      tally.cases++;
      tally.verdicts['timed out'] = (tally.verdicts['timed out'] ?? 0) + 1;
      finish(index + 1);
    };
    const timer = setInterval(() => {
      if (Date.now() >= deadline) finish(undefined);
      else if (current === undefined) return;
      else if (inGuestCode && Date.now() - startedAt > limits.guestCodeMs) timedOut(current);
      else if (Date.now() - startedAt > limits.hangMs) fail(`hang: no result after ${limits.hangMs} ms`);
    }, 100);
    child.on('message', (m: WorkerMessage) => {
      if ('start' in m) {
        current = m.start;
        startedAt = Date.now();
        inGuestCode = false;
        return;
      }
      if ('running' in m) {
        inGuestCode = true;
        startedAt = Date.now();
        return;
      }
      current = undefined;
      tally.cases++;
      tally.traps += m.traps ?? 0;
      tally.calls += m.calls ?? 0;
      if (m.verdict) tally.verdicts[m.verdict] = (tally.verdicts[m.verdict] ?? 0) + 1;
      if (m.failure) {
        if (m.crashed) tally.crashes++;
        else tally.mismatches++;
        record(tally, `${describeCase(config, m.done)}: ${m.failure}`);
      }
    });
    child.on('exit', (code, signal) => {
      if (!finished) fail(`worker died (${signal ?? `exit code ${code}`})`);
    });
  });
}

function record(tally: Tally, failure: string): void {
  if (tally.failures.length < 20) tally.failures.push(failure);
}

function describeCase(config: WorkerConfig, index: number): string {
  return config.mode === 'diff' ? `diff seed ${(config.seed + index) >>> 0}` : `decode seed ${config.seed} input ${index}`;
}

/** Recomputes the input of a case that took the worker down, and keeps it. */
function saveInput(config: WorkerConfig, index: number, what: string): string {
  if (config.mode === 'diff') {
    const seed = (config.seed + index) >>> 0;
    return saveFailure(FAILURE_DIR, `${seed}`, generateModule(seed).bytes, `seed ${seed}: ${what}\n`);
  }
  const bytes = decodeInput(config.seed, index, loadGuestCorpus());
  return saveFailure(FAILURE_DIR, `decode-${config.seed}-${index}`, bytes, `seed ${config.seed} input ${index}: ${what}\n`);
}
