/**
 * DRS on the live cluster: a balancing pass every `balanceIntervalMs` (and on
 * demand), reading the inventory's model. At "manual" and "partially
 * automated" levels its recommendations wait for an operator; at "fully
 * automated" they are carried out by live migration, all moves of a pass at
 * once (the pass already caps them per host and per pass), and the next pass
 * waits for them. Moved guests cool down for a few passes (balance.ts).
 */
import { balancePass, type Recommendation, type Violation } from '../drs/index.js';
import type { BalanceResult } from '../../client/cluster-types.js';
import type { EventLog } from './events.js';
import type { Inventory } from './inventory.js';
import type { MoveRunner } from './moves.js';
import type { ClusterStore } from './store.js';

/** Passes of move history kept for the cool-down. */
const HISTORY = 8;

export class Balancer {
  /** The newest pass's recommendations, while they wait for an operator. */
  pending: Recommendation[] = [];
  violations: Violation[] = [];
  private readonly history: string[][] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<BalanceResult> | undefined;

  constructor(
    private readonly store: ClusterStore,
    private readonly inventory: Inventory,
    private readonly moves: MoveRunner,
    private readonly events: EventLog,
    /** True while a host is being emptied: balancing waits, so that the two never move the same guest. */
    private readonly evacuating: () => boolean,
  ) {}

  /** (Re)arms the periodic pass with the configured interval. */
  schedule(): void {
    clearTimeout(this.timer);
    const interval = this.store.state.config.balanceIntervalMs;
    if (interval <= 0) return;
    this.timer = setTimeout(() => {
      void this.pass().finally(() => this.schedule());
    }, interval);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One pass; a call while a pass runs waits for that one instead of starting another. */
  pass(): Promise<BalanceResult> {
    this.running ??= this.runPass().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Carries out the pending recommendations (an operator's "apply" at the manual levels). */
  async applyPending(): Promise<BalanceResult['executed']> {
    const moves = this.pending;
    this.pending = [];
    return this.execute(moves);
  }

  private async execute(moves: Recommendation[]): Promise<BalanceResult['executed']> {
    const executed = await Promise.all(moves.map((r) => this.moves.run(r)));
    this.history.push(executed.filter((e) => e.ok).map((e) => e.guest));
    if (this.history.length > HISTORY) this.history.shift();
    return executed;
  }

  private async runPass(): Promise<BalanceResult> {
    const { threshold, automation } = this.store.state.config;
    const model = this.inventory.model(this.store.state.rules);
    if (model.hosts.length === 0 || this.evacuating()) return { imbalanceBefore: 0, imbalanceAfter: 0, target: 0, recommendations: [], violations: [], executed: [] };
    const result = balancePass(model, { threshold, automation, history: this.history });
    this.violations = result.violations;
    for (const v of result.violations) this.events.add({ type: 'rule-violated', message: `rule ${v.rule} is broken for ${v.guests.join(', ')}: ${v.reason}`, detail: { ...v } });
    const summary = { imbalanceBefore: result.imbalanceBefore, imbalanceAfter: result.imbalanceAfter, target: result.target, recommendations: result.recommendations, violations: result.violations };
    if (result.recommendations.length > 0) {
      this.events.add({
        type: 'drs-pass',
        message: `imbalance ${result.imbalanceBefore.toFixed(3)} (target ${result.target}): ${result.recommendations.length} move(s) ${result.executeMoves ? 'started' : 'recommended'}`,
        detail: { imbalanceBefore: result.imbalanceBefore, imbalanceAfter: result.imbalanceAfter, moves: result.recommendations.length },
      });
    }
    if (!result.executeMoves) {
      this.pending = result.recommendations;
      return { ...summary, executed: [] };
    }
    this.pending = [];
    return { ...summary, executed: await this.execute(result.recommendations) };
  }
}
