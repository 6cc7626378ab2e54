/**
 * `npm run bench:migrate-disk`: the switchover of a guest with a disk, on
 * loopback between two host agents in this process. The appender
 * (guests/c/appender.c) keeps appending to 64 files on a 16 MiB disk; once
 * it has written about WRITTEN_MIB, it moves back and forth, and every hop
 * prints its downtime and where it went (the source's phases: last pages
 * and blocks, checkpoint and STATE, the destination's load and verify,
 * start). The last line:
 *
 *   migrate-disk: 16MiB disk, ~6MiB written, downtime p50 X ms, max Y ms
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostAgent } from '../../host-shim/host/agent.js';
import { packageRoot } from '../../host-shim/paths.js';
import { moduleDigest } from '../../host-shim/snapshot/directory.js';
import { percentile } from '../bench/timing.js';
import { api, migrate, waitForOutput } from './agent-calls.js';

const DISK = 16 << 20;
const FILES = 64;
const REPS = process.argv.includes('--quick') ? 2 : 6;
/** Rounds of 64 appends after which about 6 MiB of the disk is written (2,000 rounds write 7.3 MiB). */
const ROUNDS_BEFORE = 1600;
const WRITTEN_MIB = 6;
/** All rounds: about 13 MiB in the end, under the disk's size; 2 ms apart, so that every hop finds it running. */
const ROUNDS = 3500;
const SLEEP_MS = 2;
const DOWNTIME_LIMIT_MS = 5;

async function main(): Promise<number> {
  const path = join(packageRoot(), 'build', 'guests', 'appender.wasm');
  if (!existsSync(path)) {
    process.stderr.write('bench:migrate-disk: build/guests/appender.wasm is not built (npm run build:guests)\n');
    return 1;
  }
  const module = readFileSync(path);
  const secret = randomBytes(32);
  const a = await HostAgent.start({ name: 'bench-a', host: '127.0.0.1', port: 0, secret });
  const b = await HostAgent.start({ name: 'bench-b', host: '127.0.0.1', port: 0, secret });
  const downtimes: number[] = [];
  try {
    const digest = moduleDigest(module);
    await api(a.url, `/v1/modules/${digest}`, { method: 'PUT', body: module });
    const info = await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: digest, args: ['/data', String(ROUNDS), String(FILES), String(SLEEP_MS)], disk: DISK }) });
    await waitForOutput(a.url, info.id, `round ${ROUNDS_BEFORE} sum`, 120_000);
    let [here, there] = [a, b];
    for (let rep = 0; rep < REPS; rep++) {
      const last = await migrate(here, there, info.id, { downtimeLimitMs: DOWNTIME_LIMIT_MS });
      if (last.state !== 'completed') {
        process.stdout.write(`hop ${rep + 1} FAILED ${last.state}: ${last.error?.message}\n`);
        return 1;
      }
      downtimes.push(last.downtimeMs);
      const phases = Object.entries(last.phasesMs ?? {}).map(([k, v]) => `${k} ${(v as number).toFixed(1)}`).join(', ');
      process.stdout.write(`hop ${rep + 1}: downtime ${last.downtimeMs.toFixed(1)} ms (${phases} ms), transferred ${(last.transferred / 2 ** 20).toFixed(1)} MiB\n`);
      [here, there] = [there, here];
    }
    await api(here.url, `/v1/guests/${info.id}/stop`, { method: 'POST' });
  } finally {
    await a.close();
    await b.close();
  }
  process.stdout.write(
    `migrate-disk: 16MiB disk, ~${WRITTEN_MIB}MiB written, downtime p50 ${percentile(downtimes, 50).toFixed(1)} ms, max ${Math.max(...downtimes).toFixed(1)} ms\n`,
  );
  return 0;
}

process.exitCode = await main();
