// `wasmotion host start --features` and `wasmotion guest start --baseline`,
// end to end: the built CLI against a host agent process on loopback.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, cliAsync, root, startProcess } from '../support/processes.js';

const featuresGuest = join(root, 'build', 'guests', 'features.wasm');

let host: ChildProcess;
let url = '';

beforeAll(async () => {
  const started = await startProcess(['host', 'start', '--listen', '127.0.0.1:0', '--name', 'old', '--features', 'wasm1']);
  host = started.proc;
  url = started.url;
});

afterAll(() => {
  host.kill('SIGTERM');
});

describe('feature sets and baselines on the command line', () => {
  test('host start --features wasm1 offers wasm1 only; host info shows it', async () => {
    const info = await cliAsync(['host', 'info', '--host', url, '--json']);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ features: ['mutable-globals'], capabilities: ['wasi-preview1'], baselines: ['wasm1'] });
    const text = await cliAsync(['host', 'info', '--host', url]);
    expect(text.stdout).toMatch(/^baselines\s+wasm1$/m);
  });

  test('host start refuses a feature set it does not know, as a usage error', () => {
    const r = cli(['host', 'start', '--listen', '127.0.0.1:0', '--features', 'wasm9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/wasm9/);
  });

  test.skipIf(!existsSync(featuresGuest))('guest start --baseline: refused when the host cannot present it, else the guest sees it', async () => {
    const refused = await cliAsync(['guest', 'start', '--host', url, '--baseline', 'wasm2', featuresGuest]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/host old cannot present wasm2: it lacks sign-ext.*\[WASMOTION_ERR_BASELINE_UNSUPPORTED\]/);
    const started = await cliAsync(['guest', 'start', '--host', url, '--baseline', 'wasm1', featuresGuest, '--', '2']);
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect((await cliAsync(['guest', 'wait', id, '--host', url])).code).toBe(0);
    expect((await cliAsync(['guest', 'logs', id, '--host', url])).stdout).toBe('features 0x40: mutable-globals\n'.repeat(2));
    const info = await cliAsync(['guest', 'info', id, '--host', url]);
    expect(info.stdout).toMatch(/^baseline\s+wasm1: mutable-globals$/m);
    expect(info.stdout).toMatch(/^uses\s+wasi-preview1$/m);
  });
});
