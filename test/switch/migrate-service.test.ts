// A key-value guest published on the virtual switch keeps serving while it
// migrates back and forth between three hosts: persistent connections keep
// going, new ones keep coming, and no request fails, no connection resets,
// no answer is lost or doubled.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { HostAgent } from '../../host-shim/host/agent.js';
import { moduleDigest } from '../../host-shim/snapshot/directory.js';
import { VirtualSwitch } from '../../host-shim/switch/switch.js';
import { KvClient } from '../../tools/bench-service/kv-client.js';

const kvserver = join(import.meta.dirname, '..', '..', 'build', 'guests', 'kvserver.wasm');
const secret = Buffer.from('test cluster secret, 32 bytes..');
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function api(base: string, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, base), init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function cluster(hosts: number): Promise<{ sw: VirtualSwitch; agents: HostAgent[] }> {
  const sw = await VirtualSwitch.start({ host: '127.0.0.1', port: 0, secret });
  closers.push(() => sw.close());
  const [host, port] = sw.endpoint.split(':');
  const agents: HostAgent[] = [];
  for (let i = 0; i < hosts; i++) {
    const a = await HostAgent.start({ name: `h${i}`, host: '127.0.0.1', port: 0, secret, switch: { host, port: Number(port) } });
    closers.push(() => a.close());
    agents.push(a);
  }
  return { sw, agents };
}

async function startKv(a: HostAgent, listen: number): Promise<{ status: number; body: any }> {
  const bytes = readFileSync(kvserver);
  const digest = moduleDigest(bytes);
  await api(a.url, `/v1/modules/${digest}`, { method: 'PUT', body: bytes });
  return api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: digest, listen }) });
}

async function migrate(from: HostAgent, to: HostAgent, id: string): Promise<any> {
  const m = await api(from.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: to.url }) });
  expect(m.status).toBe(202);
  const res = await fetch(new URL(`/v1/migrations/${m.body.id}/events`, from.url));
  const events = (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  return events[events.length - 1];
}

describe.skipIf(!existsSync(kvserver))('a guest service on the virtual switch', () => {
  test('published at a stable address, it serves across migrations back and forth with nothing lost, doubled or reset', async () => {
    const { sw, agents } = await cluster(3);
    const started = await startKv(agents[0], 0);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = started.body.id;
    const port = started.body.service.port;
    expect(started.body.service.address).toBe(`127.0.0.1:${port}`);
    expect(sw.services.get(id)?.port).toBe(port);

    let stop = false;
    let requests = 0;
    const failures: string[] = [];
    // Persistent clients: each keeps its own keys and checks every answer.
    const persistent = async (n: number) => {
      const c = await KvClient.connect(port);
      for (let i = 0; !stop; i++) {
        const key = `p${n}-${i % 50}`;
        try {
          const set = await c.request(`SET ${key} ${i}`);
          const got = await c.request(`GET ${key}`);
          requests += 2;
          if (set !== 'OK' || got !== `VALUE ${i}`) failures.push(`${key}: ${set} / ${got}`);
        } catch (err) {
          failures.push(`${key}: ${(err as Error).message}`);
          return;
        }
      }
      await c.quit();
    };
    // New connections at a steady pace: connect, a few requests, quit.
    const churn = async () => {
      for (let i = 0; !stop; i++) {
        try {
          const c = await KvClient.connect(port);
          const answers = await c.pipeline([`SET c${i} v${i}`, `GET c${i}`, `DEL c${i}`]);
          requests += 3;
          if (answers.join('|') !== `OK|VALUE v${i}|DELETED`) failures.push(`churn ${i}: ${answers.join('|')}`);
          await c.quit();
        } catch (err) {
          failures.push(`churn ${i}: ${(err as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const load = [...Array.from({ length: 4 }, (_, n) => persistent(n)), churn()];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const path = [0, 1, 2, 0, 1, 0];
    for (let i = 0; i + 1 < path.length; i++) {
      const before = requests;
      const last = await migrate(agents[path[i]], agents[path[i + 1]], id);
      expect(last.state, JSON.stringify(last.error)).toBe('completed');
      // The guest attaches to the switch from its new host as soon as it runs there.
      let info = (await api(agents[path[i + 1]].url, `/v1/guests/${id}`)).body;
      for (let t = 0; t < 100 && !info.service; t++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        info = (await api(agents[path[i + 1]].url, `/v1/guests/${id}`)).body;
      }
      expect(info.state).toBe('running');
      expect(info.service.port).toBe(port);
      // The guest serves from its new host before the next move.
      while (requests < before + 50) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    stop = true;
    await Promise.all(load);
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(500);

    // Stopping the guest takes its service off the switch.
    await api(agents[0].url, `/v1/guests/${id}/stop`, { method: 'POST' });
    for (let i = 0; i < 100 && sw.services.has(id); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sw.services.has(id)).toBe(false);
  }, 120_000);
});
