// wasmotion as separate processes, driven through the CLI the way an operator
// drives it: long-running ones (cluster managers, hosts, switches) and
// commands run to their end. The environment's default host, cluster and
// API token are cleared, so every command names its own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'wasmotion.js');
const env = { ...process.env, WASMOTION_HOST: '', WASMOTION_CLUSTER: '', WASMOTION_API_TOKEN_FILE: '' };

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  proc: ChildProcess;
  url: string;
  stderr: () => string;
}

/** Starts `wasmotion ARGS` and resolves with the URL it prints after `ready at`. */
export function startProcess(args: string[]): Promise<Running> {
  const proc = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready at (\S+)\n/.exec(out);
      if (m) resolve({ proc, url: m[1], stderr: () => err });
    });
    proc.once('exit', (code) => reject(new Error(`wasmotion ${args.join(' ')} exited with ${code} before it was ready: ${err}`)));
  });
}

/** Stops the processes still running (SIGTERM) and waits until each has exited. */
export async function stopProcesses(processes: Running[]): Promise<void> {
  await Promise.all(processes.map((p) => (p.proc.exitCode !== null ? undefined : new Promise((resolve) => (p.proc.once('exit', resolve), p.proc.kill('SIGTERM'))))));
}

/** Runs `wasmotion ARGS` to its end. */
export function cli(args: string[], timeout = 120_000): Finished {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `wasmotion ARGS` to its end without blocking this process (a host in it keeps answering); `more` adds to its environment. */
export function cliAsync(args: string[], more: Record<string, string> = {}): Promise<Finished> {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...env, ...more }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export function cliJson<T>(args: string[]): T[] {
  const r = cli([...args, '--json']);
  if (r.code !== 0) throw new Error(`wasmotion ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as T);
}

export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
