// `wasmotion host start --features` and `wasmotion guest start --baseline`,
// end to end: the built CLI against a host agent process on loopback.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'wasmotion.js');
const featuresGuest = join(root, 'build', 'guests', 'features.wasm');

/** The CLI, run to its end; asynchronous so the host keeps answering. */
function wasmotion(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, WASMOTION_HOST: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

let host: ChildProcess;
let url = '';

beforeAll(async () => {
  host = spawn(process.execPath, [bin, 'host', 'start', '--listen', '127.0.0.1:0', '--name', 'old', '--features', 'wasm1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    host.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready at (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    host.once('exit', () => reject(new Error('the host exited before it was ready')));
  });
});

afterAll(() => {
  host.kill('SIGTERM');
});

describe('feature sets and baselines on the command line', () => {
  test('host start --features wasm1 offers wasm1 only; host info shows it', async () => {
    const info = await wasmotion(['host', 'info', '--host', url, '--json']);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ features: ['mutable-globals'], capabilities: ['wasi-preview1'], baselines: ['wasm1'] });
    const text = await wasmotion(['host', 'info', '--host', url]);
    expect(text.stdout).toMatch(/^baselines\s+wasm1$/m);
  });

  test('host start refuses a feature set it does not know, as a usage error', () => {
    const r = spawnSync(process.execPath, [bin, 'host', 'start', '--listen', '127.0.0.1:0', '--features', 'wasm9'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/wasm9/);
  });

  test.skipIf(!existsSync(featuresGuest))('guest start --baseline: refused when the host cannot present it, else the guest sees it', async () => {
    const refused = await wasmotion(['guest', 'start', '--host', url, '--baseline', 'wasm2', featuresGuest]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/host old cannot present wasm2: it lacks sign-ext.*\[WASMOTION_ERR_BASELINE_UNSUPPORTED\]/);
    const started = await wasmotion(['guest', 'start', '--host', url, '--baseline', 'wasm1', featuresGuest, '--', '2']);
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect((await wasmotion(['guest', 'wait', id, '--host', url])).code).toBe(0);
    expect((await wasmotion(['guest', 'logs', id, '--host', url])).stdout).toBe('features 0x40: mutable-globals\n'.repeat(2));
    const info = await wasmotion(['guest', 'info', id, '--host', url]);
    expect(info.stdout).toMatch(/^baseline\s+wasm1: mutable-globals$/m);
    expect(info.stdout).toMatch(/^uses\s+wasi-preview1$/m);
  });
});
