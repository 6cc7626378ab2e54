/**
 * Maintenance evacuation plan: every guest of the host gets a destination that
 * honors must rules and has room for its reservations, or the plan names each
 * guest that cannot go anywhere and why. Affinity groups travel together;
 * bigger units are placed first (they are the hardest to fit), each on the
 * feasible host that keeps the imbalance lowest.
 */
import { DEFAULT_BANDWIDTH } from './balance.js';
import type { Cluster } from './model.js';
import type { Recommendation } from './recommendation.js';
import { ClusterState } from './state.js';
import { UsageError } from '../../errors.js';

export interface EvacuationPlan {
  host: string;
  moves: Recommendation[];
  stuck: { guest: string; reason: string }[];
  /** True when every guest of the host has a destination. */
  complete: boolean;
}

function unitsOn(state: ClusterState, h: number): number[] {
  const units = new Set<number>();
  for (const g of state.hostGuests[h]) units.add(state.unitOf[g]);
  const size = (u: number): number => state.units[u].reduce((s, g) => s + state.gWantCpu[g] + state.gResCpu[g], 0);
  return [...units].sort((a, b) => size(b) - size(a));
}

function destination(state: ClusterState, members: number[], from: number): { to: number; why: string } {
  let best = -1;
  let bestSpread = Infinity;
  const reasons = new Set<string>();
  for (let h = 0; h < state.hosts.length; h++) {
    if (h === from || !state.active[h]) continue;
    const refusal = state.refusal(members, h);
    if (refusal !== undefined) {
      reasons.add(refusal.split(state.hosts[h].id).join('<host>'));
      continue;
    }
    let cpu = 0, mem = 0;
    for (const g of members) if (state.guestHost[g] !== h) { cpu += state.gWantCpu[g]; mem += state.gWantMem[g]; }
    const load = state.loadFor(h, state.wantCpu[h] + cpu, state.wantMem[h] + mem);
    const spread = state.spreadIfLoads(h, load, h, load);
    if (spread < bestSpread) {
      bestSpread = spread;
      best = h;
    }
  }
  return { to: best, why: reasons.size > 0 ? [...reasons].join('; ') : 'no other active host' };
}

/** Plans the evacuation of `hostId`, treating it as already in maintenance. */
export function planEvacuation(cluster: Cluster, hostId: string, bandwidth = DEFAULT_BANDWIDTH): EvacuationPlan {
  const hosts = cluster.hosts.map((h) => (h.id === hostId ? { ...h, maintenance: true } : h));
  const state = new ClusterState({ ...cluster, hosts }, bandwidth);
  const from = state.hostIndex.get(hostId);
  if (from === undefined) throw new UsageError(`drs: unknown host "${hostId}"`);
  const plan: EvacuationPlan = { host: hostId, moves: [], stuck: [], complete: true };
  for (const u of unitsOn(state, from)) {
    const members = state.units[u];
    const { to, why } = destination(state, members, from);
    if (to < 0) {
      for (const g of members) if (state.guestHost[g] === from) plan.stuck.push({ guest: state.guests[g].id, reason: why });
      plan.complete = false;
      continue;
    }
    const before = state.imbalance();
    for (const g of members) {
      if (state.guestHost[g] === to) continue;
      const src = state.hosts[state.guestHost[g]].id;
      state.moveGuest(g, to);
      plan.moves.push({ guest: state.guests[g].id, from: src, to: state.hosts[to].id, reason: `maintenance: evacuate ${hostId}`, benefit: before - state.imbalance(), cost: state.gCost[g] });
    }
  }
  return plan;
}
