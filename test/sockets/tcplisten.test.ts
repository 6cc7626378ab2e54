// `wasmotion run --tcplisten`: the kvserver guest (plain WASI C calling
// accept, recv, send and poll on fd 3) serves clients of this test process
// over loopback TCP: persistent connections at once, pipelined requests,
// large values, half-closes and resets; a stop into a snapshot and a resume
// keep its data, and its old connections come back reset.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { KvClient, KvError } from '../../tools/bench-service/kv-client.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'wasmotion.js');
const kvserver = join(root, 'build', 'guests', 'kvserver.wasm');
const tmp = mkdtempSync(join(tmpdir(), 'wasmotion-tcp-'));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Served {
  port: number;
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts `wasmotion ARGS` and waits for the address it prints on stderr. */
function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve({ port: Number(m[1]), exit });
    });
    void exit.then((r) => reject(new Error(`exited with ${r.code} before listening: ${r.stderr}`)));
  });
}

describe.skipIf(!existsSync(kvserver))('wasmotion run --tcplisten with the kvserver guest', () => {
  test('serves persistent connections at once, pipelined requests and large values, then shuts down', async () => {
    const { port, exit } = await serve(['run', '--tcplisten', '127.0.0.1:0', kvserver]);
    const clients = await Promise.all(Array.from({ length: 8 }, () => KvClient.connect(port)));
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; n < 50; n++) {
          expect(await c.request(`SET k${i}-${n} value ${i} ${n}`)).toBe('OK');
          expect(await c.request(`GET k${i}-${n}`)).toBe(`VALUE value ${i} ${n}`);
        }
      }),
    );
    // Pipelined: a thousand requests written at once, answered in order.
    const lines = Array.from({ length: 1000 }, (_, n) => (n % 2 ? `GET k0-${n % 50}` : `DEL nothing${n}`));
    const answers = await clients[0].pipeline(lines);
    expect(answers).toEqual(lines.map((_, n) => (n % 2 ? `VALUE value 0 ${n % 50}` : 'NOT_FOUND')));
    // A value larger than the VMM's 64 KiB send window goes out in pieces.
    const big = 'x'.repeat(60_000);
    expect(await clients[1].request(`SET big ${big}`)).toBe('OK');
    for (let n = 0; n < 3; n++) expect(await clients[2].request('GET big')).toBe(`VALUE ${big}`);
    expect(await clients[3].request('COUNT')).toBe('COUNT 401');
    expect(await clients[3].request('HELLO')).toBe('ERROR unknown request');
    for (const c of clients.slice(0, 4)) await c.quit();
    // A reset client does not disturb the others.
    clients[4].destroy();
    expect(await clients[5].request('GET k5-7')).toBe('VALUE value 5 7');
    expect(await clients[6].request('SHUTDOWN')).toBe('BYE');
    const r = await exit;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('kvserver: shut down with 401 keys');
  });

  test('a client that half-closes gets every answer, then the end of the stream', async () => {
    const { port } = await serve(['run', '--tcplisten', '127.0.0.1:0', kvserver]);
    const { connect } = await import('node:net');
    const socket = connect({ port, host: '127.0.0.1' });
    socket.end('SET a 1\nGET a\nGET b\n');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d));
    await new Promise((resolve) => socket.on('end', resolve));
    expect(text).toBe('OK\nVALUE 1\nNOT_FOUND\n');
  });

  test('a stop into a snapshot keeps the data; on resume the old connections are reset and new ones are served', async () => {
    const dir = join(tmp, 'kv');
    const first = await serve(['run', '--tcplisten', '127.0.0.1:0', '--snapshot-dir', dir, '--stop-after', '3000000', kvserver]);
    const c = await KvClient.connect(first.port);
    let stored = 0;
    let failure: unknown;
    try {
      for (; stored < 100_000; stored++) expect(await c.request(`SET key${stored} value${stored}`)).toBe('OK');
    } catch (err) {
      failure = err;
    }
    // The process stopped the guest (exit 75) and with it closed the connection.
    expect(failure).toBeInstanceOf(KvError);
    const stopped = await first.exit;
    expect(stopped.code).toBe(75);
    expect(stored).toBeGreaterThan(10);

    const second = await serve(['resume', dir, '--tcplisten', '127.0.0.1:0']);
    const d = await KvClient.connect(second.port);
    for (const n of [0, Math.floor(stored / 2), stored - 1]) expect(await d.request(`GET key${n}`)).toBe(`VALUE value${n}`);
    expect(await d.request('SHUTDOWN')).toBe('BYE');
    expect((await second.exit).code).toBe(0);
  });

  test('a resumed guest that listens needs --tcplisten', async () => {
    const dir = join(tmp, 'needs-listen');
    const first = await serve(['run', '--tcplisten', '127.0.0.1:0', '--snapshot-dir', dir, '--stop-after', '1000000', kvserver]);
    const c = await KvClient.connect(first.port);
    await c.request('SET a b').then(() => c.pipeline(Array.from({ length: 20_000 }, () => 'GET a'))).catch(() => undefined);
    expect((await first.exit).code).toBe(75);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'resume', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/listens on a socket: give it one with --tcplisten HOST:PORT \[WASMOTION_ERR_USAGE\]/);
  });
});
