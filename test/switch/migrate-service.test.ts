// A key-value guest published on the virtual switch keeps serving while it
// migrates back and forth between three hosts: persistent connections keep
// going, new ones keep coming, and no request fails, no connection resets,
// no answer is lost or doubled.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { HostAgent } from '../../host-shim/host/agent.js';
import { VirtualSwitch } from '../../host-shim/switch/switch.js';
import { KvClient } from '../../tools/bench-service/kv-client.js';
import { SECRET, api, host, sleep, start } from '../host/agents.js';

const kvserver = join(import.meta.dirname, '..', '..', 'build', 'guests', 'kvserver.wasm');
const switches: VirtualSwitch[] = [];

afterEach(async () => {
  for (const sw of switches.splice(0)) await sw.close();
});

/** A switch and `hosts` host agents attached to it. */
async function cluster(hosts: number): Promise<{ sw: VirtualSwitch; agents: HostAgent[] }> {
  const sw = await VirtualSwitch.start({ host: '127.0.0.1', port: 0, secret: SECRET });
  switches.push(sw);
  const [address, port] = sw.endpoint.split(':');
  const agents: HostAgent[] = [];
  for (let i = 0; i < hosts; i++) agents.push(await host(`h${i}`, { switch: { host: address, port: Number(port) } }));
  return { sw, agents };
}

function startKv(a: HostAgent, listen: number): Promise<{ status: number; body: any }> {
  return start(a, readFileSync(kvserver), { listen });
}

async function migrate(from: HostAgent, to: HostAgent, id: string): Promise<any> {
  const m = await api(from.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: to.url }) });
  expect(m.status).toBe(202);
  const res = await fetch(new URL(`/v1/migrations/${m.body.id}/events`, from.url));
  const events = (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  return events[events.length - 1];
}

/**
 * Clients of the kvserver guest that check every answer: persistent
 * connections in lockstep, new connections at a steady pace, and pipelined
 * batches of large values (bytes in flight both ways at any moment).
 */
class Load {
  requests = 0;
  readonly failures: string[] = [];
  private stop = false;
  private readonly running: Promise<void>[];

  constructor(private readonly port: number) {
    this.running = [...Array.from({ length: 4 }, (_, n) => this.persistent(n)), this.churn(), this.bulk()];
  }

  async past(requests: number): Promise<void> {
    while (this.requests < requests && this.failures.length === 0) await sleep(20);
  }

  async end(): Promise<void> {
    this.stop = true;
    await Promise.all(this.running);
  }

  private async persistent(n: number): Promise<void> {
    const c = await KvClient.connect(this.port);
    for (let i = 0; !this.stop; i++) {
      const key = `p${n}-${i % 50}`;
      try {
        const set = await c.request(`SET ${key} ${i}`);
        const got = await c.request(`GET ${key}`);
        this.requests += 2;
        if (set !== 'OK' || got !== `VALUE ${i}`) this.failures.push(`${key}: ${set} / ${got}`);
      } catch (err) {
        this.failures.push(`${key}: ${(err as Error).message}`);
        return;
      }
    }
    await c.quit();
  }

  private async churn(): Promise<void> {
    for (let i = 0; !this.stop; i++) {
      try {
        const c = await KvClient.connect(this.port);
        const answers = await c.pipeline([`SET c${i} v${i}`, `GET c${i}`, `DEL c${i}`]);
        this.requests += 3;
        if (answers.join('|') !== `OK|VALUE v${i}|DELETED`) this.failures.push(`churn ${i}: ${answers.join('|')}`);
        await c.quit();
      } catch (err) {
        this.failures.push(`churn ${i}: ${(err as Error).message}`);
      }
      await sleep(10);
    }
  }

