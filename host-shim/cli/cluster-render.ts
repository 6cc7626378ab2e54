/** How the cluster commands show the cluster to people (--json prints the API's values instead). */
import type { BalanceResult, ClusterEvent, ClusterGuest, ClusterHost, ClusterStatus, Recommendation } from '../client/cluster-types.js';
import { formatBytes, table } from './render.js';

export function hostsTable(hosts: ClusterHost[]): string {
  const header = ['NAME', 'STATE', 'MAINTENANCE', 'ENGINE', 'CPU', 'MEMORY', 'GUESTS', 'LOAD', 'SWITCH', 'SHARED DIR', 'URL'];
  const rows = hosts.map((h) => [
    h.name,
    h.connection,
    h.maintenance,
    h.engine,
    String(h.capacity.cpu),
    formatBytes(h.capacity.memory),
    String(h.guests),
    h.load.toFixed(2),
    h.switch ?? '-',
    h.sharedDir ?? '-',
    h.url,
  ]);
  return table([header, ...rows]);
}

export function clusterGuestsTable(guests: ClusterGuest[]): string {
  const header = ['ID', 'NAME', 'HOST', 'STATE', 'CPU', 'MEMORY', 'DISK', 'BASELINE', 'SERVICE'];
  const rows = guests.map((g) => [
    g.id,
    g.name ?? '-',
    g.host ?? '-',
    g.state,
    g.cpu === null ? '-' : g.cpu.toFixed(2),
    formatBytes(g.memoryBytes),
    g.diskBytes ? `${formatBytes(g.diskBytes)}${g.diskShared ? ' (shared)' : ''}` : '-',
    g.baseline ?? '-',
    g.service?.address ?? '-',
  ]);
  return table([header, ...rows]);
}

export function eventLine(e: ClusterEvent): string {
  return `${e.time} ${e.type} ${e.message}\n`;
}

export function recommendationLine(r: Recommendation): string {
  return `move ${r.guest} ${r.from} -> ${r.to}: ${r.reason} (benefit ${r.benefit.toFixed(3)}, cost ${r.cost.toFixed(2)} s)\n`;
}

export function statusDetails(s: ClusterStatus): string {
  const lines = table([
    ['baseline', s.config.baseline],
    ['automation', s.config.automation],
    ['threshold', `${s.config.threshold} (tolerated imbalance ${s.target})`],
    ['balance every', `${s.config.balanceIntervalMs} ms`],
    ['hosts', String(s.hosts)],
    ['guests', String(s.guests)],
    ['imbalance', s.imbalance.toFixed(3)],
    ['rules', s.rules.map((r) => `${r.name} (${r.kind})`).join(', ') || '-'],
  ]);
  const violations = s.violations.map((v) => `violation: rule ${v.rule} (${v.guests.join(', ')}): ${v.reason}\n`).join('');
  const store = s.storeError ? `warning: the cluster state is not being saved: ${s.storeError}\n` : '';
  return lines + store + violations + s.recommendations.map(recommendationLine).join('');
}

export function executedLines(executed: BalanceResult['executed']): string {
  return executed.map((e) => `${e.ok ? 'moved' : 'failed'} ${e.guest} ${e.from} -> ${e.to}${e.error ? `: ${e.error}` : ''}\n`).join('');
}

export function balanceSummary(b: BalanceResult): string {
  const head = `imbalance ${b.imbalanceBefore.toFixed(3)} -> ${b.imbalanceAfter.toFixed(3)} (target ${b.target})\n`;
  return head + (b.executed.length ? executedLines(b.executed) : b.recommendations.map(recommendationLine).join(''));
}
