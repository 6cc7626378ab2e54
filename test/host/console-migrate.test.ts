// A guest's console history as it moves: its bytes keep their offsets from
// the guest's start on every host, a host holds the last part of it, the
// source sends it during pre-copy (so the switchover carries only the last
// lines, however long the history), and a host speaking the older protocol
// still takes and sends it whole.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { logsFollowing } from '../../host-shim/client/follow.js';
import { HostClient } from '../../host-shim/client/host-client.js';
import type { HostAgent } from '../../host-shim/host/agent.js';
import { MIN_CONSOLE_HISTORY } from '../../host-shim/host/console.js';
import { Msg, decodeConsole, type Frame } from '../../host-shim/migration/wire.js';
import { moduleDigest } from '../../host-shim/snapshot/directory.js';
import { afterTest, api, host, sleep } from './agents.js';
import { fakeDestination, readyWith } from './fake-destination.js';

const counter = join(import.meta.dirname, '..', '..', 'build', 'guests', 'counter.wasm');

/** Starts the counter guest, printing a line every `sleepMs` (0: as fast as it can), forever. */
async function startCounter(a: HostAgent, sleepMs: number): Promise<string> {
  const bytes = readFileSync(counter);
  await api(a.url, `/v1/modules/${moduleDigest(bytes)}`, { method: 'PUT', body: bytes });
  const started = await api(a.url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: moduleDigest(bytes), args: ['0', '64', String(sleepMs)] }) });
  expect(started.status).toBe(201);
  return started.body.id;
}

async function migrate(a: HostAgent, id: string, to: string): Promise<any> {
  const m = await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to, downtimeLimitMs: 50 }) });
  expect(m.status).toBe(202);
  const events = (await (await fetch(new URL(`/v1/migrations/${m.body.id}/events`, a.url))).text()).split('\n').filter((l) => l.trim());
  return JSON.parse(events[events.length - 1]);
}

/** The numbers of the counter's whole lines in `text` ("count N sum X"), skipping a cut line at its start. */
function lineNumbers(text: string, cutAtStart: boolean): number[] {
  const lines = text.split('\n').slice(cutAtStart ? 1 : 0, -1);
  return lines.map((line) => {
    const m = /^count (\d+) sum [0-9a-f]{8}$/.exec(line);
    if (!m) throw new Error(`not a counter line: ${JSON.stringify(line)}`);
    return Number(m[1]);
  });
}

/** The offset of line `n` in the counter's output: line k is "count k sum " and 8 hex digits and a newline. */
function lineOffset(n: number): number {
  let at = 0;
  for (let k = 1; k < n; k++) at += 'count  sum 12345678\n'.length + String(k).length;
  return at;
}

/** Whether `numbers` run on one by one. */
const consecutive = (numbers: number[]) => numbers.every((n, i) => i === 0 || n === numbers[i - 1] + 1);

/** The guest's output on `url` from byte `from`: where it starts, and the bytes. */
async function logsFrom(url: string, id: string, from: number): Promise<{ at: number; text: string }> {
  const res = await fetch(new URL(`/v1/guests/${id}/logs?from=${from}`, url));
  return { at: Number(res.headers.get('x-wasmotion-log-offset')), text: await res.text() };
}

