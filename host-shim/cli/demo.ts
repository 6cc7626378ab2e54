/**
 * `wasmotion demo` (what `npm start` runs): a local cluster of three hosts on
 * loopback, sharing a fresh cluster secret. A guest starts on the first and
 * moves from host to host while it computes and prints, without a line lost
 * or repeated; the demo shows each move's downtime and the guest's output.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostAgent } from '../host/agent.js';
import { packageRoot } from '../paths.js';
import { moduleDigest } from '../snapshot/directory.js';

const GUEST = 'as-ticker.wasm';
const TICKS = '40';

async function api(base: string, path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(new URL(path, base), init);
  const body = await res.text();
  if (res.status >= 400) throw new Error(`${path}: ${body}`);
  return body ? JSON.parse(body) : null;
}

async function lastEvent(base: string, migration: string): Promise<any> {
  const text = await (await fetch(new URL(`/v1/migrations/${migration}/events`, base))).text();
  const lines = text.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

export async function demoCommand(): Promise<number> {
  const path = join(packageRoot(), 'build', 'guests', GUEST);
  if (!existsSync(path)) {
    process.stderr.write(`demo: ${GUEST} is not built (npm run build:guests)\n`);
    return 1;
  }
  const bytes = readFileSync(path);
  const secret = randomBytes(32);
  const hosts: HostAgent[] = [];
  try {
    for (const name of ['host1', 'host2', 'host3']) {
      const h = await HostAgent.start({ name, host: '127.0.0.1', port: 0, secret });
      hosts.push(h);
      process.stdout.write(`${name} ready at ${h.url}\n`);
    }
    const digest = moduleDigest(bytes);
    await api(hosts[0].url, `/v1/modules/${digest}`, { method: 'PUT', body: bytes });
    const guest = await api(hosts[0].url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: digest, args: [TICKS], name: 'ticker' }) });
    process.stdout.write(`guest ${guest.id} (${GUEST}) started on host1\n`);
    let at = 0;
    for (const to of [1, 2, 0]) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const from = hosts[at];
      const m = await api(from.url, `/v1/guests/${guest.id}/migrate`, { method: 'POST', body: JSON.stringify({ to: hosts[to].url }) });
      const done = await lastEvent(from.url, m.id);
      if (done.state !== 'completed') {
        process.stdout.write(`move to host${to + 1} ${done.state}: ${done.error?.message}; the guest stays on host${at + 1}\n`);
        continue;
      }
      process.stdout.write(
        `moved ${guest.id} host${at + 1} -> host${to + 1}: ${(done.transferred / 1048576).toFixed(1)} MiB in ${done.iteration} rounds, ${done.totalMs} ms, downtime ${done.downtimeMs.toFixed(1)} ms\n`,
      );
      at = to;
    }
    const end = await api(hosts[at].url, `/v1/guests/${guest.id}/wait`);
    const output = await (await fetch(new URL(`/v1/guests/${guest.id}/logs`, hosts[at].url))).text();
    const lines = output.trim().split('\n');
    process.stdout.write(`guest exited with ${end.exitCode} on host${at + 1}; its output across the hosts (${lines.length} lines):\n`);
    process.stdout.write(`${[...lines.slice(0, 3), '...', ...lines.slice(-3)].join('\n')}\n`);
    return end.exitCode === 0 ? 0 : 1;
  } finally {
    for (const h of hosts) await h.close();
  }
}
