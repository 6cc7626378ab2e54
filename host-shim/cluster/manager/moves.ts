/**
 * Carrying out one move of the scheduler: a live migration between two hosts,
 * asked of the source host's API and followed to its end. The failure
 * contract of live migration (docs/migration.md) is what makes this safe: a
 * move that fails leaves the guest running where it was.
 */
import type { HostClient } from '../../client/host-client.js';
import { describeFailure, type MigrationEvent } from '../../client/types.js';
import type { Recommendation } from '../drs/index.js';
import type { EventLog } from './events.js';
import type { Inventory } from './inventory.js';

export interface MoveOutcome {
  guest: string;
  from: string;
  to: string;
  ok: boolean;
  error?: string;
}

export class MoveRunner {
  /** Guest id → the source host and migration id of a move in flight, and whether it was cancelled before its id was known. */
  private readonly inFlight = new Map<string, { from: HostClient; migration: string | null; cancelled: boolean }>();

  constructor(
    private readonly inventory: Inventory,
    private readonly events: EventLog,
  ) {}

  get busy(): number {
    return this.inFlight.size;
  }

  async run(move: Recommendation): Promise<MoveOutcome> {
    const outcome: MoveOutcome = { guest: move.guest, from: move.from, to: move.to, ok: false };
    const from = this.inventory.client(move.from);
    const target = this.inventory.enrollment(move.to);
    if (!from || !target) return { ...outcome, error: 'a host of the move is no longer enrolled' };
    if (this.inFlight.has(move.guest)) return { ...outcome, error: 'the guest is already moving' };
    const entry = { from, migration: null as string | null, cancelled: false };
    this.inFlight.set(move.guest, entry);
    this.events.add({ type: 'migration-started', guest: move.guest, host: move.from, message: `moving ${move.guest} from ${move.from} to ${move.to}: ${move.reason}`, detail: { to: move.to, reason: move.reason, cost: move.cost, benefit: move.benefit } });
    try {
      const started = await from.migrate(move.guest, { to: target.url });
      entry.migration = started.id;
      if (entry.cancelled) await from.cancelMigration(started.id);
      let last: MigrationEvent | undefined;
      for await (const e of from.migrationEvents(started.id)) last = e;
      if (last?.state !== 'completed') throw new Error(last ? `migration ${last.state}: ${describeFailure(last.error)}` : 'the migration ended without a final event');
      this.inventory.moved(move.guest, move.from, move.to);
      const disk = last.disk === 'shared' ? ', disk through the shared directory' : last.disk === 'copied' ? ', disk copied' : '';
      this.events.add({
        type: 'migration-completed',
        guest: move.guest,
        host: move.to,
        message: `${move.guest} now runs on ${move.to} (downtime ${last.downtimeMs === null ? '?' : last.downtimeMs.toFixed(1)} ms${disk})`,
        detail: { from: move.from, downtimeMs: last.downtimeMs, totalMs: last.totalMs, disk: last.disk ?? null, diskTransferred: last.diskTransferred ?? 0 },
      });
      return { ...outcome, ok: true };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.events.add({ type: 'migration-failed', guest: move.guest, host: move.from, message: `${move.guest} stays on ${move.from}: ${error}`, detail: { to: move.to } });
      return { ...outcome, error };
    } finally {
      this.inFlight.delete(move.guest);
    }
  }

  /** Cancels the migration of `guest` if one is in flight; the guest stays on its source. */
  async cancel(guest: string): Promise<void> {
    const entry = this.inFlight.get(guest);
    if (!entry) return;
    entry.cancelled = true;
    // A migration that already ended cannot be cancelled; its outcome stands and run() reports it.
    if (entry.migration) await entry.from.cancelMigration(entry.migration).catch(() => undefined);
  }
}
