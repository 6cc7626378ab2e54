/**
 * Migration threshold (1..5, DRS vocabulary) and automation levels.
 *
 *   threshold | tolerated imbalance (std-dev) | minimum gain per move (spread)
 *   1         | Infinity: only must-rule fixes | -
 *   2         | 0.20                           | 0.010
 *   3         | 0.10  (default)                | 0.004
 *   4         | 0.05                           | 0.002
 *   5         | 0.02  (most aggressive)        | 0.001
 *
 * "Spread" is the sum of squared deviations of host loads (n * variance). A move
 * is accepted only when it lowers the spread by more than the minimum gain; the
 * spread therefore falls strictly with every move, which is what rules out
 * ping-pong: a move and its reverse cannot both lower it.
 */

export type Threshold = 1 | 2 | 3 | 4 | 5;
export type AutomationLevel = 'manual' | 'partially-automated' | 'fully-automated';

const TARGET = [Infinity, 0.2, 0.1, 0.05, 0.02];
const MIN_GAIN = [Infinity, 0.01, 0.004, 0.002, 0.001];

export function targetImbalance(threshold: Threshold): number {
  return TARGET[threshold - 1];
}

export function minimumGain(threshold: Threshold): number {
  return MIN_GAIN[threshold - 1];
}

/** What each automation level lets the caller do without asking an operator. */
export function automationFlags(level: AutomationLevel): { executeMoves: boolean; autoPlace: boolean } {
  return { executeMoves: level === 'fully-automated', autoPlace: level !== 'manual' };
}
