/**
 * Admission control: a host takes a guest only if the guest's reservations
 * fit what is not reserved yet, so every reservation it ever accepted can be
 * honoured at once. A guest's virtual disk counts as reserved memory: its
 * image lives in the guest's VMM from start to end. Guests without
 * reservations or disks are always admitted; they share what the
 * reservations leave. Guests arriving by migration hold their reservation
 * from the handshake until they run here or are thrown away, so two arrivals
 * cannot both take the last free capacity.
 */
import { availableParallelism, totalmem } from 'node:os';
import type { Resources } from '../cluster/drs/model.js';
import { reservationOf, type GuestPolicy } from './policy.js';

/** The share of the machine's memory a host offers its guests by default; the rest is the host's own. */
const DEFAULT_MEMORY_SHARE = 0.75;

/** Rounding slack when reservations are summed (0.1 + 0.2 fits in 0.3). */
const EPSILON = 1e-9;

/** What a guest holds on its host: its policy's reservations, and its disk's bytes (0 without one). */
export interface Claim {
  policy: GuestPolicy;
  diskBytes: number;
}

/** The machine's cores and most of its memory. */
export function defaultCapacity(): Resources {
  return { cpu: availableParallelism(), memory: Math.floor(totalmem() * DEFAULT_MEMORY_SHARE) };
}

function reserves(claim: Claim): Resources {
  const r = reservationOf(claim.policy);
  return { cpu: r.cpu, memory: r.memory + claim.diskBytes };
}

export class Admission {
  /** Claims of guests arriving by migration, by guest id. */
  private readonly holds = new Map<string, Claim>();

  constructor(
    readonly capacity: Resources,
    /** The claims of the guests that live here now (not ended). */
    private readonly admitted: () => Iterable<Claim>,
  ) {}

  /** The sum of the reservations (disks included) of the guests here and of those arriving. */
  reserved(): Resources {
    const sum = { cpu: 0, memory: 0 };
    for (const claim of [...this.admitted(), ...this.holds.values()]) {
      const r = reserves(claim);
      sum.cpu += r.cpu;
      sum.memory += r.memory;
    }
    return sum;
  }

  /** Why a guest with this claim cannot be admitted here, or null if it can. */
  refusal(claim: Claim): string | null {
    const want = reserves(claim);
    const reserved = this.reserved();
    const freeCpu = this.capacity.cpu - reserved.cpu;
    if (want.cpu > freeCpu + EPSILON) {
      return `a CPU reservation of ${want.cpu} cores does not fit: ${round(freeCpu)} of this host's ${this.capacity.cpu} cores are unreserved`;
    }
    const freeMemory = this.capacity.memory - reserved.memory;
    if (want.memory > freeMemory) {
      const what = claim.diskBytes > 0 ? `a memory reservation of ${want.memory} bytes (its disk's ${claim.diskBytes} included)` : `a memory reservation of ${want.memory} bytes`;
      return `${what} does not fit: ${Math.max(freeMemory, 0)} of this host's ${this.capacity.memory} bytes are unreserved`;
    }
    return null;
  }

  /** Reserves for a guest arriving by migration; returns why not, or null once held. */
  hold(id: string, claim: Claim): string | null {
    const no = this.refusal(claim);
    if (!no) this.holds.set(id, claim);
    return no;
  }

  /** Drops a hold: the guest now counts among those here, or it never came. */
  release(id: string): void {
    this.holds.delete(id);
  }
}

function round(n: number): number {
  return Math.max(Math.round(n * 1000) / 1000, 0);
}
