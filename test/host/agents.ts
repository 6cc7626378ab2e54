// Host agents in this process for the host tests: started on 127.0.0.1 port 0
// with one cluster secret, closed after each test, as is whatever a test
// hands to afterTest.
import { afterEach } from 'vitest';
import { HostAgent, type HostConfig } from '../../host-shim/host/agent.js';
import { moduleDigest } from '../../host-shim/snapshot/directory.js';

export const SECRET = Buffer.from('test cluster secret, 32 bytes..');

const agents: HostAgent[] = [];
const closers: (() => unknown)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const a of agents.splice(0)) await a.close();
});

/** Runs `close` after the test (servers, connections it opened). */
export function afterTest(close: () => unknown): void {
  closers.push(close);
}

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
