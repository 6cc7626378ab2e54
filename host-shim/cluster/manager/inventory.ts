/**
 * What the cluster looks like right now: enrolled hosts with their heartbeats,
 * and the guests they report. Hosts are the truth about which guest runs
 * where; the inventory keeps their newest report, notices what changed since
 * the one before (a guest ended, a host went silent) and turns it all into the
 * DRS model the scheduler reads.
 */
import { HostClient } from '../../client/host-client.js';
import type { GuestInfo } from '../../client/types.js';
import type { ApiToken } from '../../net/api-token.js';
import type { ClusterGuest, ClusterHost, Enrollment } from '../../client/cluster-types.js';
import type { Cluster, Guest, Rule } from '../drs/index.js';
import { DEFAULT_BANDWIDTH } from '../drs/index.js';
import { ClusterState } from '../drs/state.js';
import type { ClusterStore, StoredGuest } from './store.js';
import type { GuestUses, HostOffer } from '../evc/index.js';

/** Guest states in which a guest occupies its host. */
const ACTIVE = new Set(['starting', 'running', 'migrating']);
/** Demand assumed for a guest not measured yet: a busy single thread. */
const UNMEASURED_CPU = 1;
/** The DRS model takes finite numbers only; a dimension without a limit gets this one. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** A guest as a host reports it: the host API's guest info. */
export type ReportedGuest = GuestInfo;

interface LiveHost {
  lastHeartbeat: number | null;
  connected: boolean;
  guests: Map<string, ReportedGuest>;
}

export type InventoryEvent = { type: string; message: string; host?: string; guest?: string; detail?: Record<string, unknown> };

export class Inventory {
  private readonly live = new Map<string, LiveHost>();

  /** `apiToken`: the hosts' API token, which the manager's calls to them carry. */
  constructor(
    private readonly store: ClusterStore,
    private readonly emit: (event: InventoryEvent) => void,
    private readonly apiToken?: ApiToken,
  ) {
    // Hosts enrolled before a restart are known but silent until they heartbeat again.
    for (const name of Object.keys(store.state.hosts)) this.live.set(name, { lastHeartbeat: null, connected: false, guests: new Map() });
  }

  enroll(enrollment: Enrollment): void {
    const known = this.store.state.hosts[enrollment.name];
    this.store.state.hosts[enrollment.name] = {
      enrollment,
      enrolledAt: known?.enrolledAt ?? new Date().toISOString(),
      maintenance: known?.maintenance ?? 'none',
    };
    this.store.changed();
    this.live.set(enrollment.name, { lastHeartbeat: Date.now(), connected: true, guests: this.live.get(enrollment.name)?.guests ?? new Map() });
  }

  isEnrolled(name: string): boolean {
    return this.store.state.hosts[name] !== undefined;
  }

  /** Takes a host's report; false if the host is not enrolled (it must enroll again). */
  heartbeat(name: string, guests: ReportedGuest[], now = Date.now()): boolean {
    const live = this.live.get(name);
    if (!live || !this.isEnrolled(name)) return false;
    if (!live.connected) this.emit({ type: 'host-reconnected', host: name, message: `host ${name} is heartbeating again` });
    live.connected = true;
    live.lastHeartbeat = now;
    const next = new Map(guests.map((g) => [g.id, g]));
    for (const [id, before] of live.guests) {
      const after = next.get(id);
      if (ACTIVE.has(before.state) && (!after || !ACTIVE.has(after.state))) this.guestLeft(name, before, after);
    }
    for (const g of guests) {
      const stored = this.store.state.guests[g.id];
      if (stored && ACTIVE.has(g.state) && g.state !== 'migrating' && stored.host !== name) {
        stored.host = name;
        this.store.changed();
      }
    }
    live.guests = next;
    return true;
  }

  private guestLeft(host: string, before: ReportedGuest, after: ReportedGuest | undefined): void {
    if (after?.state === 'migrated') return; // it runs on the destination now, which reports it
    const state = after?.state ?? 'gone';
    this.emit({ type: 'guest-ended', host, guest: before.id, message: `guest ${before.id} ended on ${host} (${state})`, detail: { state, exitCode: after?.exitCode ?? null } });
    if (this.store.state.guests[before.id]) {
      delete this.store.state.guests[before.id];
      this.store.changed();
    }
  }

