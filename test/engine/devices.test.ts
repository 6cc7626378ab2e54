// The VMM's devices with the VMM on wasmtime: the guest disk and the socket
// device, through `wasmotion run --engine wasmtime`, as on V8.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { KvClient } from '../../tools/bench-service/kv-client.js';
import { wasmtimeMissing } from './support.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'wasmotion.js');
const appender = join(root, 'build', 'guests', 'appender.wasm');
const kvserver = join(root, 'build', 'guests', 'kvserver.wasm');
const missing = wasmtimeMissing();

describe('devices with the VMM on wasmtime', () => {
  test('the disk: the appender prints what it prints on V8', (ctx) => {
    if (missing) return ctx.skip(missing);
    if (!existsSync(appender)) return ctx.skip(`${appender} is not built (npm run build:guests)`);
    const run = (engine: string) => spawnSync(process.execPath, [bin, 'run', '--engine', engine, '--disk', '1MiB', appender, '--', '/data', '60', '3'], { encoding: 'utf8', timeout: 60_000 });
    const onWasmtime = run('wasmtime');
    const onV8 = run('v8');
    expect(onWasmtime.status, onWasmtime.stderr).toBe(0);
    expect(onWasmtime.stdout).toMatch(/^checksum [0-9a-f]{8}$/m);
    expect(onWasmtime.stdout).toBe(onV8.stdout);
  }, 60_000);

  test('the disk in snapshots: written on wasmtime with DISK sections, resumed on V8 and back', (ctx) => {
    if (missing) return ctx.skip(missing);
    if (!existsSync(appender)) return ctx.skip(`${appender} is not built (npm run build:guests)`);
    const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
    const args = ['/data', '120', '4'];
    const whole = cli(['run', '--disk', '1MiB', appender, '--', ...args]);
    const dir = mkdtempSync(join(tmpdir(), 'wasmotion-engine-disk-'));
    try {
      const first = cli(['run', '--engine', 'wasmtime', '--disk', '1MiB', '--snapshot-dir', dir, '--stop-after', '300000', '--snapshot-every', '100000', appender, '--', ...args]);
      expect(first.status, first.stderr).toBe(75);
      const second = cli(['resume', '--engine', 'v8', dir, '--stop-after', '300000', '--snapshot-every', '100000']);
      expect(second.status, second.stderr).toBe(75);
      const last = cli(['resume', '--engine', 'wasmtime', dir]);
      expect(last.status, last.stderr).toBe(0);
      expect(first.stdout + second.stdout + last.stdout).toBe(whole.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('the socket device: a key-value guest serves a client', async (ctx) => {
    if (missing) return ctx.skip(missing);
    if (!existsSync(kvserver)) return ctx.skip(`${kvserver} is not built (npm run build:guests)`);
    const child = spawn(process.execPath, [bin, 'run', '--engine', 'wasmtime', '--tcplisten', '127.0.0.1:0', kvserver], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let err = '';
        child.stderr!.on('data', (d: Buffer) => {
          err += d;
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
          if (m) resolve(Number(m[1]));
        });
        child.once('close', (code) => reject(new Error(`wasmotion run exited with ${code}: ${err}`)));
      });
      const client = await KvClient.connect(port);
      expect(await client.request('SET engine wasmtime')).toBe('OK');
      expect(await client.request('GET engine')).toBe('VALUE wasmtime');
      expect(await client.request('SHUTDOWN')).toBe('BYE');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
