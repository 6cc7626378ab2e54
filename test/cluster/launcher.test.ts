// `npm run cluster` (tools/cluster/main.ts): N host processes on loopback
// sharing a cluster secret, here with one shared directory of disk images
// that every host sees and one API token; SIGTERM stops them all and
// removes what it made.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { HostInfo } from '../../host-shim/client/types.js';
import { cli, cliJson, root } from '../support/processes.js';

test('npm run cluster -- --hosts 2 --shared-dir --api-token: hosts that see one directory and want one token, gone after SIGTERM', async () => {
  const proc = spawn(process.execPath, [join(root, 'dist', 'tools', 'cluster', 'main.js'), '--hosts', '2', '--shared-dir', '--api-token'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', () => /cluster ready: .*\n/.test(out) && resolve());
    void exited.then((code) => reject(new Error(`the launcher exited with ${code}: ${out}`)));
  });
  const shared = /^shared dir (\S+)$/m.exec(out)?.[1];
  expect(shared, out).toBeDefined();
  expect(existsSync(shared!)).toBe(true);
  const urls = /cluster ready: (.*)\n/.exec(out)![1].split(' ');
  expect(urls).toHaveLength(2);
  const token = /^api token (\S+)$/m.exec(out)?.[1];
  expect(token, out).toBeDefined();
  for (const url of urls) {
    expect(cliJson<HostInfo>(['host', 'info', '--host', url, '--api-token-file', token!])[0].sharedDir).toBe(shared);
    expect(cli(['host', 'info', '--host', url]).stderr).toContain('WASMOTION_ERR_UNAUTHENTICATED');
  }
  proc.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(existsSync(shared!)).toBe(false);
  expect(existsSync(token!)).toBe(false);
}, 60_000);
