/**
 * The host's CPU scheduler: divides the host's CPU capacity among its running
 * guests as duty cycles, which each guest's worker enforces (pacer.ts).
 *
 *   cap      = min(limit, 1)                   a guest is one thread
 *   want     = clamp(demand * HEADROOM, MIN_DEMAND, cap)
 *   given    = divideByShares(capacity, reserve = min(reservation, want), want)
 *   duty     = divideByShares(capacity, reserve = given, want = cap), at least MIN_DUTY
 *
 * The first division is DRS's entitlement (cluster/drs/entitlement.ts):
 * reservations first, the rest by shares, water-filled so that nobody gets
 * more than it wants. The second hands what nobody wants out again by
 * shares, up to each guest's cap: a duty cycle is a ceiling, and a ceiling
 * above what a guest uses costs the others nothing.
 *
 * Demand is measured (usage-meter.ts): a guest that blocked in a WASI call
 * (stdin, poll_oneoff) in the last window and was not held back by its
 * pacing wants what it used, with headroom; any other wants all it may have.
 * So a guest that is blocked or idle stops holding its share, its
 * reservation included, from the others within a window; once it runs again
 * it is held back at its small ceiling, and the next pass (every
 * REBALANCE_MS) gives it back its reservation and share. A guest that never
 * waits keeps its share even when it used less (its thread got less time
 * from the operating system).
 */
import { divideByShares } from '../cluster/drs/entitlement.js';
import type { GuestHandle } from './guest-handle.js';
import { MAX_GUEST_CPU } from './policy.js';

/** How often demand is measured again and the duty cycles recomputed. */
export const REBALANCE_MS = 250;
/** Headroom over measured use: a guest not held back may grow this much before its next pass. */
const HEADROOM = 1.25;
/** A guest that used nothing still gets this much to show it wants more. */
const MIN_DEMAND = 0.05;
/** Nobody stops entirely (a guest squeezed out by reservations still answers, slowly). */
const MIN_DUTY = 0.01;

export interface CpuClaim {
  reservation: number;
  /** null: no limit but the one core a guest can use. */
  limit: number | null;
  shares: number;
  /** Cores the guest would use if it could; Infinity when it takes all it gets. */
  demand: number;
}

/** Duty cycles, each in [MIN_DUTY, 1], for guests sharing `capacity` cores, in input order. */
export function dutyCycles(capacity: number, claims: CpuClaim[]): number[] {
  const caps = claims.map((c) => Math.min(c.limit ?? MAX_GUEST_CPU, MAX_GUEST_CPU));
  const wants = claims.map((c, i) => Math.min(Math.max(c.demand * HEADROOM, MIN_DEMAND), caps[i]));
  const given = divideByShares(capacity, claims.map((c, i) => ({ reserve: Math.min(c.reservation, wants[i]), want: wants[i], shares: c.shares })));
  const ceilings = divideByShares(capacity, claims.map((c, i) => ({ reserve: given[i], want: caps[i], shares: c.shares })));
  return ceilings.map((d, i) => Math.min(Math.max(d, MIN_DUTY), caps[i]));
}

/** The guest states in which a guest runs on this host. */
const RUNNING = new Set(['starting', 'running', 'migrating']);

export class CpuScheduler {
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly capacity: number,
    private readonly guests: () => Iterable<GuestHandle>,
  ) {
    this.timer = setInterval(() => this.rebalance(), REBALANCE_MS);
    this.timer.unref();
  }

  /** Divides the capacity again and tells each running guest its duty cycle. */
  rebalance(): void {
    const running = [...this.guests()].filter((g) => RUNNING.has(g.state));
    const duties = dutyCycles(
      this.capacity,
      running.map((g) => ({ ...g.policy.cpu, demand: g.meter.demand() })),
    );
    running.forEach((g, i) => g.setDuty(duties[i]));
  }

  close(): void {
    clearInterval(this.timer);
  }
}
