// The failure contract of live migration, under cut connections: a cut at any
// point of the protocol (every direction, from the first bytes to the last)
// leaves the guest running on exactly one host, with its console output
// complete, no line missing and none repeated.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HostAgent } from '../../host-shim/host/agent.js';
import { moduleDigest } from '../../host-shim/snapshot/directory.js';
import { runWasi } from '../../host-shim/wasi/run.js';
import { LinkProxy } from '../../tools/link/proxy.js';

const counter = join(import.meta.dirname, '..', '..', 'build', 'guests', 'counter.wasm');
const secret = Buffer.from('fault injection cluster secret!!');
const ARGS = ['0', '256', '3'];

async function api(base: string, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, base), init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function logs(base: string, id: string): Promise<string> {
  return (await fetch(new URL(`/v1/guests/${id}/logs`, base))).text();
}

describe.skipIf(!existsSync(counter))('migration failure contract under cut connections', () => {
  const bytes = existsSync(counter) ? readFileSync(counter) : new Uint8Array();
  let a: HostAgent;
  let b: HostAgent;
  let proxy: LinkProxy;
  let expectedLines: string[];

  /** What the counter prints with a `kib` buffer, as a reference run sees it. */
  async function reference(kib: string): Promise<string[]> {
    const out: Buffer[] = [];
    await runWasi(bytes, { programName: 'guest.wasm', args: ['3000', kib, '0'], stdout: (c) => out.push(Buffer.from(c)) });
    return Buffer.concat(out).toString().trim().split('\n');
  }

  beforeAll(async () => {
    expectedLines = await reference(ARGS[1]);
    a = await HostAgent.start({ name: 'a', host: '127.0.0.1', port: 0, secret });
    b = await HostAgent.start({ name: 'b', host: '127.0.0.1', port: 0, secret });
    const real = b.migrations.endpoint()!;
    proxy = new LinkProxy({ target: { host: real.host, port: real.port } });
    const via = await proxy.listen();
    // The source reaches b's migration listener only through the proxy.
    b.migrations.advertise({ host: via.host, port: via.port });
    await api(a.url, `/v1/modules/${moduleDigest(bytes)}`, { method: 'PUT', body: bytes });
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await a?.close();
    await b?.close();
  });

  /** The log is a prefix of the reference run: every line in order, none missing, none twice. */
  function checkContinuous(text: string, expected = expectedLines): number {
    if (text.trim() === '') return 0;
    const lines = text.trim().split('\n');
    expect(lines).toEqual(expected.slice(0, lines.length));
    return lines.length;
  }

  async function migrateWithCut(
    cut: { bytes: number; direction: 'up' | 'down' } | null,
    args = ARGS,
    expected = expectedLines,
  ): Promise<{ final: any; up: number; down: number }> {
    const guest = (await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: moduleDigest(bytes), args }) })).body;
    await new Promise((resolve) => setTimeout(resolve, 60));
    let up = 0;
    let down = 0;
    const onClose = (e: { bytes: Record<'up' | 'down', number> }) => {
      up += e.bytes.up;
      down += e.bytes.down;
    };
    proxy.on('close', onClose);
    if (cut) proxy.cutAfterBytes(cut.bytes, cut.direction);
    const m = (await api(a.url, `/v1/guests/${guest.id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) })).body;
    const events = (await (await fetch(new URL(`/v1/migrations/${m.id}/events`, a.url))).text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    const final = events[events.length - 1];
    await new Promise((resolve) => setTimeout(resolve, 80));
    proxy.off('close', onClose);
    proxy.heal();

    const onA = (await api(a.url, `/v1/guests/${guest.id}`)).body;
    const onB = await api(b.url, `/v1/guests/${guest.id}`);
    const runningOnB = onB.status === 200 && onB.body.state === 'running';
    // Exactly one host runs the guest.
    expect([onA.state === 'running', runningOnB].filter(Boolean)).toHaveLength(1);
    if (final.state === 'completed') expect(onA.state).toBe('migrated');
    else expect(onA.state).toBe('running');
    const home = runningOnB ? b.url : a.url;
    const before = checkContinuous(await logs(home, guest.id), expected);
    // It keeps running and printing where it is.
    let after = before;
    for (let i = 0; i < 100 && after <= before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      after = checkContinuous(await logs(home, guest.id), expected);
    }
    expect(after).toBeGreaterThan(before);
    await api(home, `/v1/guests/${guest.id}/stop`, { method: 'POST' });
    return { final, up, down };
  }

  test('a cut at any point leaves the guest running on one host with its output whole', async () => {
    const clean = await migrateWithCut(null);
    expect(clean.final.state).toBe('completed');
    expect(clean.up).toBeGreaterThan(0);
    const cuts: { bytes: number; direction: 'up' | 'down' }[] = [
      ...[0.0005, 0.01, 0.2, 0.6, 0.95, 0.999].map((f) => ({ bytes: Math.max(1, Math.floor(clean.up * f)), direction: 'up' as const })),
      { bytes: Math.max(1, clean.up - 40), direction: 'up' },
      ...[20, 200, Math.max(1, clean.down - 60), Math.max(1, clean.down - 20)].map((n) => ({ bytes: n, direction: 'down' as const })),
    ];
    const outcomes: string[] = [];
    for (const cut of cuts) outcomes.push(`${cut.direction}@${cut.bytes}: ${(await migrateWithCut(cut)).final.state}`);
    console.log(`clean run: ${clean.up} bytes up, ${clean.down} down; cuts: ${outcomes.join(', ')}`);
    // Cuts early in the stream (handshake, first round) come before any switchover: those migrations fail.
    // Later ones may fail or complete depending on timing; either way the checks above held.
    for (const o of outcomes.slice(0, 3)) expect(o).toMatch(/: failed$/);
  }, 120_000);

  test('a guest migrates over a slow link (100 Mbit/s, 5 ms each way) with its output whole', async () => {
    proxy.setLimits({ bytesPerSecond: 100e6 / 8, latencyMs: 5 });
    try {
      const { final } = await migrateWithCut(null);
      expect(final.state).toBe('completed');
      // The link's latency is in the switchover: at least two one-way trips (STATE, READY, GO, STARTED).
      expect(final.downtimeMs).toBeGreaterThanOrEqual(10);
      // Bandwidth is measured by the destination's acknowledgements: the link's, not the socket buffers'.
      // Socket buffers would swallow this guest's few hundred KiB at once (hundreds of MB/s); the
      // link's token bucket lets each round start with a 20 ms burst, which over rounds of a few
      // tens of milliseconds can near double the rate: 3x keeps the two cases apart.
      expect(final.throughput).toBeLessThan((100e6 / 8) * 3);
    } finally {
      proxy.setLimits({ bytesPerSecond: null, latencyMs: 0 });
    }
  }, 60_000);

  test('a STARTED lost after GO leaves the source in doubt; fencing finds the guest at the destination', async () => {
    // The link dies the moment the destination adopts the guest: STARTED never arrives.
    const service = b.migrations as unknown as { destinationHost: () => { adopt: (g: unknown) => void } };
    const original = service.destinationHost;
    service.destinationHost = () => {
      const h = original.call(b.migrations);
      return { ...h, adopt: (g: unknown) => (h.adopt(g), proxy.cut()) };
    };
    try {
      const guest = (await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: moduleDigest(bytes), args: ARGS }) })).body;
      const m = (await api(a.url, `/v1/guests/${guest.id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) })).body;
      const events = (await (await fetch(new URL(`/v1/migrations/${m.id}/events`, a.url))).text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
      const final = events[events.length - 1];
      expect(final.state, JSON.stringify(final.error)).toBe('completed');
      expect((await api(a.url, `/v1/guests/${guest.id}`)).body.state).toBe('migrated');
      expect((await api(b.url, `/v1/guests/${guest.id}`)).body.state).toBe('running');
      checkContinuous(await logs(b.url, guest.id));
      await api(b.url, `/v1/guests/${guest.id}/stop`, { method: 'POST' });
    } finally {
      service.destinationHost = original;
      proxy.heal();
    }
  }, 60_000);

  test('a fence binds only a migration under way: the guest migrates to that host later', async () => {
    const guest = (await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: moduleDigest(bytes), args: ARGS }) })).body;
    // A source in doubt whose attempt already ended on the destination fences a guest nothing there can start.
    expect((await api(b.url, `/v1/guests/${guest.id}/fence`, { method: 'POST' })).body.state).toBe('fenced');
    const m = (await api(a.url, `/v1/guests/${guest.id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) })).body;
    const events = (await (await fetch(new URL(`/v1/migrations/${m.id}/events`, a.url))).text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    const final = events[events.length - 1];
    expect(final.state, JSON.stringify(final.error)).toBe('completed');
    expect((await api(b.url, `/v1/guests/${guest.id}`)).body.state).toBe('running');
    await api(b.url, `/v1/guests/${guest.id}/stop`, { method: 'POST' });
  }, 60_000);

  test('a guest that exits during pre-copy ends the migration with a clear error and stays exited at the source', async () => {
    // 40 lines 5 ms apart end well before 256 KiB/s carries the first round.
    const guest = (await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: moduleDigest(bytes), args: ['40', '256', '5'] }) })).body;
    proxy.setLimits({ bytesPerSecond: 256 * 1024 });
    try {
      const m = (await api(a.url, `/v1/guests/${guest.id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) })).body;
      const events = (await (await fetch(new URL(`/v1/migrations/${m.id}/events`, a.url))).text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
      const final = events[events.length - 1];
      expect(final.state).toBe('failed');
      expect(final.error.code).toBe('WASMOTION_ERR_MIGRATION_GUEST_ENDED');
    } finally {
      proxy.setLimits({ bytesPerSecond: null });
    }
    const onA = (await api(a.url, `/v1/guests/${guest.id}`)).body;
    expect(onA.state).toBe('exited');
    expect(onA.exitCode).toBe(0);
    expect(checkContinuous(await logs(a.url, guest.id))).toBe(40);
    expect((await api(b.url, `/v1/guests/${guest.id}`)).status).toBe(404);
  }, 60_000);

  test('a cancelled migration leaves the guest running at the source', async () => {
    const guest = (await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: moduleDigest(bytes), args: ARGS }) })).body;
    proxy.setLimits({ bytesPerSecond: 256 * 1024 });
    try {
      const m = (await api(a.url, `/v1/guests/${guest.id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) })).body;
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect((await api(a.url, `/v1/migrations/${m.id}/cancel`, { method: 'POST' })).status).toBe(200);
      const events = (await (await fetch(new URL(`/v1/migrations/${m.id}/events`, a.url))).text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
      expect(events[events.length - 1].state).toBe('cancelled');
    } finally {
      proxy.setLimits({ bytesPerSecond: null });
    }
    expect((await api(a.url, `/v1/guests/${guest.id}`)).body.state).toBe('running');
    checkContinuous(await logs(a.url, guest.id));
    await api(a.url, `/v1/guests/${guest.id}/stop`, { method: 'POST' });
  }, 60_000);
});
