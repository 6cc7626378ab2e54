/**
 * The host API commands end to end: `node bin/wasmotion.js` (the built CLI)
 * against a fake host agent in this process. Spawned asynchronously, since
 * the fake must keep answering while the CLI runs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sha256Hex } from '../../host-shim/client/index.js';
import { FakeHost } from './fake-host.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'wasmotion.js');
const tmp = mkdtempSync(join(tmpdir(), 'wasmotion-client-cli-'));
const guestPath = join(tmp, 'guest.wasm');
const MODULE = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x2a]);
writeFileSync(guestPath, MODULE);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function wasmotion(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, WASMOTION_HOST: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  /** Resolves once stdout holds `text`. */
  const printed = async (text: string) => {
    for (let i = 0; i < 200 && !stdout.includes(text); i++) await new Promise((r) => setTimeout(r, 10));
    expect(stdout).toContain(text);
  };
  return { done, printed, child };
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const run = (args: string[], env?: Record<string, string>) => wasmotion(args, env).done;

let a: FakeHost;
let b: FakeHost;
beforeAll(async () => {
  [a, b] = await Promise.all([FakeHost.start(), FakeHost.start()]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

describe('wasmotion guest', () => {
  test('start uploads the module once and prints the new guest\'s id', async () => {
    const first = await run(['guest', 'start', '--host', a.url, '--env', 'K=v', '--name', 'web', guestPath, '--', 'one', '--two']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const id = first.stdout.trim();
    expect(a.guests.get(id)?.info).toMatchObject({ name: 'web', args: ['one', '--two'], module: sha256Hex(MODULE) });
    expect(a.guests.get(id)?.env).toEqual({ K: 'v' });

    const second = await run(['guest', 'start', '--json', guestPath], { WASMOTION_HOST: a.url });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ state: 'running', module: sha256Hex(MODULE) });
    expect(a.count(`PUT /v1/modules/${sha256Hex(MODULE)}`)).toBe(1);
  });

  test('list and info, as text and as JSON lines', async () => {
    const g = a.addGuest({ name: 'listed', exitCode: null });
    const list = await run(['guest', 'list', '--host', a.url]);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATE\s+EXIT\s+MEMORY\s+MODULE$/);
    expect(list.stdout).toMatch(new RegExp(`^${g.id}\\s+listed\\s+running\\s+-\\s+128\\.0 KiB\\s+0{12}$`, 'm'));

    const json = await run(['guest', 'list', '--host', a.url, '--json']);
    const lines = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(a.guests.size);
    expect(lines.find((l) => l.id === g.id)).toMatchObject({ name: 'listed', state: 'running' });

    const info = await run(['guest', 'info', g.id, '--host', a.url]);
    expect(info.stdout).toMatch(/^state\s+running$/m);
    expect(info.stdout).toMatch(/^memory\s+128\.0 KiB$/m);
    const infoJson = await run(['guest', 'info', g.id, '--host', a.url, '--json']);
    expect(JSON.parse(infoJson.stdout)).toEqual(a.guests.get(g.id)!.info);
  });

  test('stop prints the new state', async () => {
    const g = a.addGuest();
    const r = await run(['guest', 'stop', g.id, '--host', a.url]);
    expect(r.stdout).toBe(`${g.id} stopped\n`);
    expect(a.guests.get(g.id)!.info.state).toBe('stopped');
  });

  test('logs -f streams the console bytes as they come until the guest ends', async () => {
    const g = a.addGuest({}, [Buffer.from('first\n')]);
    const cli = wasmotion(['guest', 'logs', '-f', g.id, '--host', a.url]);
    await cli.printed('first\n');
    a.write(g.id, 'second\n');
    await cli.printed('second\n');
    a.finish(g.id, { state: 'exited', exitCode: 0 });
    const r = await cli.done;
    expect(r).toEqual({ code: 0, stdout: 'first\nsecond\n', stderr: '' });
  });

  test('logs --json gives the output as JSON lines, whole characters in each', async () => {
    const g = a.addGuest({}, [Buffer.from('caf'), Buffer.from([0xc3]), Buffer.from([0xa9, 0x0a])]);
    const r = await run(['guest', 'logs', g.id, '--host', a.url, '--json']);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.every((l) => l.guest === g.id)).toBe(true);
    expect(lines.map((l) => l.output).join('')).toBe('café\n');
  });

  test('logs name output the host no longer holds: on stderr, and with --json in a line of its own', async () => {
    a.holdsFrom = 4;
    const g = a.addGuest({}, [Buffer.from('old new\n')]);
    const plain = await run(['guest', 'logs', g.id, '--host', a.url]);
    expect(plain.stdout).toBe('new\n');
    expect(plain.stderr).toMatch(/no longer holds its output from byte 0 to 4/);
    const json = await run(['guest', 'logs', g.id, '--host', a.url, '--json']);
    expect(json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual([
      { guest: g.id, dropped: { from: 0, to: 4 } },
      { guest: g.id, output: 'new\n' },
    ]);
    a.holdsFrom = 0;
  });

  test('wait exits with the guest\'s code, following it to the host it migrated to', async () => {
    const g = a.addGuest();
    const waiting = run(['guest', 'wait', g.id, '--host', a.url]);
    setTimeout(() => a.finish(g.id, { state: 'exited', exitCode: 7 }), 100);
    expect(await waiting).toEqual({ code: 7, stdout: '', stderr: '' });

    const moving = a.addGuest();
    const following = run(['guest', 'wait', moving.id, '--host', a.url, '--json']);
    setTimeout(() => a.moveTo(moving.id, b), 100);
    setTimeout(() => b.finish(moving.id, { state: 'exited', exitCode: 3 }), 300);
    const r = await following;
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: moving.id, state: 'exited', exitCode: 3 });
  });

  test('wait on a trapped guest exits with 134 and says why', async () => {
    const g = a.addGuest();
    a.finish(g.id, { state: 'trapped', error: { code: 'WASMOTION_ERR_TRAP', message: 'integer divide by zero' } });
    const r = await run(['guest', 'wait', g.id, '--host', a.url]);
    expect(r.code).toBe(134);
    expect(r.stderr).toBe(`wasmotion: guest ${g.id} trapped: integer divide by zero [WASMOTION_ERR_TRAP]\n`);
  });

  test('errors are one line with the stable code: an unknown guest, an unreachable host', async () => {
    const missing = await run(['guest', 'info', 'g-none', '--host', a.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('wasmotion: no guest g-none on this host [WASMOTION_ERR_NO_GUEST]\n');

    const url = await closedPortUrl();
    const down = await run(['host', 'info'], { WASMOTION_HOST: url });
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`wasmotion: cannot reach the host at ${url}/v1/host: ECONNREFUSED [WASMOTION_ERR_HOST_UNREACHABLE]\n`);
  });
});

