/**
 * `node dist/tools/link/main.js --target 127.0.0.1:PORT [--listen 127.0.0.1:0]
 *  [--rate 100mbit] [--latency 5ms] [--shared] [--events]`
 *
 * Runs a LinkProxy until SIGINT or SIGTERM. Prints `link ready at HOST:PORT`
 * once listening, then answers the commands of commands.ts read from stdin
 * (one line each, answered `ok ...` or `error ...`). With --events, each proxy
 * event is also printed as one line: `event open id=1 remote=...`.
 */
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { WasmotionError } from '../../host-shim/errors.js';
import { formatEndpoint, parseEndpoint } from './addresses.js';
import { runCommand } from './commands.js';
import { LinkProxy } from './proxy.js';
import { parseLatency, parseRate } from './units.js';

interface CliOptions {
  listen: string;
  target: string;
  rate: string;
  latency: string;
  shared: boolean;
  events: boolean;
}

function parseOptions(argv: string[]): CliOptions {
  return new Command('link')
    .description('emulated network link between loopback endpoints: bandwidth, latency, cuts')
    .requiredOption('--target <host:port>', 'loopback address to forward connections to')
    .option('--listen <host:port>', 'loopback address to listen on', '127.0.0.1:0')
    .option('--rate <rate>', 'bandwidth per direction and connection, in bit/s with k/m/g (e.g. 100mbit)', 'unlimited')
    .option('--latency <ms>', 'one-way latency (e.g. 5ms)', '0ms')
    .option('--shared', 'one bandwidth per direction shared by all connections', false)
    .option('--events', 'print a line per connection, close and cut', false)
    .parse(argv)
    .opts<CliOptions>();
}

function watchEvents(proxy: LinkProxy): void {
  const print = (line: string): void => void process.stdout.write(`event ${line}\n`);
  proxy.on('open', (e) => print(`open id=${e.id} remote=${e.remote}`));
  proxy.on('close', (e) => print(`close id=${e.id} up=${e.bytes.up} down=${e.bytes.down}${e.error ? ` error=${JSON.stringify(e.error.message)}` : ''}`));
  proxy.on('refused', (e) => print(`refused remote=${e.remote}`));
  proxy.on('cut', (e) => print(`cut reason=${e.reason}${e.direction ? ` direction=${e.direction}` : ''} connections=${e.connections} refusing=${e.refusing}`));
  proxy.on('heal', () => print('heal'));
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv);
  const listen = parseEndpoint(opts.listen);
  const proxy = new LinkProxy({
    target: parseEndpoint(opts.target),
    listen,
    limits: { bytesPerSecond: parseRate(opts.rate), latencyMs: parseLatency(opts.latency) },
    shareBandwidth: opts.shared,
  });
  if (opts.events) watchEvents(proxy);
  const address = await proxy.listen();
  process.stdout.write(`link ready at ${formatEndpoint(address)}\n`);

  // stdin may be closed (no driver); the link keeps running until a signal.
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    if (line.trim() !== '') process.stdout.write(`${runCommand(proxy, line)}\n`);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      lines.close();
      void proxy.close().then(() => process.exit(0));
    });
  }
}

main().catch((err: unknown) => {
  const message = err instanceof WasmotionError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  process.stderr.write(`link: ${message}\n`);
  process.exit(2);
});
