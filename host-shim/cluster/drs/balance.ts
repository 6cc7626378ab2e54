/**
 * One DRS balancing pass: must-rule repair, then greedy cost-benefit moves.
 *
 * Each step takes the most loaded host that may still send guests, the K least
 * loaded hosts that may still receive, and every movable unit on the source
 * (an affinity group or a lone guest). A candidate's gain is the drop of the
 * spread (sum of squared load deviations, O(1) from the kept sums); the chosen
 * move maximises gain / (cost + COST_FLOOR), 25% better for a move onto a host
 * a should rule prefers. Moves that take a guest off a preferred host, break a
 * must rule, or gain less than the threshold's minimum are never taken.
 * A source with no acceptable move is set aside for the rest of the pass.
 * Per step: O(hosts + guestsOnSource * K); no hosts x guests scan.
 */
import { UsageError } from '../../errors.js';
import type { Cluster } from './model.js';
import type { Recommendation, Violation } from './recommendation.js';
import { fixViolations, shouldViolations } from './rules.js';
import { ClusterState } from './state.js';
import { automationFlags, minimumGain, targetImbalance, type AutomationLevel, type Threshold } from './threshold.js';

export interface BalanceOptions {
  threshold?: Threshold;
  automation?: AutomationLevel;
  /** Guest ids moved in previous passes, oldest first, one array per pass. */
  history?: string[][];
  /** A guest moved in the last N passes is not moved for balance (default 3). */
  coolDownPasses?: number;
  maxMovesPerHost?: number;
  maxMovesPerPass?: number;
  /** Migration link bandwidth in bytes/s for the cost model (default 10 Gbit/s). */
  bandwidth?: number;
  destinationsConsidered?: number;
}

export interface PassResult {
  recommendations: Recommendation[];
  violations: Violation[];
  imbalanceBefore: number;
  imbalanceAfter: number;
  target: number;
  automation: AutomationLevel;
  executeMoves: boolean;
  autoPlace: boolean;
}

export const DEFAULT_BANDWIDTH = 1.25e9;
const COST_FLOOR = 0.1;
const SHOULD_BONUS = 1.25;

interface Limits {
  perHost: number;
  perPass: number;
  k: number;
  minGain: number;
  target: number;
}

interface Candidate {
  unit: number;
  to: number;
  gain: number;
  score: number;
  cost: number;
}

function coolingGuests(state: ClusterState, options: BalanceOptions): Uint8Array {
  const cooling = new Uint8Array(state.guests.length);
  const n = options.coolDownPasses ?? 3;
  const history = options.history ?? [];
  for (const pass of history.slice(Math.max(0, history.length - n))) {
    for (const id of pass) {
      const g = state.guestIndex.get(id);
      if (g !== undefined) cooling[g] = 1;
    }
  }
  return cooling;
}

/** Most loaded active host still allowed to send, or -1. */
function pickSource(state: ClusterState, outCount: Int32Array, setAside: Uint8Array, lim: Limits): number {
  let best = -1;
  for (let h = 0; h < state.hosts.length; h++) {
    if (!state.active[h] || setAside[h] || outCount[h] >= lim.perHost) continue;
    if (best < 0 || state.load[h] > state.load[best]) best = h;
  }
  return best;
}

/** The k least loaded active hosts below `ceiling` still allowed to receive. */
function pickDestinations(state: ClusterState, inCount: Int32Array, ceiling: number, lim: Limits): number[] {
  const dests: number[] = [];
  for (let h = 0; h < state.hosts.length; h++) {
    const l = state.load[h];
    if (!state.active[h] || inCount[h] >= lim.perHost || l >= ceiling) continue;
    if (dests.length === lim.k && l >= state.load[dests[lim.k - 1]]) continue;
    let i = Math.min(dests.length, lim.k - 1);
    dests[i] = h;
    while (i > 0 && state.load[dests[i - 1]] > l) {
      dests[i] = dests[i - 1];
      dests[--i] = h;
    }
  }
  return dests;
}

function movable(state: ClusterState, unit: number, src: number, cooling: Uint8Array): boolean {
  for (const g of state.units[unit]) {
    if (state.guestHost[g] !== src || cooling[g] || !Number.isFinite(state.gCost[g])) return false;
  }
  return true;
}

