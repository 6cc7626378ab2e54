/**
 * `npm run bench:service`: the kvserver guest (guests/c/kvserver.c) serves
 * a bounded load on loopback while it migrates around a ring of hosts
 * several times. The switch and the hosts are separate processes
 * (`wasmotion switch start`, `wasmotion host start --switch`); the load
 * (load.ts) runs here and talks to the guest's published port only.
 *
 * The guest has a disk (`--disk`, 16 MiB by default) and logs every write
 * to /data/kv.log before it answers it. Before the first move, after every
 * move and once the load has stopped, the file is read back through the
 * guest's service and compared with the writes the clients sent
 * (log-check.ts); each check prints its result, and a check that finds the
 * file other than expected counts as a failure.
 *
 * A request is "during migration" when its time in flight overlaps a
 * migration window: from the migrate request to the moment the guest's
 * service is attached to the switch from its new host. Latencies of the
 * first WARM_UP_MS are left out (the guest's first requests compile code
 * paths); their failures are not. Prints requests
 * served, failures and resets, p50/p99/max latency inside and outside the
 * windows, the byte count check, and last:
 *
 *   service: N requests, F failed, p99 during migration X ms
 *
 * Exits 1 if any request or file check failed, any connection was reset,
 * or a byte was lost or doubled.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parseSize } from '../../host-shim/cli/values.js';
import { packageRoot } from '../../host-shim/paths.js';
import { checkDiskBytes } from '../../host-shim/wasi/disk.js';
import { moduleDigest } from '../../host-shim/snapshot/directory.js';
import { percentile } from '../bench/timing.js';
import { startHost, startSwitch } from '../cluster/main.js';
import { KvClient } from './kv-client.js';
import { Load, type Sample } from './load.js';
import { checkLog, describeReport } from './log-check.js';

interface Options {
  hosts: string;
  migrations: string;
  persistent: string;
  rate: string;
  newPerSecond: string;
  gap: string;
  disk: string;
}

/** The guest's write-ahead log on its disk (fd 3, /data); its listener is then fd 4. */
const GUEST_ARGS = ['--log', '/data/kv.log', '4'];

interface Window {
  from: number;
  to: number;
  label: string;
  /** The guest's pause, as the source measured it (pause to STARTED). */
  downtimeMs: number;
  /** From the end of the migration to the service attached from the new host. */
  attachMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const WARM_UP_MS = 1000;

function positive(name: string, text: string, max: number): number {
  const n = Number(text);
  if (!(n > 0 && n <= max)) throw new Error(`--${name} must be a number from 1 to ${max}`);
  return n;
}

async function api(base: string, path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(new URL(path, base), init);
  const body = await res.text();
  if (res.status >= 400) throw new Error(`${path}: ${res.status} ${body}`);
  return body ? JSON.parse(body) : null;
}

/** Moves the guest and returns its window: until the new host has attached its service. */
async function migrate(from: string, to: string, id: string, label: string): Promise<Window> {
  const start = performance.now();
  const m = await api(from, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to }) });
  const text = await (await fetch(new URL(`/v1/migrations/${m.id}/events`, from))).text();
  const events = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const last = events[events.length - 1];
  if (last.state !== 'completed') throw new Error(`migration ${label} ${last.state}: ${JSON.stringify(last.error)}`);
  const completed = performance.now();
  for (let i = 0; i < 2000; i++) {
    const info = await api(to, `/v1/guests/${id}`);
    if (info.service) break;
    await sleep(2);
  }
  const attached = performance.now();
  return { from: start, to: attached, label, downtimeMs: last.downtimeMs, attachMs: attached - completed };
}

function overlaps(s: Sample, windows: Window[]): boolean {
  return windows.some((w) => s.start <= w.to && s.end >= w.from);
}

function row(label: string, samples: Sample[], failed: number): string {
  const ms = samples.map((s) => s.end - s.start);
  const f = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(2)).padStart(8);
  return `${label.padEnd(20)}${String(samples.length + failed).padStart(9)}${String(failed).padStart(8)}${f(percentile(ms, 50))}${f(percentile(ms, 99))}${f(Math.max(...ms))}\n`;
}

