/**
 * The `console` line of bench:migrate: a guest that prints as fast as it can
 * (guests/c/counter.c without a pause), moved back and forth between two
 * hosts a second apart while its history grows to what a host keeps (16 MiB
 * by default). Its output moves during pre-copy and the switchover carries
 * only the last lines (docs/migration.md, Console output), so the pause
 * should not grow with the history.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostAgent } from '../../host-shim/host/agent.js';
import { packageRoot } from '../../host-shim/paths.js';
import { moduleDigest } from '../../host-shim/snapshot/directory.js';
import { percentile } from '../bench/timing.js';
import { api, migrate } from './agent-calls.js';

const HOPS = 8;
const GAP_MS = 1_000;

/** Bytes the guest printed so far: where the history held on `host` ends. */
async function printed(host: HostAgent, id: string): Promise<number> {
  const res = await fetch(new URL(`/v1/guests/${id}/logs`, host.url));
  return Number(res.headers.get('x-wasmotion-log-offset')) + (await res.arrayBuffer()).byteLength;
}

export async function chattyLine(a: HostAgent, b: HostAgent, downtimeLimitMs: number): Promise<{ line: string; failed: boolean }> {
  const path = join(packageRoot(), 'build', 'guests', 'counter.wasm');
  if (!existsSync(path)) return { line: 'console: not measured (build/guests/counter.wasm is not built)', failed: true };
  const bytes = readFileSync(path);
  const digest = moduleDigest(bytes);
  await api(a.url, `/v1/modules/${digest}`, { method: 'PUT', body: bytes });
  const { id } = await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: digest, args: ['0', '64', '0'] }) });
  const started = performance.now();
  const downtimes: number[] = [];
  let here = a;
  let there = b;
  let history = 0;
  try {
    for (let hop = 0; hop < HOPS; hop++) {
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
      history = await printed(here, id);
      const last = await migrate(here, there, id, { downtimeLimitMs });
      if (last.state !== 'completed') return { line: `console: FAILED ${last.state}: ${last.error?.message}`, failed: true };
      downtimes.push(last.downtimeMs);
      [here, there] = [there, here];
    }
  } finally {
    await api(here.url, `/v1/guests/${id}/stop`, { method: 'POST' });
  }
  const rate = history / ((performance.now() - started) / 1000);
  return {
    line:
      `console: a guest printing ${(rate / 1e6).toFixed(1)} MB/s, ${HOPS} hops ${GAP_MS / 1000} s apart, ${(history / 1e6).toFixed(0)} MB printed by the last: ` +
      `downtime p50 ${percentile(downtimes, 50).toFixed(1)} ms, max ${Math.max(...downtimes).toFixed(1)} ms`,
    failed: false,
  };
}
