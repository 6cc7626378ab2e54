import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, test } from 'vitest';
import { parseEndpoint } from '../../tools/link/addresses.js';
import { closedHow, connectionFate, connectTo, echo, startServer, type TestServer } from './servers.js';

const main = join(import.meta.dirname, '..', '..', 'dist', 'tools', 'link', 'main.js');
const built = existsSync(main);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A running `link` process with a queue of its stdout lines. */
class LinkProcess {
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.lines.push(line);
      this.waiter?.();
    });
  }

  /** The next stdout line that starts with `prefix` (earlier lines are skipped). */
  async next(prefix: string): Promise<string> {
    for (;;) {
      const i = this.lines.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) return this.lines.splice(0, i + 1).pop()!;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  async command(line: string): Promise<string> {
    this.child.stdin.write(`${line}\n`);
    return this.next(line.startsWith('bogus') ? 'error' : 'ok');
  }
}

async function startLink(target: TestServer, ...args: string[]): Promise<{ link: LinkProcess; port: number }> {
  const child = spawn(process.execPath, [main, '--target', `127.0.0.1:${target.endpoint.port}`, ...args]);
  cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
  const link = new LinkProcess(child);
  const ready = await link.next('link ready at ');
  return { link, port: parseEndpoint(ready.slice('link ready at '.length)).port };
}

describe.skipIf(!built)('link CLI', () => {
  test('forwards, obeys cut / heal / rate / latency on stdin, and stops on SIGTERM', async () => {
    const target = await startServer(echo);
    cleanups.push(() => target.close());
    const { link, port } = await startLink(target, '--latency', '15ms', '--rate', '100mbit', '--events');
    const endpoint = { host: '127.0.0.1', port };

    const socket = await connectTo(endpoint);
    cleanups.push(() => socket.destroy());
    const start = performance.now();
    socket.write('ping');
    expect(((await once(socket, 'data')) as [Buffer])[0].toString()).toBe('ping');
    expect(performance.now() - start).toBeGreaterThanOrEqual(30);
    expect(await link.next('event open')).toMatch(/^event open id=1 remote=127\.0\.0\.1:\d+$/);

    const closed = closedHow(socket);
    expect(await link.command('cut')).toBe('ok cut');
    expect(await closed).toBe('reset');
    expect(await connectionFate(endpoint)).toBe('reset');
    expect(await link.command('heal')).toBe('ok heal');
    expect(await link.command('rate 8mbit')).toBe('ok rate 8mbit');
    expect(await link.command('latency 0ms')).toBe('ok latency 0ms');
    expect(await link.command('status')).toMatch(/^ok status connections=\d+ up_bytes=4 down_bytes=4 rate=8mbit latency=0ms$/);
    expect(await link.command('bogus')).toMatch(/^error unknown command/);

    const again = await connectTo(endpoint);
    cleanups.push(() => again.destroy());
    again.write('back');
    expect(((await once(again, 'data')) as [Buffer])[0].toString()).toBe('back');

    const againClosed = closedHow(again);
    link.child.kill('SIGTERM');
    expect(await againClosed).toBe('reset');
    const [code] = await once(link.child, 'exit');
    expect(code).toBe(0);
  });

  test('refuses a target off the loopback interface', () => {
    const r = spawnSync(process.execPath, [main, '--target', '10.0.0.1:80'], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/WASMOTION_ERR_USAGE: link target 10\.0\.0\.1 is not a loopback address/);
    expect(r.stdout).toBe('');
  });
});