describe.skipIf(!existsSync(counter))('console history across migrations', () => {
  test('a host holds the last part of the output; offsets stay those of the guest\'s start on the next host, and a follower sees every line once', async () => {
    const keep = MIN_CONSOLE_HISTORY;
    const a = await host('a', { consoleHistory: keep });
    const b = await host('b', { consoleHistory: keep });
    const id = await startCounter(a, 0);
    const text: string[] = [];
    const drops: [number, number][] = [];
    // Following from byte 0 once the host no longer holds it.
    for (let held = await logsFrom(a.url, id, 0); held.at === 0; held = await logsFrom(a.url, id, 0)) await sleep(20);
    const following = (async () => {
      for await (const chunk of logsFollowing(new HostClient(a.url), id, { follow: true, onDropped: (from, to) => drops.push([from, to]) })) {
        text.push(chunk.toString('latin1'));
        if (text.join('').length > 4 * keep) return;
      }
    })();
    await sleep(50);
    const last = await migrate(a, id, b.url);
    expect(last.state, JSON.stringify(last.error)).toBe('completed');
    await following;
    await api(b.url, `/v1/guests/${id}/stop`, { method: 'POST' });

    // The follower started where a's history did, and no line came twice or went missing after.
    expect(drops[0][0]).toBe(0);
    expect(drops[0][1]).toBeGreaterThan(0);
    expect(drops).toHaveLength(1);
    const numbers = lineNumbers(text.join(''), true);
    expect(numbers.length).toBeGreaterThan(1000);
    expect(consecutive(numbers)).toBe(true);

    // Offsets count from the guest's start on both hosts: each whole line starts where its number says.
    const whole = text.join('');
    expect(drops[0][1] + whole.indexOf('\n') + 1).toBe(lineOffset(numbers[0]));
    const onB = await logsFrom(b.url, id, 0);
    expect(onB.at).toBeGreaterThan(drops[0][1]);
    expect(onB.text.length).toBeLessThanOrEqual(keep);
    expect(onB.at + onB.text.indexOf('\n') + 1).toBe(lineOffset(lineNumbers(onB.text, true)[0]));
  });

  test('the source sends the history during pre-copy: the switchover carries only what was printed last', async () => {
    const a = await host('a');
    const id = await startCounter(a, 0);
    await sleep(500);
    const before = (await logsFrom(a.url, id, 0)).text.length;
    expect(before).toBeGreaterThan(100_000);
    const fake = await fakeDestination(readyWith({ ok: false, reason: 'a test destination' }));
    const last = await migrate(a, id, fake.url);
    expect(last.error.code).toBe('WASMOTION_ERR_MIGRATION_VERIFY');
    expect((await api(a.url, `/v1/guests/${id}`)).body.state).toBe('running');

    const switchover = fake.seen.findIndex((f) => f.type === Msg.Switchover);
    expect(switchover).toBeGreaterThan(0);
    const consoleFrames = (frames: Frame[]) => frames.filter((f) => f.type === Msg.Console).map((f) => decodeConsole(f.payload));
    const early = consoleFrames(fake.seen.slice(0, switchover));
    const late = consoleFrames(fake.seen.slice(switchover));
    const frames = [...early, ...late];
    // From the guest's first byte, one piece after the other.
    expect(frames[0].at).toBe(0);
    frames.forEach((f, i) => i > 0 && expect(f.at).toBe(frames[i - 1].at + frames[i - 1].bytes.length));
    const bytes = (fs: typeof frames) => fs.reduce((n, f) => n + f.bytes.length, 0);
    expect(bytes(early)).toBeGreaterThanOrEqual(before);
    expect(bytes(late)).toBeLessThan(bytes(early));
    expect(lineNumbers(Buffer.concat(frames.map((f) => f.bytes)).toString('latin1'), false)[0]).toBe(1);
  });

  test('to a host that speaks protocol 4, the source speaks 4: the whole history goes at the switchover, and nothing before', async () => {
    const a = await host('a');
    const id = await startCounter(a, 2);
    await sleep(200);
    const fake = await fakeDestination(readyWith({ ok: false, reason: 'a test destination' }), { protocol: 4 });
    const last = await migrate(a, id, fake.url);
    expect(last.error.code).toBe('WASMOTION_ERR_MIGRATION_VERIFY');
    const hello = JSON.parse(fake.seen[0].payload.toString());
    expect(hello.protocol).toBe(4);
    const switchover = fake.seen.findIndex((f) => f.type === Msg.Switchover);
    expect(fake.seen.slice(0, switchover).filter((f) => f.type === Msg.Console)).toEqual([]);
    const late = fake.seen.slice(switchover).filter((f) => f.type === Msg.Console);
    expect(late).toHaveLength(1);
    const numbers = lineNumbers(late[0].payload.toString('latin1'), false);
    expect(numbers[0]).toBe(1);
    expect(consecutive(numbers)).toBe(true);
  });

  test('a host takes a migration in protocol 4 from a source that speaks it, history and all', async () => {
    const a = await host('a');
    const b = await host('b');
    // b's host info, as a host of protocol 4 would give it: a's source then speaks 4 to b.
    const olderB = await rewritingProxy(b.url, (info) => ({ ...info, migration: { ...info.migration, protocol: 4 } }));
    const id = await startCounter(a, 2);
    await sleep(200);
    const last = await migrate(a, id, olderB);
    expect(last.state, JSON.stringify(last.error)).toBe('completed');
    await sleep(100);
    await api(b.url, `/v1/guests/${id}/stop`, { method: 'POST' });
    const onB = await logsFrom(b.url, id, 0);
    expect(onB.at).toBe(0);
    const numbers = lineNumbers(onB.text, false);
    expect(numbers[0]).toBe(1);
    expect(numbers.length).toBeGreaterThan(50);
    expect(consecutive(numbers)).toBe(true);
  });
});

/** An HTTP proxy to `target` that passes GET /v1/host's answer through `change`. */
async function rewritingProxy(target: string, change: (info: any) => unknown): Promise<string> {
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const upstream = await fetch(new URL(req.url!, target), { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, body: chunks.length ? Buffer.concat(chunks) : undefined });
    let body = Buffer.from(await upstream.arrayBuffer());
    if (req.url === '/v1/host') body = Buffer.from(JSON.stringify(change(JSON.parse(body.toString()))));
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterTest(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
