/**
 * Initial placement with admission control: a new guest goes to the host that
 * keeps the imbalance lowest while honoring must rules and reservations; a
 * host a should rule prefers wins over any other. If its reservation (or a
 * rule) allows no host, the guest is refused with a summary of the reasons.
 */
import type { Cluster, Guest } from './model.js';
import { DEFAULT_BANDWIDTH } from './balance.js';
import { ClusterState } from './state.js';

export type Placement = { ok: true; host: string; imbalance: number } | { ok: false; reason: string };

function refusalForNew(state: ClusterState, g: number, h: number): string | undefined {
  // Affinity partners already running pin the new guest to their host.
  for (const m of state.units[state.unitOf[g]]) {
    if (m !== g && state.guestHost[m] !== h) return `affinity partner ${state.guests[m].id} runs elsewhere`;
  }
  return state.refusal([g], h);
}

/** Chooses a host for `guest` (its `host` field is ignored); `cluster.rules` may name it. */
export function placeGuest(cluster: Cluster, guest: Guest): Placement {
  if (cluster.hosts.length === 0) return { ok: false, reason: 'the cluster has no hosts' };
  // The guest enters the model parked on the first host, then is detached and tried everywhere.
  const withGuest: Cluster = { ...cluster, guests: [...cluster.guests, { ...guest, host: cluster.hosts[0].id }] };
  const state = new ClusterState(withGuest, DEFAULT_BANDWIDTH);
  const g = state.guestIndex.get(guest.id)!;
  state.detachGuest(g);
  const reasons = new Map<string, number>();
  let best = -1;
  let bestKey = Infinity;
  for (let h = 0; h < state.hosts.length; h++) {
    const why = refusalForNew(state, g, h);
    if (why !== undefined) {
      const general = why.split(state.hosts[h].id).join('<host>');
      reasons.set(general, (reasons.get(general) ?? 0) + 1);
      continue;
    }
    // A preferred host (should rule) beats any non-preferred one; then lowest spread.
    const key = (state.shouldHonored(g, h) ? 0 : 1e12) + state.spreadIfAdded(g, h);
    if (key < bestKey) {
      bestKey = key;
      best = h;
    }
  }
  if (best < 0) {
    const summary = [...reasons].map(([why, n]) => `${n} host(s): ${why}`).join('; ');
    return { ok: false, reason: `guest ${guest.id} fits on no host (${summary})` };
  }
  state.attachGuest(g, best);
  return { ok: true, host: state.hosts[best].id, imbalance: state.imbalance() };
}
