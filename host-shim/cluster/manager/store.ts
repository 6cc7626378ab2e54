/**
 * The cluster manager's state on local disk: one JSON document, replaced
 * atomically (write a temporary file, fsync it, rename it over the old one,
 * fsync the directory), so that a crash leaves either the old state or the new
 * one, never half of each. Writes are coalesced: many changes in one turn of
 * the event loop cost one write.
 *
 * What is stored is what the cluster would lose otherwise: its settings,
 * rules, the hosts that enrolled, the guests it placed (with their policies)
 * and the newest events. What hosts report (which guests run where, their
 * usage) is not: hosts report it again after a restart.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WasmotionError } from '../../errors.js';
import type { ClusterConfig, ClusterEvent, Enrollment, GuestPolicy, MaintenanceState, Rule } from '../../client/cluster-types.js';

export const STORE_VERSION = 1;
/** Events kept; older ones are dropped from the store (they stay in the host logs). */
export const MAX_EVENTS = 2000;
const FILE = 'cluster.json';

export interface StoredHost {
  enrollment: Enrollment;
  enrolledAt: string;
  maintenance: MaintenanceState;
}

export interface StoredGuest {
  id: string;
  name: string | null;
  module: string;
  policy: GuestPolicy | null;
  baseline: string | null;
  /** The host it was placed on or last seen on. */
  host: string | null;
}

export interface StoredState {
  version: number;
  config: ClusterConfig;
  rules: Rule[];
  hosts: Record<string, StoredHost>;
  guests: Record<string, StoredGuest>;
  events: ClusterEvent[];
  nextEventSeq: number;
}

/** After a failed write (disk full, say), the next attempt waits this long. */
const RETRY_MS = 1_000;

export class ClusterStore {
  readonly state: StoredState;
  /** Why the newest scheduled write failed; undefined once a write succeeds. */
  failure: Error | undefined;
  private pending: NodeJS.Immediate | NodeJS.Timeout | undefined;

  private constructor(
    private readonly dir: string,
    state: StoredState,
  ) {
    this.state = state;
  }

  /** Opens the store in `dir` (created if missing), or starts one with `defaults`. */
  static open(dir: string, defaults: ClusterConfig): ClusterStore {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, FILE);
    if (!existsSync(path)) {
      const store = new ClusterStore(dir, { version: STORE_VERSION, config: defaults, rules: [], hosts: {}, guests: {}, events: [], nextEventSeq: 1 });
      store.flush();
      return store;
    }
    return new ClusterStore(dir, parseState(readFileSync(path, 'utf8'), path));
  }

  /** Schedules a write of the whole state; call after every change. */
  changed(): void {
    this.pending ??= setImmediate(() => this.scheduledFlush());
  }

  private scheduledFlush(): void {
    try {
      this.flush();
    } catch (err) {
      // The state stays in memory and the write is tried again: a full disk must not stop the manager.
      this.failure = err as Error;
      this.pending = setTimeout(() => this.scheduledFlush(), RETRY_MS);
      this.pending.unref();
    }
  }

  /** Writes the state now (and cancels a scheduled write). */
  flush(): void {
    clearImmediate(this.pending as NodeJS.Immediate);
    clearTimeout(this.pending as NodeJS.Timeout);
    this.pending = undefined;
    const path = join(this.dir, FILE);
    const temporary = `${path}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(this.state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    this.failure = undefined;
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  appendEvent(event: Omit<ClusterEvent, 'seq' | 'time'>): ClusterEvent {
    const full: ClusterEvent = { seq: this.state.nextEventSeq++, time: new Date().toISOString(), ...event };
    this.state.events.push(full);
    if (this.state.events.length > MAX_EVENTS) this.state.events.splice(0, this.state.events.length - MAX_EVENTS);
    this.changed();
    return full;
  }
}

function parseState(text: string, path: string): StoredState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WasmotionError('WASMOTION_ERR_CLUSTER_STORE', `the cluster state in ${path} is not JSON: restore it from a backup or move it away to start an empty cluster`);
  }
  const state = value as StoredState;
  if (typeof state !== 'object' || state === null || typeof state.version !== 'number') {
    throw new WasmotionError('WASMOTION_ERR_CLUSTER_STORE', `${path} is not a cluster state file`);
  }
  if (state.version !== STORE_VERSION) {
    throw new WasmotionError('WASMOTION_ERR_CLUSTER_STORE', `${path} has state version ${state.version}; this manager reads version ${STORE_VERSION}`);
  }
  for (const key of ['config', 'hosts', 'guests'] as const) {
    if (typeof state[key] !== 'object' || state[key] === null) throw new WasmotionError('WASMOTION_ERR_CLUSTER_STORE', `${path} has no "${key}"`);
  }
  if (!Array.isArray(state.rules) || !Array.isArray(state.events) || !Number.isInteger(state.nextEventSeq)) {
    throw new WasmotionError('WASMOTION_ERR_CLUSTER_STORE', `${path} is damaged (rules, events or event counter)`);
  }
  return state;
}
