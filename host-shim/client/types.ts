/**
 * The shapes of the host agent's HTTP/JSON API (docs/host-api.md), as the
 * client reads them. Fields the host may add later are allowed; the client
 * relies only on what is named here.
 */
import type { Capacity, GuestPolicy } from './cluster-types.js';

export interface HostInfo {
  name: string;
  version: string;
  engine: string;
  /** What runs each guest's VMM process on the wasmtime engine: the wasmtime CLI or its Python embedding; null on V8. */
  engineRunner?: { kind: 'cli' | 'python'; description: string } | null;
  /** The wasm features this host offers guests (docs/evc.md). */
  features: string[];
  /** The host capabilities it offers (today: wasi-preview1). */
  capabilities?: string[];
  /** The named baselines it can present (wasm1, wasm2). */
  baselines?: string[];
  /** Where it takes migrations; null for a host without a cluster secret. */
  migration: { host: string; port: number; protocol: number; state: string } | null;
  limits: { maxMemoryPages: number; maxMigrations: number };
  guests: number;
  /** What the host offers its guests (CPU in cores, memory in bytes), and the sum of their reservations. */
  capacity?: Capacity;
  reserved?: Capacity;
  /** The virtual switch (HOST:PORT) guests of this host publish their services on, or null. */
  switch?: string | null;
  /** The shared directory that holds its guests' disk image files, or null. */
  sharedDir?: string | null;
}

/**
 * A host's answer to a fence: it runs the guest (`running`), the migration
 * named brought the guest and it ran there since (`adopted`, with the state
 * it is in now), or it will not start it (`fenced`).
 */
export interface FenceAnswer {
  state: string;
  adopted?: boolean;
}

export type GuestState = 'starting' | 'running' | 'migrating' | 'exited' | 'trapped' | 'stopped' | 'migrated';

/** The guest states after which it runs no more on this host. */
export const FINAL_GUEST_STATES: readonly GuestState[] = ['exited', 'trapped', 'stopped', 'migrated'];

/** How the API describes a failure: a string, or an error object with a stable code. */
export type ApiFailure = string | { code?: string; message?: string } | null;

export interface GuestInfo {
  id: string;
  name: string | null;
  module: string;
  state: GuestState;
  args: string[];
  startedAt: string;
  /** A decimal string: steps can pass 2^53. */
  steps: string;
  memoryBytes: number;
  exitCode: number | null;
  error: ApiFailure;
  /** Set while migrating and once migrated; `to` is the other host's URL. */
  migration: { id?: string; to?: string } | null;
  /** The name of the EVC baseline the guest runs under (docs/evc.md). */
  baseline?: string | null;
  /** What that baseline holds: the guest's feature query returns these features. */
  sees?: { features: string[]; capabilities: string[] } | null;
  /** What the guest's module uses; null until it is instantiated. */
  uses?: { features: string[]; capabilities: string[] } | null;
  /** Guest info shows every field, a limit of null meaning none. */
  policy?: GuestPolicy;
  /** Measured: CPU in cores averaged over the last second (null until measured), memory in bytes. */
  usage?: { cpu: number | null; demand?: number | null; memory: number; dirtyRate?: number | null };
  /** Where the guest's listening socket is published on the virtual switch (while attached from this host). */
  service?: { address: string; port: number } | null;
  /** The guest has a listening socket published on the virtual switch, attached right now or not (during a move). */
  listens?: boolean;
  /** Bytes of the guest's virtual disk, null without one. */
  diskBytes?: number | null;
  /** The image file in the host's shared directory that backs the disk, and the last write-back failure; null without one. */
  diskImage?: { path: string; error: ApiFailure } | null;
}

export interface StartGuestRequest {
  /** The module's bytes (uploaded first if the host lacks them), or the sha256 of a module the host holds. */
  module: Uint8Array | string;
  args?: string[];
  env?: Record<string, string>;
  name?: string;
  /** CPU and memory reservation, limit and shares (docs/host-api.md). */
  policy?: GuestPolicy;
  /** A named EVC baseline (wasm1, wasm2) the guest runs under and sees (docs/evc.md); what the host offers when absent. */
  baseline?: string;
  /** Give the guest a listening socket at fd 3 and publish it on the host's virtual switch at this port (0: any). */
  listen?: number;
  /** Give the guest a virtual disk of this many bytes (whole 4 KiB blocks, 64 KiB to 1 GiB), preopened as /data. */
  disk?: number;
  /** Back the disk by an image file in the host's shared directory. */
  diskShared?: boolean;
}

export type MigrationPolicy = 'abort' | 'accept-downtime';

export interface MigrateRequest {
  to: string;
  downtimeLimitMs?: number;
  policy?: MigrationPolicy;
  /** Deflate memory pages on the wire: pays on links slower than deflate itself. */
  compress?: boolean;
}

export type MigrationState = 'queued' | 'handshake' | 'precopy' | 'switchover' | 'completed' | 'failed' | 'cancelled';

/** The states that end a migration: the last event of every migration has one. */
export const FINAL_MIGRATION_STATES: readonly MigrationState[] = ['completed', 'failed', 'cancelled'];

export interface MigrationStarted {
  id: string;
  guest: string;
  to: string;
  state: MigrationState;
}

/** One progress event; the names are QEMU query-migrate's. */
export interface MigrationEvent {
  migration: string;
  guest: string;
  state: MigrationState;
  iteration: number;
  transferred: number;
  remaining: number;
  total: number;
  /** Bytes per second the guest dirties. */
  dirtyRate: number;
  /** Bytes per second sent. */
  throughput: number;
  expectedDowntimeMs: number | null;
  downtimeMs: number | null;
  totalMs: number | null;
  error: ApiFailure;
  /** How the guest's disk moves: copied over the connection, or shared through the image file; null without a disk. */
  disk?: 'copied' | 'shared' | null;
  /** Bytes of disk blocks sent over the connection. */
  diskTransferred?: number;
  /** Why a shared disk was copied instead, or null. */
  diskSharedRefused?: ApiFailure;
}

export function isFinalMigrationState(state: string): boolean {
  return (FINAL_MIGRATION_STATES as readonly string[]).includes(state);
}

export function isFinalGuestState(state: string): boolean {
  return (FINAL_GUEST_STATES as readonly string[]).includes(state);
}

/** A failure as one line of text. */
export function describeFailure(failure: ApiFailure): string {
  if (failure === null || failure === undefined) return 'no reason given';
  if (typeof failure === 'string') return failure;
  const message = failure.message ?? 'no reason given';
  return failure.code ? `${message} [${failure.code}]` : message;
}
