/**
 * `npm run cluster -- --hosts 3 [--netns | --switch] [--shared-dir] [--api-token]`: an emulated cluster on
 * one machine, N host agents as separate processes sharing a fresh cluster
 * secret: on loopback, or with --netns each in its own network namespace with
 * its own address (root and iproute2; see netns.ts; drive them from the
 * client namespace it prints). With --switch (loopback only) a virtual switch
 * process comes first and every host publishes guest services on it. With
 * --shared-dir every host gets the same directory for guest disk images
 * (host start --shared-dir), as hosts mounting one share would. With
 * --api-token every host takes the same fresh API token (host start
 * --api-token-file) and the launcher prints `api token FILE`, for
 * $WASMOTION_API_TOKEN_FILE. Prints the switch and each host's URL as they
 * come up, then `cluster ready: URL URL ...`, and runs until SIGINT or SIGTERM, which stop every process and
 * remove the namespaces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../../host-shim/paths.js';
import { canUseNetns, createTopology } from './netns.js';

export function startHost(
  name: string,
  secretFile: string,
  dataDir: string,
  ns?: { ns: string; address: string },
  extra: { args?: string[]; quiet?: boolean } = {},
): Promise<{ proc: ChildProcess; url: string }> {
  const args = [join(packageRoot(), 'bin', 'wasmotion.js'), 'host', 'start', '--listen', `${ns ? ns.address : '127.0.0.1'}:${ns ? 7000 : 0}`, '--name', name, '--secret-file', secretFile, '--data-dir', dataDir, ...(extra.args ?? [])];
  // The host's log goes to this process's stderr, unless asked to be quiet.
  const stdio = ['ignore', 'pipe', extra.quiet ? 'ignore' : 'inherit'] as const;
  const proc = ns ? spawn('ip', ['netns', 'exec', ns.ns, process.execPath, ...args], { stdio: [...stdio] }) : spawn(process.execPath, args, { stdio: [...stdio] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready at (\S+)\n/.exec(out);
      if (m) resolve({ proc, url: m[1] });
    });
    proc.once('exit', (code) => reject(new Error(`host ${name} exited with ${code} before it was ready`)));
  });
}

/** A `wasmotion switch start` process on loopback; resolves with where hosts attach (HOST:PORT). */
export function startSwitch(secretFile: string, quiet = false): Promise<{ proc: ChildProcess; endpoint: string }> {
  const args = [join(packageRoot(), 'bin', 'wasmotion.js'), 'switch', 'start', '--listen', '127.0.0.1:0', '--secret-file', secretFile];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /switch ready at (\S+)\n/.exec(out);
      if (m) resolve({ proc, endpoint: m[1] });
    });
    proc.once('exit', (code) => reject(new Error(`the switch exited with ${code} before it was ready`)));
  });
}

async function main(): Promise<number> {
  const opts = new Command('cluster')
    .option('--hosts <n>', 'how many hosts', '3')
    .option('--netns', 'each host in its own network namespace (root and iproute2)')
    .option('--switch', 'a virtual switch for guest services (loopback only)')
    .option('--shared-dir', 'one directory of guest disk images that every host sees (guest start --disk-shared)')
    .option('--api-token', 'every host answers only holders of one fresh API token (its file is printed)')
    .parse(process.argv)
    .opts<{ hosts: string; netns?: boolean; switch?: boolean; sharedDir?: boolean; apiToken?: boolean }>();
  const n = Number(opts.hosts);
  if (!Number.isInteger(n) || n < 1 || n > 32) {
    process.stderr.write('cluster: --hosts must be 1 to 32\n');
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'wasmotion-cluster-'));
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, randomBytes(32), { mode: 0o600 });
  const hosts: { proc: ChildProcess; url: string }[] = [];
  let sw: { proc: ChildProcess; endpoint: string } | undefined;
  if (opts.netns && opts.switch) {
    process.stderr.write('cluster: --switch runs on loopback only, not with --netns\n');
    return 2;
  }
  if (opts.netns && !canUseNetns()) {
    process.stderr.write('cluster: --netns needs root and iproute2 (ip netns)\n');
    return 2;
  }
  const topology = opts.netns ? createTopology(n) : undefined;
  try {
    if (topology) process.stdout.write(`client namespace ${topology.client.ns} (${topology.client.address}): ip netns exec ${topology.client.ns} wasmotion ...\n`);
    if (opts.switch) {
      sw = await startSwitch(secretFile);
      process.stdout.write(`switch ${sw.endpoint}\n`);
    }
    const shared = opts.sharedDir ? join(dir, 'shared') : undefined;
    if (shared) {
      mkdirSync(shared);
      process.stdout.write(`shared dir ${shared}\n`);
    }
    const tokenFile = opts.apiToken ? join(dir, 'api-token') : undefined;
    if (tokenFile) {
      writeFileSync(tokenFile, randomBytes(32), { mode: 0o600 });
      process.stdout.write(`api token ${tokenFile}\n`);
    }
    for (let i = 1; i <= n; i++) {
      const h = await startHost(`host${i}`, secretFile, join(dir, `host${i}`), topology?.hosts[i - 1], {
        args: [...(sw ? ['--switch', sw.endpoint] : []), ...(shared ? ['--shared-dir', shared] : []), ...(tokenFile ? ['--api-token-file', tokenFile] : [])],
      });
      hosts.push(h);
      process.stdout.write(`host${i} ${h.url}\n`);
    }
    process.stdout.write(`cluster ready: ${hosts.map((h) => h.url).join(' ')}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      for (const h of hosts) h.proc.once('exit', () => resolve());
    });
    return 0;
  } finally {
    for (const h of hosts) h.proc.kill('SIGTERM');
    sw?.proc.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    topology?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('cluster/main.js')) process.exitCode = await main();
