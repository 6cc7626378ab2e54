/**
 * Maintenance mode: empty a host by live migration before it is taken down.
 *
 *   none ──enter──▶ entering ──all guests gone──▶ in-maintenance ──exit──▶ none
 *                      │  └── a move failed ──▶ none (the guests that did not
 *                      │                         move still run on the host)
 *                      └──cancel──▶ none (the migration in flight is cancelled)
 *
 * `enter` first plans every move (drs/maintenance.ts) and refuses, naming each
 * guest that could go nowhere and why, before anything moves. Guests started
 * on the host while it empties are planned in a later round.
 */
import { planEvacuation } from '../drs/index.js';
import type { MaintenanceReport, MaintenanceState } from '../../client/cluster-types.js';
import { HttpError } from '../../host/http.js';
import type { EventLog } from './events.js';
import type { Inventory } from './inventory.js';
import type { MoveRunner } from './moves.js';
import type { ClusterStore } from './store.js';

/** Rounds of planning before giving up on a host whose guests keep coming back. */
const MAX_ROUNDS = 5;

export class Evacuations {
  private readonly cancelled = new Set<string>();
  private readonly current = new Map<string, string | undefined>();

  constructor(
    private readonly store: ClusterStore,
    private readonly inventory: Inventory,
    private readonly moves: MoveRunner,
    private readonly events: EventLog,
  ) {}

  /** True while some host is being emptied. */
  get active(): boolean {
    return Object.values(this.store.state.hosts).some((h) => h.maintenance === 'entering');
  }

  state(host: string): MaintenanceState {
    return this.store.state.hosts[host]?.maintenance ?? 'none';
  }

  enter(host: string): MaintenanceReport {
    this.requireHost(host);
    const state = this.state(host);
    if (state !== 'none') throw new HttpError(409, 'WASMOTION_ERR_BUSY', `host ${host} is already ${state}`);
    if (!this.inventory.isConnected(host)) throw new HttpError(409, 'WASMOTION_ERR_HOST_DISCONNECTED', `host ${host} is not heartbeating: its guests cannot be moved`);
    const plan = planEvacuation(this.inventory.model(this.store.state.rules), host);
    if (!plan.complete) {
      const why = plan.stuck.map((s) => `${s.guest}: ${s.reason}`).join('; ');
      throw new HttpError(409, 'WASMOTION_ERR_MAINTENANCE_BLOCKED', `host ${host} cannot be emptied: ${why}`, { stuck: plan.stuck });
    }
    this.setState(host, 'entering');
    this.events.add({ type: 'maintenance-entering', host, message: `host ${host} enters maintenance: ${plan.moves.length} guest(s) to move`, detail: { moves: plan.moves.length } });
    this.cancelled.delete(host);
    void this.evacuate(host, plan.moves);
    return { host, state: 'entering', moves: plan.moves, stuck: [] };
  }

  async cancel(host: string): Promise<MaintenanceReport> {
    this.requireHost(host);
    if (this.state(host) !== 'entering') throw new HttpError(409, 'WASMOTION_ERR_USAGE', `host ${host} is not entering maintenance`);
    this.cancelled.add(host);
    const guest = this.current.get(host);
    if (guest) await this.moves.cancel(guest);
    return { host, state: this.state(host), moves: [], stuck: [] };
  }

  exit(host: string): MaintenanceReport {
    this.requireHost(host);
    const state = this.state(host);
    if (state === 'entering') throw new HttpError(409, 'WASMOTION_ERR_BUSY', `host ${host} is still emptying: cancel first`);
    if (state === 'none') throw new HttpError(409, 'WASMOTION_ERR_USAGE', `host ${host} is not in maintenance`);
    this.setState(host, 'none');
    this.events.add({ type: 'maintenance-exited', host, message: `host ${host} left maintenance and takes guests again` });
    return { host, state: 'none', moves: [], stuck: [] };
  }

  private async evacuate(host: string, first: Parameters<MoveRunner['run']>[0][]): Promise<void> {
    let moves = first;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      for (const move of moves) {
        if (this.cancelled.has(host)) return this.finish(host, 'maintenance-cancelled', `host ${host} stays in service: maintenance cancelled`);
        this.current.set(host, move.guest);
        const outcome = await this.moves.run(move);
        this.current.delete(host);
        if (this.cancelled.has(host)) return this.finish(host, 'maintenance-cancelled', `host ${host} stays in service: maintenance cancelled`);
        if (!outcome.ok) return this.finish(host, 'maintenance-failed', `host ${host} stays in service: ${move.guest} could not move (${outcome.error})`);
      }
      if (this.inventory.guestsOn(host).length === 0) {
        this.setState(host, 'in-maintenance');
        this.events.add({ type: 'maintenance-entered', host, message: `host ${host} is in maintenance: no guest runs there` });
        return;
      }
      const plan = planEvacuation(this.inventory.model(this.store.state.rules), host);
      if (!plan.complete) return this.finish(host, 'maintenance-failed', `host ${host} stays in service: ${plan.stuck.map((s) => `${s.guest}: ${s.reason}`).join('; ')}`);
      moves = plan.moves;
    }
    this.finish(host, 'maintenance-failed', `host ${host} stays in service: guests kept arriving while it emptied`);
  }

  private finish(host: string, type: string, message: string): void {
    this.cancelled.delete(host);
    this.setState(host, 'none');
    this.events.add({ type, host, message });
  }

  private setState(host: string, state: MaintenanceState): void {
    this.store.state.hosts[host].maintenance = state;
    this.store.changed();
  }

  private requireHost(host: string): void {
    if (!this.store.state.hosts[host]) throw new HttpError(404, 'WASMOTION_ERR_NOT_FOUND', `no host ${host} in the cluster`);
  }
}