describe('wasmotion migrate', () => {
  test('prints one result line with total time and downtime, nothing on a stderr that is not a terminal', async () => {
    const g = a.addGuest();
    const r = await run(['migrate', g.id, '--host', a.url, '--to', b.url, '--downtime-limit', '50', '--policy', 'accept-downtime']);
    expect(r).toEqual({ code: 0, stdout: `migrated ${g.id} to ${b.url} in 412 ms, downtime 3.1 ms\n`, stderr: '' });
    expect(a.bodies.at(-1)).toEqual({ to: b.url, downtimeLimitMs: 50, policy: 'accept-downtime' });
  });

  test('--json prints every event as one line, the last one completed', async () => {
    const g = a.addGuest();
    const r = await run(['migrate', g.id, '--host', a.url, '--to', b.url, '--json']);
    expect(r.code).toBe(0);
    const events = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => e.state)).toEqual(['queued', 'handshake', 'precopy', 'precopy', 'precopy', 'switchover', 'completed']);
    expect(events.every((e) => e.guest === g.id)).toBe(true);
  });

  test('an event stream that breaks off is opened again; no event is printed twice', async () => {
    a.nextMigration = 'drop-stream';
    try {
      const r = await run(['migrate', a.addGuest().id, '--host', a.url, '--to', b.url, '--json']);
      expect(r.stderr).toBe('');
      const states = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).state);
      expect(states).toEqual(['queued', 'handshake', 'precopy', 'precopy', 'precopy', 'switchover', 'completed']);
    } finally {
      a.nextMigration = 'complete';
    }
  });

  test('a failed migration exits 1 with the reason on stderr', async () => {
    a.nextMigration = 'fail';
    try {
      const g = a.addGuest();
      const r = await run(['migrate', g.id, '--host', a.url, '--to', b.url]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^wasmotion: migration m-\\w+ of ${g.id} failed: the destination lacks feature simd128 \\[WASMOTION_ERR_MIGRATION_REFUSED\\]\\n$`));
    } finally {
      a.nextMigration = 'complete';
    }
  });

  test('Ctrl-C asks the host to cancel the migration, and the command reports it cancelled', async () => {
    a.nextMigration = 'hang';
    try {
      const g = a.addGuest();
      const cli = wasmotion(['migrate', g.id, '--host', a.url, '--to', b.url]);
      for (let i = 0; i < 200 && ![...a.migrations.values()].some((m) => m.guest === g.id && m.listeners.size > 0); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      cli.child.kill('SIGINT');
      const r = await cli.done;
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^wasmotion: cancelling m-\w+ \(Ctrl-C again to quit\)\n/);
      expect(r.stderr).toMatch(new RegExp(`wasmotion: migration m-\\w+ of ${g.id} cancelled: cancelled by the operator \\[WASMOTION_ERR_MIGRATION_CANCELLED\\]\\n$`));
    } finally {
      a.nextMigration = 'complete';
    }
  });

  test('bad options are usage errors before any request', async () => {
    const before = a.requests.length;
    const r = await run(['migrate', 'g-1', '--host', a.url, '--to', b.url, '--downtime-limit', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[WASMOTION_ERR_USAGE]');
    const policy = await run(['migrate', 'g-1', '--host', a.url, '--to', b.url, '--policy', 'maybe']);
    expect(policy.code).toBe(2);
    expect(a.requests.length).toBe(before);
  });
});

describe('wasmotion host info', () => {
  test('describes the host, as text and as JSON', async () => {
    const text = await run(['host', 'info', '--host', a.url]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^name\s+fake-1$/m);
    expect(text.stdout).toMatch(/^migration\s+127\.0\.0\.1:41234 \(protocol 1, state format 1\.0\)$/m);
    const json = await run(['host', 'info', '--json'], { WASMOTION_HOST: a.url });
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'fake-1', engine: 'v8' });
  });
});
