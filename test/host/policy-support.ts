// Host agents in this process and small guests for the resource policy tests.
import { afterEach } from 'vitest';
import { HostAgent, type HostConfig } from '../../host-shim/host/agent.js';
import { moduleDigest } from '../../host-shim/snapshot/directory.js';
import { wat } from '../support/wat.js';

/** Spins forever, counting in a global: CPU-bound, one page of memory (so it can migrate). */
export const BUSY = wat(`(module
  (memory (export "memory") 1)
  (global $n (mut i64) (i64.const 0))
  (func (export "_start")
    (loop $spin
      (global.set $n (i64.add (global.get $n) (i64.const 1)))
      (br $spin))))`);

/** Sleeps an hour at a time in poll_oneoff, forever: a guest that is idle. */
export const SLEEPER = wat(`(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; One subscription at 0: tag 0 (clock) at 8, clock id 1 (monotonic) at 16, timeout at 24.
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 3600000000000))
    (loop $sleep
      (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
      (br $sleep))))`);

/** Grows its memory by 4 pages and exits with memory.grow's answer + 1: 0 if refused. */
export const GROWER = wat(`(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $exit (i32.add (memory.grow (i32.const 4)) (i32.const 1)))))`);

export const SECRET = Buffer.from('test cluster secret, 32 bytes..');

const agents: HostAgent[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
});

export async function host(name: string, extra: Partial<HostConfig> = {}): Promise<HostAgent> {
  const a = await HostAgent.start({ name, host: '127.0.0.1', port: 0, secret: SECRET, ...extra });
  agents.push(a);
  return a;
}

export async function api(base: string, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, base), init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Uploads the module if needed and asks for a guest; the answer as it came. */
export async function start(a: HostAgent, bytes: Uint8Array, fields: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
  const digest = moduleDigest(bytes);
  if (!a.modules.has(digest)) await api(a.url, `/v1/modules/${digest}`, { method: 'PUT', body: bytes });
  return api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: digest, ...fields }) });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
