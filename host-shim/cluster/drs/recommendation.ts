/** What the scheduler returns: moves with their reason, and problems it could not fix. */

export interface Recommendation {
  guest: string;
  from: string;
  to: string;
  /** Human-readable: "rule NAME: ..." for rule fixes, "balance: ..." for load moves. */
  reason: string;
  /** Imbalance (std-dev of host loads) before minus after this move; may be negative for rule fixes. */
  benefit: number;
  /** Estimated migration time in seconds (see migrationCost). */
  cost: number;
}

export interface Violation {
  rule: string;
  guests: string[];
  reason: string;
}
