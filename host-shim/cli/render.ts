/**
 * How the host API commands show things: tables and key/value blocks for
 * people, one JSON value per line for programs (--json), and a migration
 * progress line that only a terminal sees.
 */
import type { Writable } from 'node:stream';
import { describeFailure, type GuestInfo, type HostInfo, type MigrationEvent } from '../client/index.js';
import type { GuestPolicy } from '../client/cluster-types.js';

export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Whole milliseconds from 10 ms up; below that, enough digits to say something. */
export function formatMs(ms: number): string {
  if (ms >= 10) return `${Math.round(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd() + '\n').join('');
}

export function guestTable(guests: GuestInfo[]): string {
  const header = ['ID', 'NAME', 'STATE', 'EXIT', 'MEMORY', 'MODULE'];
  const rows = guests.map((g) => [
    g.id,
    g.name ?? '-',
    g.state,
    g.exitCode === null || g.exitCode === undefined ? '-' : String(g.exitCode),
    typeof g.memoryBytes === 'number' ? formatBytes(g.memoryBytes) : '-',
    String(g.module ?? '-').slice(0, 12),
  ]);
  return table([header, ...rows]);
}

export function guestDetails(g: GuestInfo): string {
  const migration = g.migration ? [g.migration.id, g.migration.to && `to ${g.migration.to}`].filter(Boolean).join(' ') || 'yes' : '-';
  return table([
    ['id', g.id],
    ['name', g.name ?? '-'],
    ['state', g.state],
    ['module', g.module],
    ['args', (g.args ?? []).map(shellWord).join(' ') || '-'],
    ['started', g.startedAt ?? '-'],
    ['steps', String(g.steps ?? '-')],
    ['memory', typeof g.memoryBytes === 'number' ? formatBytes(g.memoryBytes) : '-'],
    ['exit code', g.exitCode === null || g.exitCode === undefined ? '-' : String(g.exitCode)],
    ['error', g.error ? describeFailure(g.error) : '-'],
    ['migration', migration],
    ['baseline', g.baseline ? `${g.baseline}${g.sees ? `: ${g.sees.features.join(' ') || 'mvp'}` : ''}` : '-'],
    ['uses', g.uses ? [...g.uses.features, ...g.uses.capabilities].join(' ') || 'mvp' : '-'],
    ...(g.policy ? [['policy', policyText(g.policy)]] : []),
    ...(g.usage ? [['usage', `cpu ${typeof g.usage.cpu === 'number' ? formatCores(g.usage.cpu) : 'not measured yet'}, memory ${formatBytes(g.usage.memory)}`]] : []),
    ['service', g.service ? g.service.address : '-'],
    ['disk', diskText(g)],
  ]);
}

function diskText(g: GuestInfo): string {
  if (typeof g.diskBytes !== 'number') return '-';
  if (!g.diskImage) return formatBytes(g.diskBytes);
  const failing = g.diskImage.error ? ` (write-back failing: ${describeFailure(g.diskImage.error)})` : '';
  return `${formatBytes(g.diskBytes)}, image ${g.diskImage.path}${failing}`;
}

/** Cores to at most three decimals: 0.5 cores, 1 core. */
export function formatCores(cores: number): string {
  const n = Math.round(cores * 1000) / 1000;
  return `${n} ${n === 1 ? 'core' : 'cores'}`;
}

function policyText(p: GuestPolicy): string {
  const cpu = p.cpu ?? {};
  const memory = p.memory ?? {};
  const limit = (value: number | null | undefined, format: (n: number) => string) => (typeof value === 'number' ? format(value) : 'none');
  return [
    `cpu reservation ${formatCores(cpu.reservation ?? 0)}, limit ${limit(cpu.limit, formatCores)}, shares ${cpu.shares ?? 1000};`,
    `memory reservation ${formatBytes(memory.reservation ?? 0)}, limit ${limit(memory.limit, formatBytes)}`,
  ].join(' ');
}

export function hostDetails(h: HostInfo, url: string): string {
  const m = h.migration;
  const l = h.limits;
  return table([
    ['url', url],
    ['name', h.name],
    ['version', h.version],
    ['engine', h.engineRunner ? `${h.engine} (${h.engineRunner.description})` : h.engine],
    ['features', (h.features ?? []).join(' ') || '-'],
    ['capabilities', (h.capabilities ?? []).join(' ') || '-'],
    ['baselines', (h.baselines ?? []).join(' ') || '-'],
    ['migration', m ? `${m.host}:${m.port} (protocol ${m.protocol}, state format ${m.state})` : '-'],
    ['limits', l ? `memory ${formatBytes(l.maxMemoryPages * 65536)} per guest, ${l.maxMigrations} migrations at once` : '-'],
    ['guests', String(h.guests)],
    ...(h.capacity ? [['capacity', `cpu ${formatCores(h.capacity.cpu)}, memory ${formatBytes(h.capacity.memory)}`]] : []),
    ...(h.reserved ? [['reserved', `cpu ${formatCores(h.reserved.cpu)}, memory ${formatBytes(h.reserved.memory)}`]] : []),
    ['switch', h.switch ?? '-'],
    ['shared dir', h.sharedDir ?? '-'],
  ]);
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * How far a migration is, 0 to 1: the share of guest memory no longer left
 * to send. Below 1 until the host says `completed`, whatever the counters say,
 * because pages sent can still be dirtied again.
 */
export function migrationFraction(e: MigrationEvent): number {
  if (e.state === 'completed') return 1;
  if (!(e.total > 0)) return 0;
  const done = Math.min(1, Math.max(0, (e.total - e.remaining) / e.total));
  return Math.min(done, 0.99);
}

const BAR_WIDTH = 20;

/** One line of migration progress for a terminal. */
export function progressLine(e: MigrationEvent): string {
  const fraction = migrationFraction(e);
  const filled = Math.floor(fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
  const parts = [`${e.migration} ${e.state}`, bar];
  if (e.iteration > 0) parts.push(`iteration ${e.iteration}`);
  if (e.total > 0) parts.push(`transferred ${formatBytes(e.transferred)}  remaining ${formatBytes(e.remaining)} of ${formatBytes(e.total)}`);
  if (e.dirtyRate > 0) parts.push(`dirty rate ${formatRate(e.dirtyRate)}`);
  if (e.throughput > 0) parts.push(`throughput ${formatRate(e.throughput)}`);
  if (typeof e.expectedDowntimeMs === 'number') parts.push(`expected downtime ${formatMs(e.expectedDowntimeMs)}`);
  return parts.join('  ');
}

/** The result line of a completed migration. */
export function migratedLine(guest: string, to: string, e: MigrationEvent): string {
  const time = typeof e.totalMs === 'number' ? ` in ${formatMs(e.totalMs)}` : '';
  const downtime = typeof e.downtimeMs === 'number' ? `, downtime ${formatMs(e.downtimeMs)}` : '';
  const disk = e.disk === 'shared' ? ', disk through the shared directory' : e.disk === 'copied' ? `, disk copied${e.diskSharedRefused ? ` (${describeFailure(e.diskSharedRefused)})` : ''}` : '';
  return `migrated ${guest} to ${to}${time}${downtime}${disk}\n`;
}

/** Least time between two redraws: a fast host can send hundreds of events a second. */
const REDRAW_MS = 80;

/** A line on a terminal that is redrawn in place, at most every REDRAW_MS; the newest text is always drawn in the end. */
export class StatusLine {
  private lastDraw = 0;
  private shown = false;
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly out: Writable & { columns?: number }) {}

  show(text: string, now = false): void {
    clearTimeout(this.pending);
    const wait = this.lastDraw + REDRAW_MS - Date.now();
    if (now || wait <= 0) this.draw(text);
    else this.pending = setTimeout(() => this.draw(text), wait).unref();
  }

  clear(): void {
    clearTimeout(this.pending);
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }

  private draw(text: string): void {
    this.lastDraw = Date.now();
    // A pseudo-terminal may report 0 columns.
    const width = Math.max(20, (this.out.columns || 80) - 1);
    this.out.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.shown = true;
  }
}
