/**
 * The host agent calls the migration benchmarks make: plain HTTP against the
 * documented API (docs/host-api.md), as an operator's script would.
 */
import type { HostAgent } from '../../host-shim/host/agent.js';

/** The JSON answer of a request to `base`; a status of 400 or more throws with the body. */
export async function api(base: string, path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(new URL(path, base), init);
  const body = await res.text();
  if (res.status >= 400) throw new Error(`${path}: ${res.status} ${body}`);
  return body ? JSON.parse(body) : null;
}

/** Resolves once guest `id`'s console holds `text`; throws after `timeoutMs`. */
export async function waitForOutput(base: string, id: string, text: string, timeoutMs = 30_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
    const logs = await (await fetch(new URL(`/v1/guests/${id}/logs`, base))).text();
    if (logs.includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`guest ${id} never printed ${JSON.stringify(text)}`);
}

/** Migrates guest `id` from `from` to `to` with `options` (downtimeLimitMs, compress) and returns the migration's last event. */
export async function migrate(from: HostAgent, to: HostAgent, id: string, options: { downtimeLimitMs: number; compress?: boolean }): Promise<any> {
  const m = await api(from.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: to.url, ...options }) });
  const text = await (await fetch(new URL(`/v1/migrations/${m.id}/events`, from.url))).text();
  return text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).at(-1);
}
