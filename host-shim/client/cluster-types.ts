/**
 * The shapes of the cluster manager's HTTP/JSON API (docs/cluster.md), shared
 * by the manager that writes them and the client that reads them.
 */
import type { AutomationLevel, Recommendation, Rule, Threshold, Violation } from '../cluster/drs/index.js';

export type { AutomationLevel, Recommendation, Rule, Threshold, Violation };

/** Settings an operator changes at run time (PUT /v1/cluster/config). */
export interface ClusterConfig {
  /** The EVC baseline every host must present and every guest must fit. */
  baseline: string;
  threshold: Threshold;
  automation: AutomationLevel;
  /** Time between two automatic balancing passes. */
  balanceIntervalMs: number;
}

export interface Capacity {
  /** Cores. */
  cpu: number;
  /** Bytes. */
  memory: number;
}

/** What a host says about itself when it enrolls (POST /v1/cluster/enroll). */
export interface Enrollment {
  name: string;
  url: string;
  engine: string;
  version: string;
  features: string[];
  capabilities: string[];
  capacity: Capacity;
  /** The virtual switch (HOST:PORT) the host is joined to, or null; absent from hosts that predate it. */
  switch?: string | null;
  /**
   * Its shared directory of disk images (host start --shared-dir), the path as
   * the host sees it, or null; absent from hosts that predate it. Hosts share
   * it when their paths are equal.
   */
  sharedDir?: string | null;
}

export type MaintenanceState = 'none' | 'entering' | 'in-maintenance';

export interface ClusterHost extends Enrollment {
  connection: 'connected' | 'disconnected';
  maintenance: MaintenanceState;
  enrolledAt: string;
  lastHeartbeat: string | null;
  /** Guests running there, as last reported. */
  guests: number;
  /** The DRS load: entitlements over capacity (0 = idle, 1 = full). */
  load: number;
}

/** CPU in cores, memory in bytes (docs/host-api.md); a limit of null (as host guest info shows it) is none. */
export interface GuestPolicy {
  cpu?: { reservation?: number; limit?: number | null; shares?: number };
  memory?: { reservation?: number; limit?: number | null };
}

export interface ClusterGuest {
  id: string;
  name: string | null;
  /** Where it runs, as last reported; null once it ended. */
  host: string | null;
  state: string;
  module: string;
  memoryBytes: number;
  /** Cores the guest used lately, as its host measured it (absent on hosts that do not measure). */
  cpu: number | null;
  policy: GuestPolicy | null;
  baseline: string | null;
  /** Where its service is published on the virtual switch, or null (none, or not attached right now). */
  service: { address: string; port: number } | null;
  /** Bytes of its virtual disk, or null without one. */
  diskBytes: number | null;
  /** Its disk is backed by an image file in its host's shared directory. */
  diskShared: boolean;
}

export interface ClusterEvent {
  seq: number;
  time: string;
  type: string;
  message: string;
  host?: string;
  guest?: string;
  detail?: Record<string, unknown>;
}

export interface ClusterStatus {
  config: ClusterConfig;
  imbalance: number;
  /** The imbalance the threshold tolerates. */
  target: number;
  hosts: number;
  guests: number;
  rules: Rule[];
  violations: Violation[];
  /** Recommendations of the newest pass that are still pending (manual level). */
  recommendations: Recommendation[];
  /** Why the state could not be written to disk lately (it is retried), or null. */
  storeError: string | null;
}

export interface PlaceGuestRequest {
  module: string;
  args?: string[];
  env?: Record<string, string>;
  name?: string;
  policy?: GuestPolicy;
  baseline?: string;
  /** Publish its listening socket on the virtual switch at this port (0: any); only hosts joined to a switch are considered. */
  listen?: number;
  /** Bytes of its virtual disk (docs/wasi.md); counted as memory it holds on every host considered. */
  disk?: number;
  /** Back the disk by an image file in the host's shared directory: only hosts with one are considered, and it moves only among hosts sharing it. */
  diskShared?: boolean;
}

export interface BalanceResult {
  imbalanceBefore: number;
  imbalanceAfter: number;
  target: number;
  recommendations: Recommendation[];
  violations: Violation[];
  /** Moves carried out (fully automated), each with its outcome. */
  executed: { guest: string; from: string; to: string; ok: boolean; error?: string }[];
}

export interface MaintenanceReport {
  host: string;
  state: MaintenanceState;
  moves: Recommendation[];
  stuck: { guest: string; reason: string }[];
}
