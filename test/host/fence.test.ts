// Fencing, as a migration source in doubt asks it (GO sent, STARTED lost):
// the destination says whether the guest runs there, ran there since that
// very migration brought it, or never will run there from it.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HostClient } from '../../host-shim/client/host-client.js';
import { HostAgent } from '../../host-shim/host/agent.js';
import { root, until } from '../support/processes.js';

const counterPath = join(root, 'build', 'guests', 'counter.wasm');

describe.skipIf(!existsSync(counterPath))('fencing a guest', () => {
  const secret = randomBytes(32);
  let a: HostAgent;
  let b: HostAgent;

  beforeAll(async () => {
    a = await HostAgent.start({ name: 'a', host: '127.0.0.1', port: 0, secret });
    b = await HostAgent.start({ name: 'b', host: '127.0.0.1', port: 0, secret });
  }, 30_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  async function fence(host: HostAgent, id: string, body: unknown): Promise<{ state: string; adopted?: boolean }> {
    const res = await fetch(`${host.url}/v1/guests/${id}/fence`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as { state: string; adopted?: boolean };
  }

  async function move(from: HostAgent, to: HostAgent, id: string): Promise<string> {
    const client = new HostClient(from.url);
    const m = await client.migrate(id, { to: to.url });
    const done = await until('the migration ends', async () => {
      const e = await client.migration(m.id);
      return e.state === 'completed' || e.state === 'failed' ? e : undefined;
    });
    expect(done.state).toBe('completed');
    return m.id;
  }

  test('running, adopted by that migration and ended since, or only from an earlier stay', async () => {
    const guest = await new HostClient(a.url).startGuest({ module: readFileSync(counterPath), args: ['0', '64', '5'] });
    const there = await move(a, b, guest.id);
    expect(await fence(b, guest.id, { migration: there })).toEqual({ state: 'running' });
    const back = await move(b, a, guest.id);
    // b holds the guest only from its earlier stay: whichever migration asks, b does not run it.
    expect(await fence(b, guest.id, { migration: 'm-another' })).toEqual({ state: 'fenced' });
    expect(await fence(b, guest.id, {})).toEqual({ state: 'fenced' });
    // The migration that brought it to b finds it ran there (and moved on): the source must not resume it.
    expect(await fence(b, guest.id, { migration: there })).toEqual({ state: 'migrated', adopted: true });
    // a runs it again, by the migration back; stopped, it still ran there by that migration.
    await new HostClient(a.url).stop(guest.id);
    expect(await fence(a, guest.id, { migration: back })).toEqual({ state: 'stopped', adopted: true });
    expect((await fetch(`${a.url}/v1/guests/${guest.id}/fence`, { method: 'POST', body: '{"migration": 7}' })).status).toBe(400);
  }, 60_000);
});
