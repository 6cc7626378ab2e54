/**
 * Entitlements, host load and imbalance.
 *
 * Entitlement of a guest, per dimension (cpu, memory), on its host:
 *   wanted  = clamp(demand, reservation, limit)
 *   if the host's total wanted fits its capacity, entitlement = wanted;
 *   otherwise every guest first gets its reservation, and what remains of the
 *   capacity is divided in proportion to shares among the guests still wanting
 *   more, water-filling: a guest never gets more than it wants, and what it does
 *   not take is divided again among the others (as VMware DRS does).
 *
 * Host load (the number DRS balances):
 *   load = CPU_WEIGHT * wantedCpu / cpuCapacity + MEMORY_WEIGHT * wantedMemory / memoryCapacity
 * CPU is the primary dimension (weight 0.75), memory the second (0.25).
 * "wanted" is the sum of the clamped demands = entitlement + unmet demand. On an
 * uncontended host it equals the sum of entitlements; on a contended host the
 * entitlements saturate at capacity, and the unmet demand is added so that a
 * host at 150% still looks more loaded than one at 100% (otherwise no single
 * move off a saturated host would show a benefit).
 *
 * Imbalance = population standard deviation of the loads of the hosts not in
 * maintenance.
 */
import { DEFAULT_SHARES, type Guest, type Resources } from './model.js';

export const CPU_WEIGHT = 0.75;
export const MEMORY_WEIGHT = 0.25;

export function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/** Demand clamped to [reservation, limit]: what the guest would get on an idle host. */
export function wanted(guest: Guest): Resources {
  const r = guest.reservation ?? { cpu: 0, memory: 0 };
  const l = guest.limit ?? { cpu: Infinity, memory: Infinity };
  return { cpu: clamp(guest.demand.cpu, r.cpu, l.cpu), memory: clamp(guest.demand.memory, r.memory, l.memory) };
}

interface Claim {
  reserve: number;
  want: number;
  shares: number;
}

/** Divides `capacity` among claims: reservations first, the rest by shares, never above want. */
export function divideByShares(capacity: number, claims: Claim[]): number[] {
  const totalWant = claims.reduce((s, c) => s + c.want, 0);
  if (totalWant <= capacity) return claims.map((c) => c.want);
  const totalReserve = claims.reduce((s, c) => s + c.reserve, 0);
  if (totalReserve >= capacity) {
    // Over-reserved host (admission control was bypassed): scale reservations down.
    return claims.map((c) => (totalReserve === 0 ? 0 : (c.reserve * capacity) / totalReserve));
  }
  const given = claims.map((c) => c.reserve);
  let remaining = capacity - totalReserve;
  let open = claims.map((_, i) => i).filter((i) => claims[i].want > given[i]);
  while (remaining > 1e-12 && open.length > 0) {
    const shareSum = open.reduce((s, i) => s + claims[i].shares, 0);
    let handedOut = 0;
    const stillOpen: number[] = [];
    for (const i of open) {
      const offer = (remaining * claims[i].shares) / shareSum;
      const take = Math.min(offer, claims[i].want - given[i]);
      given[i] += take;
      handedOut += take;
      if (claims[i].want - given[i] > 1e-12) stillOpen.push(i);
    }
    remaining -= handedOut;
    // Nobody was capped: the whole remainder went out and the loop is done.
    if (stillOpen.length === open.length) break;
    open = stillOpen;
  }
  return given;
}

/** Entitlement of each guest sharing a host of the given capacity, in input order. */
export function entitlements(capacity: Resources, guests: Guest[]): Resources[] {
  const claims = (dim: 'cpu' | 'memory'): Claim[] =>
    guests.map((g) => ({
      reserve: g.reservation?.[dim] ?? 0,
      want: wanted(g)[dim],
      shares: g.shares ?? DEFAULT_SHARES,
    }));
  const cpu = divideByShares(capacity.cpu, claims('cpu'));
  const memory = divideByShares(capacity.memory, claims('memory'));
  return guests.map((_, i) => ({ cpu: cpu[i], memory: memory[i] }));
}

/** Load contribution of `amount` on a host of `capacity` (see the module comment). */
export function loadOf(amount: Resources, capacity: Resources): number {
  return CPU_WEIGHT * (amount.cpu / capacity.cpu) + MEMORY_WEIGHT * (amount.memory / capacity.memory);
}

/** Population standard deviation. */
export function stddev(values: number[]): number {
  if (values.length === 0) return 0;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) * (v - mean), 0) / values.length);
}

/**
 * Migration cost in seconds of pre-copy over a link of `bandwidth` bytes/s:
 * (memory + disk) / (bandwidth - dirtyRate). A guest dirtying memory at 90% of
 * the link or more would not converge: its cost is Infinity and it is never
 * moved for balance. Its whole disk counts, an upper bound: round 1 sends
 * every block that is not zero. A disk in a shared directory is read from its
 * image by the destination: it costs nothing on the link.
 */
export function migrationCost(guest: Guest, bandwidth: number): number {
  const memoryBytes = (guest.migration?.memoryBytes ?? guest.demand.memory) + (guest.sharedDisk ? 0 : (guest.disk ?? 0));
  const dirtyRate = guest.migration?.dirtyRate ?? 0;
  if (dirtyRate >= 0.9 * bandwidth) return Infinity;
  return memoryBytes / (bandwidth - dirtyRate);
}
