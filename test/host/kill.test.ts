// The failure contract when a host process dies in the middle of a migration:
// the destination killed at any step leaves the guest running at the source;
// the source killed before switchover leaves nothing running at the
// destination (the guest dies with its host, it is never duplicated).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { moduleDigest } from '../../host-shim/snapshot/directory.js';

const root = join(import.meta.dirname, '..', '..');
const counter = join(root, 'build', 'guests', 'counter.wasm');
const secretFile = join(mkdtempSync(join(tmpdir(), 'wasmotion-kill-')), 'secret');
writeFileSync(secretFile, 'kill test cluster secret, 32 by');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A host process; with `failpoint`, it kills itself when a migration reaches that point (host-shim/migration/failpoints.ts). */
async function startHost(name: string, failpoint?: string): Promise<{ url: string; proc: ChildProcess }> {
  const env = failpoint ? { ...process.env, WASMOTION_FAILPOINT: failpoint } : process.env;
  const proc = spawn(process.execPath, [join(root, 'bin', 'wasmotion.js'), 'host', 'start', '--listen', '127.0.0.1:0', '--name', name, '--secret-file', secretFile], { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.push(proc);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready at (\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.once('exit', () => reject(new Error(`host ${name} exited before it was ready`)));
  });
  return { url, proc };
}

async function api(base: string, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, base), init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Starts the migration and resolves once its events reach `state`. */
async function migrateUntil(from: string, id: string, to: string, state: string): Promise<string> {
  const m = (await api(from, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to, downtimeLimitMs: 1 }) })).body;
  const res = await fetch(new URL(`/v1/migrations/${m.id}/events`, from));
  const reader = res.body!.getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the migration ended before ${state}: ${text}`);
    text += Buffer.from(value).toString();
    if (text.includes(`"state":"${state}"`)) {
      void reader.cancel();
      return m.id;
    }
  }
}

/** Lines printed so far (none yet is fine), each the next count: no gap, no repeat. */
function continuous(text: string): number {
  if (text.trim() === '') return 0;
  const lines = text.trim().split('\n');
  lines.forEach((l, i) => expect(l.startsWith(`count ${i + 1} `), `line ${i + 1}: ${l}`).toBe(true));
  return lines.length;
}

describe.skipIf(!existsSync(counter))('migration failure contract when a host dies', () => {
  const bytes = existsSync(counter) ? readFileSync(counter) : new Uint8Array();
  const digest = moduleDigest(bytes);

  async function guestOn(url: string): Promise<string> {
    await api(url, `/v1/modules/${digest}`, { method: 'PUT', body: bytes });
    // A large, busy guest: pre-copy takes several rounds, so there is time to kill a host mid-way.
    return (await api(url, '/v1/guests', { method: 'POST', body: JSON.stringify({ module: digest, args: ['0', '8192', '1'] }) })).body.id;
  }

  // At switchover the destination kills itself once it has the state, before it answers READY: a kill
  // from here when the event says "switchover" would race a switchover of a few milliseconds, and land
  // after GO as often as not (the source then stays in doubt, the guest paused, as it must).
  for (const step of ['handshake', 'precopy', 'switchover']) {
    test(`the destination killed at ${step}: the guest runs on at the source`, async () => {
      const a = await startHost('a');
      const b = await startHost('b', step === 'switchover' ? 'destination-state' : undefined);
      const id = await guestOn(a.url);
      if (step === 'switchover') {
        const died = new Promise((resolve) => b.proc.once('exit', resolve));
        const m = (await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url, downtimeLimitMs: 1 }) })).body;
        expect(await died).toBeNull(); // the exit code: none, killed by a signal
        expect(b.proc.signalCode).toBe('SIGKILL');
        // Before GO: the migration fails outright, nothing is in doubt.
        const events = (await (await fetch(new URL(`/v1/migrations/${m.id}/events`, a.url))).text()).trim().split('\n').map((l) => JSON.parse(l));
        expect(events.at(-1).state).toBe('failed');
        expect(events.at(-1).error.code).not.toBe('WASMOTION_ERR_MIGRATION_IN_DOUBT');
      } else {
        await migrateUntil(a.url, id, b.url, step);
        b.proc.kill('SIGKILL');
      }
      let state = '';
      for (let i = 0; i < 200 && state !== 'running'; i++) {
        state = (await api(a.url, `/v1/guests/${id}`)).body.state;
        if (state !== 'running') await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(state).toBe('running');
      const lines = async () => continuous(await (await fetch(new URL(`/v1/guests/${id}/logs`, a.url))).text());
      const before = await lines();
      // It goes on printing (a busy guest on a loaded machine may take a while per line).
      let after = before;
      for (let i = 0; i < 100 && after <= before; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        after = await lines();
      }
      expect(after).toBeGreaterThan(before);
    }, 60_000);
  }

  test('the source killed at switchover: the guest runs at the destination only if it got GO, and then whole', async () => {
    const a = await startHost('a');
    const b = await startHost('b');
    const id = await guestOn(a.url);
    await migrateUntil(a.url, id, b.url, 'switchover');
    a.proc.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const onB = await api(b.url, `/v1/guests/${id}`);
    if (onB.status === 404) {
      expect((await api(b.url, '/v1/host')).body.guests).toBe(0);
      return;
    }
    expect(onB.body.state).toBe('running');
    continuous(await (await fetch(new URL(`/v1/guests/${id}/logs`, b.url))).text());
  }, 60_000);

  for (const step of ['handshake', 'precopy']) {
    test(`the source killed at ${step}: the destination never runs the guest`, async () => {
      const a = await startHost('a');
      const b = await startHost('b');
      const id = await guestOn(a.url);
      await migrateUntil(a.url, id, b.url, step);
      a.proc.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const onB = await api(b.url, `/v1/guests/${id}`);
      expect(onB.status).toBe(404);
      expect((await api(b.url, '/v1/host')).body.guests).toBe(0);
    }, 60_000);
  }
});
