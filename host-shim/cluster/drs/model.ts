/**
 * DRS input model: hosts, guests and placement rules, validated strictly.
 *
 * CPU is counted in cores, memory in bytes. The scheduler core is pure: it
 * reads a Cluster and returns recommendations; it never mutates its input.
 */
import { UsageError } from '../../errors.js';

export interface Resources {
  cpu: number;
  memory: number;
}

export interface Host {
  id: string;
  capacity: Resources;
  /** A host in maintenance is never a destination and is being emptied. */
  maintenance?: boolean;
  /** The virtual switch (HOST:PORT) the host is joined to, if any: guests that publish a service need one. */
  switch?: string;
  /**
   * The shared directory of disk images, as the host sees it: hosts whose
   * paths are equal share it (operators mount the share at the same path).
   */
  sharedDir?: string;
}

export interface Guest {
  id: string;
  host: string;
  demand: Resources;
  reservation?: Resources;
  limit?: Resources;
  /** Relative weight under contention; 1000 when absent (VMware "normal"). */
  shares?: number;
  /** Inputs of the migration cost: memory to copy and how fast it is re-dirtied. */
  migration?: { memoryBytes: number; dirtyRate: number };
  /** Bytes of its virtual disk: memory it holds on its host whatever it does, copied when it moves (unless shared). */
  disk?: number;
  /**
   * It publishes a service on a virtual switch, so it runs only on hosts
   * joined to `switch` (to any switch while it has none yet: a new guest).
   */
  service?: { switch?: string };
  /**
   * Its disk is backed by an image file in a shared directory, so it runs
   * only on hosts that share `dir` (on any host with a shared directory while
   * it has none yet: a new guest). A move reads the disk from the image: the
   * disk is not copied, and costs nothing on the link.
   */
  sharedDisk?: { dir?: string };
}

export type Rule =
  | { kind: 'affinity'; name: string; guests: string[] }
  | { kind: 'anti-affinity'; name: string; guests: string[] }
  | { kind: 'host-must'; name: string; guests: string[]; hosts: string[] }
  | { kind: 'host-should'; name: string; guests: string[]; hosts: string[] };

export interface Cluster {
  hosts: Host[];
  guests: Guest[];
  rules?: Rule[];
}

export const DEFAULT_SHARES = 1000;

function fail(message: string): never {
  throw new UsageError(`drs: ${message}`);
}

function checkNumber(value: unknown, what: string, positive = false): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`${what} must be a finite non-negative number, got ${String(value)}`);
  }
  if (positive && value === 0) fail(`${what} must be greater than zero`);
}

function checkResources(r: unknown, what: string, positive = false): void {
  if (r === null || typeof r !== 'object') fail(`${what} must be { cpu, memory }`);
  for (const key of Object.keys(r)) {
    if (key !== 'cpu' && key !== 'memory') fail(`${what} has unknown key "${key}"`);
  }
  const res = r as Resources;
  checkNumber(res.cpu, `${what}.cpu`, positive);
  checkNumber(res.memory, `${what}.memory`, positive);
}

function checkKeys(obj: object, allowed: string[], what: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(`${what} has unknown key "${key}"`);
  }
}