async function main(): Promise<number> {
  const opts = new Command('bench:service')
    .option('--hosts <n>', 'hosts the guest moves around', '3')
    .option('--migrations <n>', 'migrations in the run', '6')
    .option('--persistent <n>', 'persistent connections', '8')
    .option('--rate <n>', 'requests per second on each persistent connection', '50')
    .option('--new-per-second <n>', 'new connections per second (each: SET, GET, DEL, QUIT)', '20')
    .option('--gap <ms>', 'time between migrations', '1000')
    .option('--disk <size>', 'the guest\'s disk, which holds its write log', '16MiB')
    .parse(process.argv)
    .opts<Options>();
  const hostCount = positive('hosts', opts.hosts, 8);
  const migrations = positive('migrations', opts.migrations, 50);
  const disk = checkDiskBytes('--disk', parseSize(opts.disk));
  const guest = join(packageRoot(), 'build', 'guests', 'kvserver.wasm');
  if (!existsSync(guest)) {
    process.stderr.write('bench:service: build/guests/kvserver.wasm is missing (npm run build:guests)\n');
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'wasmotion-bench-service-'));
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, randomBytes(32), { mode: 0o600 });
  const children: ChildProcess[] = [];
  try {
    const sw = await startSwitch(secretFile, true);
    children.push(sw.proc);
    const endpoint = sw.endpoint;
    const hosts: string[] = [];
    for (let i = 0; i < hostCount; i++) {
      const h = await startHost(`h${i}`, secretFile, join(dir, `h${i}`), undefined, { args: ['--switch', endpoint], quiet: true });
      children.push(h.proc);
      hosts.push(h.url);
    }
    const bytes = readFileSync(guest);
    const digest = moduleDigest(bytes);
    await api(hosts[0], `/v1/modules/${digest}`, { method: 'PUT', body: bytes });
    const info = await api(hosts[0], '/v1/guests', { method: 'POST', body: JSON.stringify({ module: digest, listen: 0, disk, args: GUEST_ARGS }) });
    const load = new Load({
      port: info.service.port,
      persistent: positive('persistent', opts.persistent, 500),
      rate: positive('rate', opts.rate, 10_000),
      newPerSecond: Number(opts.newPerSecond) >= 0 ? Number(opts.newPerSecond) : 0,
    });
    const gap = positive('gap', opts.gap, 60_000);
    process.stdout.write(
      `service: kvserver at ${info.service.address} on ${hostCount} hosts, its writes logged on a ${opts.disk} disk; ${opts.persistent} persistent connections at ${opts.rate} req/s each, ` +
        `${opts.newPerSecond} new connections/s; ${migrations} migrations ${gap} ms apart\n`,
    );
    // The file checks' own connection: its requests are not part of the load's numbers.
    const checker = await KvClient.connect(info.service.port);
    let failedChecks = 0;
    const checkFiles = async (when: string) => {
      const report = await checkLog(checker, load.writes);
      if (report.problems.length > 0) failedChecks++;
      process.stdout.write(`files ${when}: kv.log ${describeReport(report)}\n`);
    };
    load.start();
    const measureFrom = performance.now() + WARM_UP_MS;
    await sleep(Math.max(gap, WARM_UP_MS));
    await checkFiles('before the first migration');
    const windows: Window[] = [];
    let at = 0;
    for (let i = 0; i < migrations; i++) {
      const next = (at + 1) % hostCount;
      const w = await migrate(hosts[at], hosts[next], info.id, `h${at} -> h${next}`);
      windows.push(w);
      process.stdout.write(
        `migration ${i + 1} ${w.label}: downtime ${w.downtimeMs.toFixed(1)} ms, service attached ${w.attachMs.toFixed(1)} ms later, window ${(w.to - w.from).toFixed(0)} ms\n`,
      );
      at = next;
      await checkFiles(`after migration ${i + 1}`);
      await sleep(gap);
    }
    await load.stop();
    await checkFiles('once the load stopped');
    await checker.quit();
    await api(hosts[at], `/v1/guests/${info.id}/stop`, { method: 'POST' });

    const measured = load.samples.filter((s) => s.start >= measureFrom);
    const during = measured.filter((s) => overlaps(s, windows));
    const outside = measured.filter((s) => !overlaps(s, windows));
    const failedDuring = load.failures.filter((f) => windows.some((w) => f.at >= w.from && f.at <= w.to)).length;
    process.stdout.write(`latency of the requests after the first ${WARM_UP_MS} ms (all of them are checked):\n`);
    process.stdout.write(`${''.padEnd(20)}${'requests'.padStart(9)}${'failed'.padStart(8)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'max ms'.padStart(8)}\n`);
    process.stdout.write(row('outside migration', outside, load.failures.length - failedDuring));
    process.stdout.write(row('during migration', during, failedDuring));
    for (const f of load.failures.slice(0, 10)) process.stderr.write(`bench:service: FAILED ${f.what}\n`);
    const lostOrDoubled = load.expectedBytes - load.receivedBytes;
    process.stdout.write(`connections: ${opts.persistent} persistent, ${load.opened} opened in all, ${load.resets} reset\n`);
    process.stdout.write(`bytes: ${load.expectedBytes} answer bytes expected, ${load.receivedBytes} received (${lostOrDoubled === 0 ? 'none lost or doubled' : `${lostOrDoubled} missing`})\n`);
    const p99 = percentile(during.map((s) => s.end - s.start), 99);
    process.stdout.write(`files: ${migrations + 2} checks of the guest's log, ${failedChecks} found it other than the clients expect\n`);
    const failed = load.failures.length + failedChecks;
    process.stdout.write(`service: ${load.requests} requests, ${failed} failed, p99 during migration ${Number.isNaN(p99) ? 'n/a' : p99.toFixed(1)} ms\n`);
    return failed === 0 && load.resets === 0 && lostOrDoubled === 0 ? 0 : 1;
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sleep(200);
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
