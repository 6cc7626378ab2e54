// The resource policy from the command line: `host start --cpus --memory`
// and `guest start --cpu-* --memory-*` against a real host agent process.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BUSY } from './policy-guests.js';
import { cliAsync, startProcess } from '../support/processes.js';

const busyPath = join(mkdtempSync(join(tmpdir(), 'wasmotion-policy-cli-')), 'busy.wasm');
writeFileSync(busyPath, BUSY);
const MiB = 1 << 20;

let agent: ChildProcess;
let url: string;

beforeAll(async () => {
  const started = await startProcess(['host', 'start', '--listen', '127.0.0.1:0', '--name', 'cli', '--cpus', '0.5', '--memory', '64MiB']);
  agent = started.proc;
  url = started.url;
});

afterAll(() => {
  agent.kill('SIGKILL');
});

test('host start takes its capacity; guest start sends the policy; host and guest info show them', async () => {
  const host = await cliAsync(['host', 'info', '--host', url, '--json']);
  expect(JSON.parse(host.stdout).capacity).toEqual({ cpu: 0.5, memory: 64 * MiB });

  const started = await cliAsync(['guest', 'start', '--host', url, '--json', '--cpu-reservation', '0.25', '--cpu-limit', '0.5', '--cpu-shares', '2000', '--memory-reservation', '16MiB', '--memory-limit', '32MiB', busyPath]);
  expect(started.stderr).toBe('');
  expect(JSON.parse(started.stdout).policy).toEqual({ cpu: { reservation: 0.25, limit: 0.5, shares: 2000 }, memory: { reservation: 16 * MiB, limit: 32 * MiB } });
  const id = JSON.parse(started.stdout).id as string;

  // Usage is measured over the guest's first moments: on a busy machine that takes a while.
  let info = await cliAsync(['guest', 'info', id, '--host', url]);
  for (let i = 0; i < 50 && !/^usage\s+cpu [\d.]+/m.test(info.stdout); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    info = await cliAsync(['guest', 'info', id, '--host', url]);
  }
  expect(info.stdout).toMatch(/^policy\s+cpu reservation 0\.25 cores, limit 0\.5 cores, shares 2000; memory reservation 16\.0 MiB, limit 32\.0 MiB$/m);
  expect(info.stdout).toMatch(/^usage\s+cpu [\d.]+ cores?, memory 64\.0 KiB$/m);
  const text = await cliAsync(['host', 'info', '--host', url]);
  expect(text.stdout).toMatch(/^capacity\s+cpu 0\.5 cores, memory 64\.0 MiB$/m);
  expect(text.stdout).toMatch(/^reserved\s+cpu 0\.25 cores, memory 16\.0 MiB$/m);

  const refused = await cliAsync(['guest', 'start', '--host', url, '--cpu-reservation', '0.3', busyPath]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/cannot admit the guest: a CPU reservation of 0\.3 cores does not fit.*\[WASMOTION_ERR_ADMISSION\]\n$/);
});

test('bad values are usage errors, from the CLI or from the host', async () => {
  const notANumber = await cliAsync(['guest', 'start', '--host', url, '--cpu-limit', 'half', busyPath]);
  expect(notANumber.code).toBe(2);
  expect(notANumber.stderr).toContain('--cpu-limit half is not a number [WASMOTION_ERR_USAGE]');
  const above = await cliAsync(['guest', 'start', '--host', url, '--cpu-reservation', '0.4', '--cpu-limit', '0.2', busyPath]);
  expect(above.code).toBe(2);
  expect(above.stderr).toContain('is above "policy.cpu.limit"');
  const cpus = await cliAsync(['host', 'start', '--listen', '127.0.0.1:0', '--cpus', '0']);
  expect(cpus.code).toBe(2);
  expect(cpus.stderr).toContain('--cpus 0 is not a positive number of cores');
});