  /**
   * Records a completed migration at once, ahead of the two hosts' next
   * reports, so that the next decision does not see the guest where it was.
   */
  moved(guestId: string, from: string, to: string): void {
    const source = this.live.get(from)?.guests;
    const target = this.live.get(to)?.guests;
    const guest = source?.get(guestId);
    if (!guest || !source || !target) return;
    source.set(guestId, { ...guest, state: 'migrated' });
    target.set(guestId, { ...guest, state: 'running', migration: null });
    const stored = this.store.state.guests[guestId];
    if (stored) {
      stored.host = to;
      this.store.changed();
    }
  }

  /** Marks hosts silent for longer than `timeoutMs` as disconnected and reports their guests. */
  sweep(timeoutMs: number, now = Date.now()): void {
    for (const [name, live] of this.live) {
      if (!live.connected || live.lastHeartbeat === null || now - live.lastHeartbeat <= timeoutMs) continue;
      live.connected = false;
      const guests = [...live.guests.values()].filter((g) => ACTIVE.has(g.state)).map((g) => g.id);
      const which = guests.length ? `its guests ${guests.join(', ')} are unreachable` : 'it ran no guests';
      this.emit({ type: 'host-disconnected', host: name, message: `host ${name} stopped heartbeating; ${which}`, detail: { guests } });
    }
  }

  isConnected(name: string): boolean {
    return this.live.get(name)?.connected ?? false;
  }

  enrollment(name: string): Enrollment | undefined {
    return this.store.state.hosts[name]?.enrollment;
  }

  /** A client of enrolled host `name`'s API, or undefined for a host not enrolled. */
  client(name: string): HostClient | undefined {
    const enrollment = this.enrollment(name);
    return enrollment && new HostClient(enrollment.url, { apiToken: this.apiToken });
  }

  /**
   * Active guests of connected hosts, each once. Around the end of a
   * migration two hosts may both report a guest (the source's newest report
   * still says migrating); the host that runs it wins.
   */
  private activeGuests(): { host: string; guest: ReportedGuest }[] {
    const byId = new Map<string, { host: string; guest: ReportedGuest }>();
    for (const [host, live] of this.live) {
      if (!live.connected) continue;
      for (const guest of live.guests.values()) {
        if (!ACTIVE.has(guest.state)) continue;
        const other = byId.get(guest.id);
        if (!other || other.guest.state === 'migrating') byId.set(guest.id, { host, guest });
      }
    }
    return [...byId.values()];
  }

  /** What every enrolled host offers, for the EVC rules. */
  offers(): HostOffer[] {
    return Object.values(this.store.state.hosts).map((h) => h.enrollment);
  }

  /** What every running guest uses, for the EVC rules (guests whose host does not say are left out). */
  uses(): GuestUses[] {
    return this.activeGuests().flatMap(({ guest }) => (guest.uses ? [{ id: guest.id, uses: guest.uses }] : []));
  }

  guestsOn(host: string): string[] {
    return this.activeGuests().filter((g) => g.host === host).map((g) => g.guest.id);
  }

  /** The DRS model of connected hosts and their active guests; rules keep only guests that exist. */
  model(rules: Rule[]): Cluster {
    const hosts = [...this.live].filter(([, live]) => live.connected).map(([name]) => {
      const stored = this.store.state.hosts[name];
      return { id: name, capacity: { ...stored.enrollment.capacity }, maintenance: stored.maintenance !== 'none' || undefined, switch: stored.enrollment.switch ?? undefined, sharedDir: stored.enrollment.sharedDir ?? undefined };
    });
    // A guest still starting has no memory size yet and cannot be migrated: it joins the model once running.
    const guests = this.activeGuests()
      .filter(({ guest }) => guest.state !== 'starting')
      .map(({ host, guest }) => drsGuest(host, guest, this.store.state.guests[guest.id], this.enrollment(host)));
    const ids = new Set(guests.map((g) => g.id));
    const hostIds = new Set(hosts.map((h) => h.id));
    const kept: Rule[] = [];
    for (const rule of rules) {
      const members = rule.guests.filter((id) => ids.has(id));
      if ('hosts' in rule) {
        // A host rule binds while any of its guests and hosts are in the cluster.
        const targets = rule.hosts.filter((id) => hostIds.has(id));
        if (members.length > 0 && targets.length > 0) kept.push({ ...rule, guests: members, hosts: targets });
      } else if (members.length > 1) {
        kept.push({ ...rule, guests: members });
      }
    }
    return { hosts, guests, rules: kept };
  }

