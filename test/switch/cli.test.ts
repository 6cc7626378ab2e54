// The virtual switch through the command line, each part its own process:
// `wasmotion switch start`, two `wasmotion host start --switch`, a guest
// started with `guest start --listen`, and `wasmotion migrate` back and
// forth while a client holds a connection to the published port.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { KvClient } from '../../tools/bench-service/kv-client.js';
import { cli, root, startProcess } from '../support/processes.js';

const kvserver = join(root, 'build', 'guests', 'kvserver.wasm');
const tmp = mkdtempSync(join(tmpdir(), 'wasmotion-switch-cli-'));
const secretFile = join(tmp, 'secret');
writeFileSync(secretFile, 'a cluster secret for the cli test');
const children: ChildProcess[] = [];

afterAll(async () => {
  // Each one writes its last state as it stops (the manager its store): remove the directory after.
  await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGTERM'))))));
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts a long-running wasmotion command; resolves with the address it is ready at. */
async function daemon(args: string[]): Promise<string> {
  const started = await startProcess(args);
  children.push(started.proc);
  return started.url;
}

describe.skipIf(!existsSync(kvserver))('wasmotion switch start, host start --switch, guest start --listen', () => {
  test('a published guest migrates back and forth through the CLI and its client notices nothing', async () => {
    const endpoint = await daemon(['switch', 'start', '--listen', '127.0.0.1:0', '--secret-file', secretFile]);
    const hosts: string[] = [];
    for (const name of ['a', 'b']) {
      const url = await daemon(['host', 'start', '--listen', '127.0.0.1:0', '--name', name, '--secret-file', secretFile, '--switch', endpoint]);
      hosts.push(url);
    }
    expect(JSON.parse(cli(['host', 'info', '--host', hosts[0], '--json']).stdout).switch).toBe(endpoint);
    const started = cli(['guest', 'start', '--host', hosts[0], '--listen', '0', kvserver]);
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    const address = /serves at (127\.0\.0\.1:(\d+))/.exec(started.stderr)!;
    expect(cli(['guest', 'info', id, '--host', hosts[0]]).stdout).toMatch(new RegExp(`^service\\s+${address[1].replace(/\./g, '\\.')}$`, 'm'));

    const client = await KvClient.connect(Number(address[2]));
    expect(await client.request('SET greeting hello')).toBe('OK');
    for (const [from, to] of [[0, 1], [1, 0], [0, 1]]) {
      const m = cli(['migrate', id, '--host', hosts[from], '--to', hosts[to]]);
      expect(m.code, m.stderr).toBe(0);
      expect(await client.request('GET greeting')).toBe('VALUE hello');
    }
    expect(await client.request('SHUTDOWN')).toBe('BYE');
    const waited = cli(['guest', 'wait', id, '--host', hosts[1]]);
    expect(waited.code).toBe(0);

    // Asking for a service on a host without a switch is a usage error.
    const plain = await daemon(['host', 'start', '--listen', '127.0.0.1:0', '--name', 'c']);
    const refused = cli(['guest', 'start', '--host', plain, '--listen', '0', kvserver]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/has no virtual switch.*\[WASMOTION_ERR_USAGE\]/);
  }, 120_000);

  test('hosts of a cluster reach a switch started with the cluster token, and migrate a service between them', async () => {
    const token = join(tmp, 'token');
    const manager = await daemon(['cluster', 'start', '--listen', '127.0.0.1:0', '--data-dir', join(tmp, 'manager'), '--token', token, '--balance-interval', '0']);
    const endpoint = await daemon(['switch', 'start', '--listen', '127.0.0.1:0', '--token', token]);
    const hosts: string[] = [];
    for (const name of ['ca', 'cb']) {
      const url = await daemon(['host', 'start', '--listen', '127.0.0.1:0', '--name', name, '--cluster', manager, '--token', token, '--switch', endpoint]);
      hosts.push(url);
    }
    const started = cli(['guest', 'start', '--host', hosts[0], '--listen', '0', kvserver]);
    expect(started.code, started.stderr).toBe(0);
    const id = started.stdout.trim();
    const port = Number(/serves at 127\.0\.0\.1:(\d+)/.exec(started.stderr)![1]);
    const client = await KvClient.connect(port);
    expect(await client.request('SET k v')).toBe('OK');
    const m = cli(['migrate', id, '--host', hosts[0], '--to', hosts[1]]);
    expect(m.code, m.stderr).toBe(0);
    expect(await client.request('GET k')).toBe('VALUE v');
    expect(await client.request('SHUTDOWN')).toBe('BYE');
    // The switch takes one secret: a cluster token or a secret file, not both and not neither.
    expect(cli(['switch', 'start', '--listen', '127.0.0.1:0']).stderr).toContain('either --secret-file or --token');
  }, 120_000);
});
