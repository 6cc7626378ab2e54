/**
 * The child process that runs fuzz cases for main.ts, so that a hang or a crash
 * of the engine under test is caught by the parent instead of taking it down.
 * It runs case after case from `start`, announcing each before running it
 * ({start: i}) and reporting it after ({done: i, ...}); the parent kills it on
 * a hang and restarts it after the culprit.
 *
 * argv[2] is a JSON WorkerConfig.
 */
import { createEngine, type EngineName } from '../../host-shim/engine/index.js';
import type { Engine } from '../../host-shim/engine/types.js';
import { runDifferentialCase } from './differential.js';
import { decodeCase, decodeInput, loadGuestCorpus } from './mutate.js';
import { saveFailure, FAILURE_DIR } from './differential.js';

export interface WorkerConfig {
  mode: 'diff' | 'decode';
  engines: EngineName[];
  seed: number;
  start: number;
}

export type WorkerMessage =
  | { start: number }
  /** The case now runs guest code, which may loop forever legitimately. */
  | { running: number }
  | { done: number; failure?: string; crashed?: boolean; traps?: number; calls?: number; verdict?: string };

/** Fresh engines every so many cases keep one store from growing without bound. */
const CASES_PER_ENGINE = 100;

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as WorkerConfig;
  const guests = config.mode === 'decode' ? loadGuestCorpus() : [];
  let engines: Engine[] = [];
  for (let i = config.start; ; i++) {
    if ((i - config.start) % CASES_PER_ENGINE === 0) {
      for (const e of engines) e.dispose();
      const names = config.mode === 'diff' ? config.engines.slice(0, 2) : config.engines.slice(0, 1);
      engines = await Promise.all(names.map((n) => createEngine(n)));
    }
    await send({ start: i }); // flushed before the case runs, so a hang is pinned on it
    if (config.mode === 'diff') {
      const r = runDifferentialCase([engines[0], engines[1]], (config.seed + i) >>> 0);
      await send({ done: i, failure: r.difference, crashed: r.crashed, traps: r.traps, calls: r.calls });
    } else {
      const bytes = decodeInput(config.seed, i, guests);
      // Guest code of a mutated module may loop forever on any engine: the parent
      // times it out as a verdict, not a failure. The announcement is sent
      // without waiting: the case continues synchronously, and IPC flushes it.
      const r = decodeCase(engines[0], bytes, { run: true, beforeGuestCode: () => process.send!({ running: i }) });
      if (r.crash) saveFailure(FAILURE_DIR, `decode-${config.seed}-${i}`, bytes, `seed ${config.seed} input ${i}: ${r.crash}\n`);
      await send({ done: i, failure: r.crash, crashed: r.crash !== undefined, verdict: r.verdict });
    }
  }
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, undefined, {}, (err) => (err ? reject(err) : resolve())));
}

main().catch((err) => {
  process.stderr.write(`fuzz worker: ${(err as Error).stack ?? err}\n`);
  process.exit(2);
});