function validateGuest(g: Guest, hostIds: Set<string>): void {
  const what = `guest ${g.id}`;
  checkKeys(g, ['id', 'host', 'demand', 'reservation', 'limit', 'shares', 'migration', 'disk', 'service', 'sharedDisk'], what);
  if (!hostIds.has(g.host)) fail(`${what} is on unknown host "${g.host}"`);
  checkResources(g.demand, `${what}.demand`);
  if (g.reservation !== undefined) checkResources(g.reservation, `${what}.reservation`);
  if (g.limit !== undefined) checkResources(g.limit, `${what}.limit`);
  if (g.reservation && g.limit) {
    if (g.reservation.cpu > g.limit.cpu || g.reservation.memory > g.limit.memory) {
      fail(`${what} has a reservation above its limit`);
    }
  }
  if (g.shares !== undefined) checkNumber(g.shares, `${what}.shares`, true);
  if (g.migration !== undefined) {
    checkKeys(g.migration, ['memoryBytes', 'dirtyRate'], `${what}.migration`);
    checkNumber(g.migration.memoryBytes, `${what}.migration.memoryBytes`);
    checkNumber(g.migration.dirtyRate, `${what}.migration.dirtyRate`);
  }
  if (g.disk !== undefined) checkNumber(g.disk, `${what}.disk`);
  if (g.service !== undefined) {
    if (g.service === null || typeof g.service !== 'object') fail(`${what}.service must be { switch }`);
    checkKeys(g.service, ['switch'], `${what}.service`);
    if (g.service.switch !== undefined && (typeof g.service.switch !== 'string' || g.service.switch === '')) fail(`${what}.service.switch must be a non-empty string`);
  }
  if (g.sharedDisk !== undefined) {
    if (g.sharedDisk === null || typeof g.sharedDisk !== 'object') fail(`${what}.sharedDisk must be { dir }`);
    checkKeys(g.sharedDisk, ['dir'], `${what}.sharedDisk`);
    if (g.sharedDisk.dir !== undefined && (typeof g.sharedDisk.dir !== 'string' || g.sharedDisk.dir === '')) fail(`${what}.sharedDisk.dir must be a non-empty string`);
  }
}

function validateRule(rule: Rule, hostIds: Set<string>, guestIds: Set<string>): void {
  const what = `rule ${rule.name}`;
  if (typeof rule.name !== 'string' || rule.name === '') fail('every rule needs a name');
  if (!['affinity', 'anti-affinity', 'host-must', 'host-should'].includes(rule.kind)) {
    fail(`${what} has unknown kind "${rule.kind as string}"`);
  }
  const withHosts = rule.kind === 'host-must' || rule.kind === 'host-should';
  checkKeys(rule, withHosts ? ['kind', 'name', 'guests', 'hosts'] : ['kind', 'name', 'guests'], what);
  if (!Array.isArray(rule.guests) || rule.guests.length === 0) fail(`${what} names no guests`);
  for (const id of rule.guests) if (!guestIds.has(id)) fail(`${what} names unknown guest "${id}"`);
  if (withHosts) {
    if (!Array.isArray(rule.hosts) || rule.hosts.length === 0) fail(`${what} names no hosts`);
    for (const id of rule.hosts) if (!hostIds.has(id)) fail(`${what} names unknown host "${id}"`);
  }
}

/** Throws a UsageError naming the first problem: unknown ids or keys, bad numbers, duplicates. */
export function validateCluster(cluster: Cluster): void {
  const hostIds = new Set<string>();
  for (const h of cluster.hosts) {
    checkKeys(h, ['id', 'capacity', 'maintenance', 'switch', 'sharedDir'], `host ${h.id}`);
    if (h.switch !== undefined && (typeof h.switch !== 'string' || h.switch === '')) fail(`host ${h.id}.switch must be a non-empty string`);
    if (h.sharedDir !== undefined && (typeof h.sharedDir !== 'string' || h.sharedDir === '')) fail(`host ${h.id}.sharedDir must be a non-empty string`);
    if (typeof h.id !== 'string' || h.id === '') fail('every host needs an id');
    if (hostIds.has(h.id)) fail(`duplicate host id "${h.id}"`);
    hostIds.add(h.id);
    checkResources(h.capacity, `host ${h.id}.capacity`, true);
  }
  const guestIds = new Set<string>();
  for (const g of cluster.guests) {
    if (typeof g.id !== 'string' || g.id === '') fail('every guest needs an id');
    if (guestIds.has(g.id)) fail(`duplicate guest id "${g.id}"`);
    guestIds.add(g.id);
    validateGuest(g, hostIds);
  }
  const names = new Set<string>();
  for (const rule of cluster.rules ?? []) {
    validateRule(rule, hostIds, guestIds);
    if (names.has(rule.name)) fail(`duplicate rule name "${rule.name}"`);
    names.add(rule.name);
  }
}
