/**
 * Must-rule repair: guests that break a host-must, affinity or anti-affinity
 * rule are moved first. What cannot be repaired is reported, never forced.
 */
import type { Recommendation, Violation } from './recommendation.js';
import type { ClusterState } from './state.js';

export interface RuleFixes {
  recommendations: Recommendation[];
  violations: Violation[];
}

function record(state: ClusterState, g: number, to: number, reason: string, out: Recommendation[]): void {
  const before = state.imbalance();
  const from = state.hosts[state.guestHost[g]].id;
  state.moveGuest(g, to);
  out.push({ guest: state.guests[g].id, from, to: state.hosts[to].id, reason, benefit: before - state.imbalance(), cost: state.gCost[g] });
}

/** Feasible host for `members` needing the fewest migrations, then the lowest resulting load. */
function bestHost(state: ClusterState, members: number[], exclude = -1): number {
  let best = -1;
  let bestMoves = Infinity;
  let bestLoad = Infinity;
  for (let h = 0; h < state.hosts.length; h++) {
    if (h === exclude || state.refusal(members, h) !== undefined) continue;
    let moves = 0;
    let cpu = state.wantCpu[h];
    let mem = state.wantMem[h];
    for (const g of members) {
      if (state.guestHost[g] === h) continue;
      moves++;
      cpu += state.gWantCpu[g];
      mem += state.gWantMem[g];
    }
    const load = state.loadFor(h, cpu, mem);
    if (moves < bestMoves || (moves === bestMoves && load < bestLoad)) {
      best = h;
      bestMoves = moves;
      bestLoad = load;
    }
  }
  return best;
}

function ruleName(state: ClusterState, members: number[], u: number): string {
  const broken = members.find((g) => state.mustHosts[g] && !state.mustHosts[g]!.has(state.guestHost[g]));
  if (broken !== undefined) return `rule ${state.mustRule[broken]}: must run on one of its hosts`;
  return `rule ${state.unitRule[u]}: keep together`;
}

function selfConflict(state: ClusterState, members: number[]): string | undefined {
  const inUnit = new Set(members);
  for (const g of members) {
    for (const tie of state.anti[g] ?? []) {
      if (tie.partners.some((p) => inUnit.has(p))) return tie.rule;
    }
  }
  return undefined;
}

function fixUnit(state: ClusterState, u: number, fixes: RuleFixes): void {
  const members = state.units[u];
  const first = state.guestHost[members[0]];
  const split = members.some((g) => state.guestHost[g] !== first);
  const offMust = members.some((g) => state.mustHosts[g] && !state.mustHosts[g]!.has(state.guestHost[g]));
  if (!split && !offMust) return;
  const ids = members.map((g) => state.guests[g].id);
  const conflict = selfConflict(state, members);
  if (conflict !== undefined) {
    fixes.violations.push({ rule: state.unitRule[u] ?? conflict, guests: ids, reason: `conflicts with anti-affinity rule ${conflict}` });
    return;
  }
  const reason = ruleName(state, members, u);
  const to = bestHost(state, members);
  if (to < 0) {
    fixes.violations.push({ rule: reason.split(':')[0].slice(5), guests: ids, reason: 'no host satisfies every rule and has room for the reservations' });
    return;
  }
  for (const g of members) if (state.guestHost[g] !== to) record(state, g, to, reason, fixes.recommendations);
}

function fixAntiAffinity(state: ClusterState, g: number, fixes: RuleFixes): void {
  for (const tie of state.anti[g] ?? []) {
    const clash = tie.partners.find((p) => state.guestHost[p] === state.guestHost[g]);
    if (clash === undefined) continue;
    const members = state.units[state.unitOf[g]];
    const to = bestHost(state, members, state.guestHost[g]);
    const ids = [state.guests[g].id, state.guests[clash].id];
    if (to < 0) {
      fixes.violations.push({ rule: tie.rule, guests: ids, reason: 'no other host can take the guest' });
      return;
    }
    const reason = `rule ${tie.rule}: keep ${ids[0]} apart from ${ids[1]}`;
    for (const m of members) if (state.guestHost[m] !== to) record(state, m, to, reason, fixes.recommendations);
    return;
  }
}

/** Repairs must-rule violations in place on `state`; returns the moves and what stays broken. */
export function fixViolations(state: ClusterState): RuleFixes {
  const fixes: RuleFixes = { recommendations: [], violations: [] };
  for (let u = 0; u < state.units.length; u++) fixUnit(state, u, fixes);
  for (let g = 0; g < state.guests.length; g++) if (state.anti[g]) fixAntiAffinity(state, g, fixes);
  return fixes;
}

/** Guests on a host their should rules do not prefer (reported, preferred by the balancer). */
export function shouldViolations(state: ClusterState): Violation[] {
  const out: Violation[] = [];
  for (let g = 0; g < state.guests.length; g++) {
    if (!state.shouldHonored(g)) {
      out.push({ rule: state.shouldRule[g]!, guests: [state.guests[g].id], reason: 'runs outside its preferred hosts (should rule)' });
    }
  }
  return out;
}