function bestMove(state: ClusterState, src: number, dests: number[], cooling: Uint8Array, lim: Limits, room: number): Candidate | undefined {
  const spread = state.spread();
  const seen = new Set<number>();
  let best: Candidate | undefined;
  for (const g of state.hostGuests[src]) {
    const unit = state.unitOf[g];
    if (seen.has(unit)) continue;
    seen.add(unit);
    const members = state.units[unit];
    if (members.length > room || !movable(state, unit, src, cooling)) continue;
    let cpu = 0, mem = 0, cost = 0;
    for (const m of members) {
      cpu += state.gWantCpu[m];
      mem += state.gWantMem[m];
      cost += state.gCost[m];
    }
    const newSrc = state.loadFor(src, state.wantCpu[src] - cpu, state.wantMem[src] - mem);
    for (const d of dests) {
      const newDst = state.loadFor(d, state.wantCpu[d] + cpu, state.wantMem[d] + mem);
      const gain = spread - state.spreadIfLoads(src, newSrc, d, newDst);
      if (gain <= lim.minGain) continue;
      let bonus = 1;
      let leavesPreferred = false;
      for (const m of members) {
        if (state.shouldHonored(m, src) && !state.shouldHonored(m, d)) leavesPreferred = true;
        if (!state.shouldHonored(m, src) && state.shouldHonored(m, d)) bonus = SHOULD_BONUS;
      }
      if (leavesPreferred) continue;
      const score = (bonus * gain) / (cost + COST_FLOOR);
      if (best && score <= best.score) continue;
      if (state.refusal(members, d) !== undefined) continue;
      best = { unit, to: d, gain, score, cost };
    }
  }
  return best;
}

function applyMove(state: ClusterState, c: Candidate, out: Recommendation[]): void {
  const members = state.units[c.unit];
  const from = state.guestHost[members[0]];
  const before = state.imbalance();
  for (const g of members) state.moveGuest(g, c.to);
  const benefit = (before - state.imbalance()) / members.length;
  const why = `balance: load ${state.hosts[from].id} -> ${state.hosts[c.to].id}`;
  for (const g of members) {
    out.push({ guest: state.guests[g].id, from: state.hosts[from].id, to: state.hosts[c.to].id, reason: why, benefit, cost: state.gCost[g] });
  }
}

function balanceLoop(state: ClusterState, options: BalanceOptions, lim: Limits, out: Recommendation[]): void {
  const cooling = coolingGuests(state, options);
  const outCount = new Int32Array(state.hosts.length);
  const inCount = new Int32Array(state.hosts.length);
  const setAside = new Uint8Array(state.hosts.length);
  let moves = 0;
  while (moves < lim.perPass && state.imbalance() > lim.target) {
    const src = pickSource(state, outCount, setAside, lim);
    if (src < 0) break;
    const dests = pickDestinations(state, inCount, state.load[src], lim);
    const room = Math.min(lim.perPass - moves, lim.perHost - outCount[src]);
    const move = bestMove(state, src, dests, cooling, lim, room);
    if (!move) {
      setAside[src] = 1;
      continue;
    }
    const n = state.units[move.unit].length;
    applyMove(state, move, out);
    moves += n;
    outCount[src] += n;
    inCount[move.to] += n;
  }
}

/** One pass over `cluster` (not mutated). Recommendations are in execution order. */
export function balancePass(cluster: Cluster, options: BalanceOptions = {}): PassResult {
  const threshold = options.threshold ?? 3;
  if (![1, 2, 3, 4, 5].includes(threshold)) throw new UsageError(`drs: migration threshold must be 1..5, got ${threshold}`);
  const automation = options.automation ?? 'manual';
  const state = new ClusterState(cluster, options.bandwidth ?? DEFAULT_BANDWIDTH);
  const imbalanceBefore = state.imbalance();
  const fixes = fixViolations(state);
  const lim: Limits = {
    perHost: options.maxMovesPerHost ?? 8,
    perPass: options.maxMovesPerPass ?? 512,
    k: Math.max(1, options.destinationsConsidered ?? 8),
    minGain: minimumGain(threshold),
    target: targetImbalance(threshold),
  };
  const recommendations = fixes.recommendations;
  if (Number.isFinite(lim.target)) balanceLoop(state, options, lim, recommendations);
  state.recomputeLoads();
  return {
    recommendations,
    violations: [...fixes.violations, ...shouldViolations(state)],
    imbalanceBefore,
    imbalanceAfter: state.imbalance(),
    target: lim.target,
    automation,
    ...automationFlags(automation),
  };
}