  private async bulk(): Promise<void> {
    const c = await KvClient.connect(this.port);
    const value = (i: number) => `${i}:`.padEnd(4000, 'x');
    for (let i = 0; !this.stop; i++) {
      const lines = Array.from({ length: 40 }, (_, k) => (k % 2 ? `GET b${k >> 1}` : `SET b${k >> 1} ${value(i)}`));
      try {
        const answers = await c.pipeline(lines);
        this.requests += lines.length;
        answers.forEach((a, k) => {
          if (a !== (k % 2 ? `VALUE ${value(i)}` : 'OK')) this.failures.push(`bulk ${i}/${k}: ${a.slice(0, 40)}`);
        });
      } catch (err) {
        this.failures.push(`bulk ${i}: ${(err as Error).message}`);
        return;
      }
    }
    await c.quit();
  }
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

    const load = new Load(port);
    await load.past(200);
    const path = [0, 1, 2, 0, 1, 0];
    for (let i = 0; i + 1 < path.length; i++) {
      const before = load.requests;
      const last = await migrate(agents[path[i]], agents[path[i + 1]], id);
      expect(last.state, JSON.stringify(last.error)).toBe('completed');
      // The guest attaches to the switch from its new host as soon as it runs there.
      let info = (await api(agents[path[i + 1]].url, `/v1/guests/${id}`)).body;
      for (let t = 0; t < 100 && !info.service; t++) {
        await sleep(20);
        info = (await api(agents[path[i + 1]].url, `/v1/guests/${id}`)).body;
      }
      expect(info.state).toBe('running');
      expect(info.service.port).toBe(port);
      // The guest serves from its new host before the next move.
      await load.past(before + 50);
    }
    await load.end();
    expect(load.failures).toEqual([]);
    expect(load.requests).toBeGreaterThan(500);

    // Stopping the guest takes its service off the switch.
    await api(agents[0].url, `/v1/guests/${id}/stop`, { method: 'POST' });
    for (let i = 0; i < 100 && sw.services.has(id); i++) await sleep(20);
    expect(sw.services.has(id)).toBe(false);
  }, 120_000);

  test('a migration that fails after the checkpoint leaves the service running on the source, every connection intact', async () => {
    const { agents } = await cluster(3);
    const started = await startKv(agents[0], 0);
    const id = started.body.id;
    const load = new Load(started.body.service.port);
    await load.past(200);
    // The destination takes the guest's checkpoint, then refuses to start it after GO: the source
    // is in doubt, fences the destination, and resumes the guest, whose sockets were frozen meanwhile.
    const service = agents[1].migrations as unknown as { destinationHost: () => { fenced: (id: string) => boolean } };
    const original = service.destinationHost;
    service.destinationHost = () => ({ ...original.call(agents[1].migrations), fenced: () => true });
    const failed = await migrate(agents[0], agents[1], id);
    service.destinationHost = original;
    expect(failed.state).toBe('failed');
    expect((await api(agents[0].url, `/v1/guests/${id}`)).body.state).toBe('running');
    expect((await api(agents[1].url, `/v1/guests/${id}`)).status).toBe(404);
    let before = load.requests;
    await load.past(before + 100);
    // And it still moves when nothing gets in the way (to another host: the first keeps its fence on this guest).
    before = load.requests;
    const moved = await migrate(agents[0], agents[2], id);
    expect(moved.state, JSON.stringify(moved.error)).toBe('completed');
    await load.past(before + 100);
    await load.end();
    expect(load.failures).toEqual([]);
  }, 120_000);

  test('a port already taken is refused at start; a destination without the switch is refused before anything moves', async () => {
    const { agents } = await cluster(1);
    const first = await startKv(agents[0], 0);
    const taken = await startKv(agents[0], first.body.service.port);
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('WASMOTION_ERR_SWITCH_PORT');
    expect((await api(agents[0].url, '/v1/guests')).body.filter((g: any) => g.state === 'running')).toHaveLength(1);
    const loner = await host('loner');
    const last = await migrate(agents[0], loner, first.body.id);
    expect(last.state).toBe('failed');
    expect(last.error.code).toBe('WASMOTION_ERR_MIGRATION_SWITCH');
    const c = await KvClient.connect(first.body.service.port);
    expect(await c.request('COUNT')).toBe('COUNT 0');
    await c.quit();
  }, 60_000);
});