  hosts(rules: Rule[]): ClusterHost[] {
    const model = this.model(rules);
    const state = model.hosts.length ? new ClusterState(model, DEFAULT_BANDWIDTH) : undefined;
    return Object.entries(this.store.state.hosts).map(([name, stored]) => {
      const live = this.live.get(name);
      const index = state?.hostIndex.get(name);
      return {
        ...stored.enrollment,
        connection: live?.connected ? 'connected' : 'disconnected',
        maintenance: stored.maintenance,
        enrolledAt: stored.enrolledAt,
        lastHeartbeat: live?.lastHeartbeat ? new Date(live.lastHeartbeat).toISOString() : null,
        guests: live ? [...live.guests.values()].filter((g) => ACTIVE.has(g.state)).length : 0,
        load: state && index !== undefined ? state.load[index] : 0,
      };
    });
  }

  guests(): ClusterGuest[] {
    const shown = this.activeGuests();
    const ids = new Set(shown.map((g) => g.guest.id));
    // Guests of disconnected hosts are shown too, as unreachable.
    for (const [host, live] of this.live) {
      if (live.connected) continue;
      for (const guest of live.guests.values()) {
        if (ACTIVE.has(guest.state) && !ids.has(guest.id)) shown.push({ host, guest });
      }
    }
    return shown.map(({ host, guest: g }) => {
      const stored = this.store.state.guests[g.id];
      return {
        id: g.id,
        name: g.name,
        host,
        state: this.isConnected(host) ? g.state : 'host-disconnected',
        module: g.module,
        memoryBytes: g.memoryBytes,
        cpu: typeof g.usage?.cpu === 'number' ? g.usage.cpu : null,
        policy: g.policy ?? stored?.policy ?? null,
        baseline: g.baseline ?? stored?.baseline ?? null,
        service: g.service ?? null,
        diskBytes: g.diskBytes ?? null,
        diskShared: g.diskImage != null,
      };
    });
  }
}

/**
 * The guest as DRS sees it. The host it runs on names the switch its service
 * (if any) is published on and the shared directory its disk image (if any) is in.
 */
function drsGuest(host: string, g: ReportedGuest, stored: StoredGuest | undefined, on: Enrollment | undefined): Guest {
  const policy = g.policy ?? stored?.policy ?? null;
  const cpu = typeof g.usage?.demand === 'number' ? g.usage.demand : UNMEASURED_CPU;
  const dirtyRate = typeof g.usage?.dirtyRate === 'number' ? g.usage.dirtyRate : 0;
  const guest: Guest = { id: g.id, host, demand: { cpu, memory: g.memoryBytes }, migration: { memoryBytes: g.memoryBytes, dirtyRate } };
  if (typeof g.diskBytes === 'number' && g.diskBytes > 0) guest.disk = g.diskBytes;
  // A guest with a listening socket keeps it while it moves (its service is detached a moment then): `listens` says so throughout.
  if (g.listens ?? g.service != null) guest.service = on?.switch != null ? { switch: on.switch } : {};
  if (g.diskImage != null) guest.sharedDisk = on?.sharedDir != null ? { dir: on.sharedDir } : {};
  if (policy?.cpu?.reservation !== undefined || policy?.memory?.reservation !== undefined) {
    guest.reservation = { cpu: policy.cpu?.reservation ?? 0, memory: policy.memory?.reservation ?? 0 };
  }
  if (policy?.cpu?.limit !== undefined || policy?.memory?.limit !== undefined) {
    guest.limit = { cpu: policy.cpu?.limit ?? NO_LIMIT, memory: policy.memory?.limit ?? NO_LIMIT };
  }
  if (policy?.cpu?.shares !== undefined) guest.shares = policy.cpu.shares;
  return guest;
}
