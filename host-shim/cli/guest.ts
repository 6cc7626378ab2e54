/**
 * `wasmotion guest start|list|info|stop|logs|wait`: guests on a host agent,
 * through its API. `wait` and `logs -f` follow a guest that migrates.
 */
import { readFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { UsageError } from '../errors.js';
import { describeFailure, logsFollowing, waitFollowing, type GuestInfo } from '../client/index.js';
import type { GuestPolicy } from '../client/cluster-types.js';
import { connect, out, type HostOptions } from './host.js';
import { guestDetails, guestTable, jsonLine } from './render.js';
import { parseEnv } from './run.js';
import { checkDiskBytes } from '../wasi/disk.js';
import { parsePort, parseSize } from './values.js';
import { EXIT_ERROR, EXIT_TRAP } from './report.js';

export interface GuestStartOptions extends HostOptions {
  env: string[];
  name?: string;
  baseline?: string;
  cpuReservation?: string;
  cpuLimit?: string;
  cpuShares?: string;
  memoryReservation?: string;
  memoryLimit?: string;
  listen?: string;
  disk?: string;
  diskShared?: boolean;
}

export interface GuestLogsOptions extends HostOptions {
  follow?: boolean;
}

/**
 * Prints the new guest's id (its info with --json); with --listen, where
 * its service is published goes to stderr.
 */
export async function guestStartCommand(path: string, args: string[], options: GuestStartOptions): Promise<number> {
  const env = parseEnv(options.env);
  const listen = options.listen !== undefined ? parsePort('--listen', options.listen) : undefined;
  const disk = options.disk !== undefined ? checkDiskBytes('--disk', parseSize(options.disk)) : undefined;
  if (options.diskShared && disk === undefined) throw new UsageError('--disk-shared goes with --disk SIZE');
  const client = connect(options);
  const bytes = await readModule(path);
  const policy = policyFrom(options);
  const info = await client.startGuest({ module: bytes, args, env: options.env.length ? env : undefined, name: options.name, baseline: options.baseline, policy, listen, disk, diskShared: options.diskShared || undefined });
  await out(options.json ? jsonLine(info) : `${info.id}\n`);
  if (info.service && !options.json) process.stderr.write(`wasmotion: ${info.id} serves at ${info.service.address}\n`);
  return 0;
}

function numberOption(text: string, option: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${option} ${text} is not a number`);
  return n;
}

/** The policy the options ask for, or undefined (the host's defaults); the host checks the values. */
export function policyFrom(o: GuestStartOptions): GuestPolicy | undefined {
  const cpu = {
    reservation: o.cpuReservation !== undefined ? numberOption(o.cpuReservation, '--cpu-reservation') : undefined,
    limit: o.cpuLimit !== undefined ? numberOption(o.cpuLimit, '--cpu-limit') : undefined,
    shares: o.cpuShares !== undefined ? numberOption(o.cpuShares, '--cpu-shares') : undefined,
  };
  const memory = {
    reservation: o.memoryReservation !== undefined ? parseSize(o.memoryReservation) : undefined,
    limit: o.memoryLimit !== undefined ? parseSize(o.memoryLimit) : undefined,
  };
  const given = (part: object) => Object.values(part).some((v) => v !== undefined);
  if (!given(cpu) && !given(memory)) return undefined;
  return { cpu: given(cpu) ? cpu : undefined, memory: given(memory) ? memory : undefined };
}

/** A table; with --json one guest per line. */
export async function guestListCommand(options: HostOptions): Promise<number> {
  const guests = await connect(options).guests();
  if (options.json) await out(guests.map(jsonLine).join(''));
  else await out(guests.length ? guestTable(guests) : '');
  return 0;
}

export async function guestInfoCommand(id: string, options: HostOptions): Promise<number> {
  const info = await connect(options).guest(id);
  await out(options.json ? jsonLine(info) : guestDetails(info));
  return 0;
}

export async function guestStopCommand(id: string, options: HostOptions): Promise<number> {
  const info = await connect(options).stop(id);
  await out(options.json ? jsonLine(info) : `${info.id} ${info.state}\n`);
  return 0;
}

/**
 * The guest's console bytes on stdout as they come; with --json one line per
 * piece, `{"guest": ID, "output": TEXT}`, and where the host no longer held
 * output asked for, `{"guest": ID, "dropped": {"from": N, "to": M}}`.
 */
export async function guestLogsCommand(id: string, options: GuestLogsOptions): Promise<number> {
  const client = connect(options);
  const signal = interruptSignal();
  const decoder = new StringDecoder('utf8');
  /** Output the host no longer held, not yet reported on stdout (--json). */
  const drops: { from: number; to: number }[] = [];
  const reportDrops = async () => {
    for (const dropped of drops.splice(0)) if (options.json) await out(jsonLine({ guest: id, dropped }));
  };
  try {
    const chunks = logsFollowing(client, id, {
      follow: options.follow,
      signal,
      onMove: (to) => note(`${id} moved to ${to}; following it there`),
      // Output missing from what is printed is said always, on a terminal or not; --json says it on stdout.
      onDropped: (from, to) => {
        if (!options.json) process.stderr.write(`wasmotion: ${id}: the host no longer holds its output from byte ${from} to ${to} (a host keeps the last part of a guest's output, host start --console-history); going on from byte ${to}\n`);
        drops.push({ from, to });
      },
    });
    for await (const chunk of chunks) {
      await reportDrops();
      if (!options.json) await out(chunk);
      else {
        const text = decoder.write(chunk);
        if (text) await out(jsonLine({ guest: id, output: text }));
      }
    }
  } catch (err) {
    // Ctrl-C ends a followed stream; that is how one leaves it, not an error.
    if (!signal.aborted) throw err;
  }
  await reportDrops();
  const rest = decoder.end();
  if (options.json && rest) await out(jsonLine({ guest: id, output: rest }));
  return 0;
}

/**
 * Exits with the guest's exit code, wherever it ended. A trapped guest ends
 * with 134 as `wasmotion run` does; a stopped one with 1.
 */
export async function guestWaitCommand(id: string, options: HostOptions): Promise<number> {
  const { info } = await waitFollowing(connect(options), id, { onMove: (to) => note(`${id} moved to ${to}; waiting there`) });
  if (options.json) await out(jsonLine(info));
  return exitCodeOf(info);
}

export function exitCodeOf(info: GuestInfo): number {
  if (typeof info.exitCode === 'number') return info.exitCode;
  if (info.state === 'trapped') {
    process.stderr.write(`wasmotion: guest ${info.id} trapped: ${describeFailure(info.error)}\n`);
    return EXIT_TRAP;
  }
  const why = info.error ? `: ${describeFailure(info.error)}` : '';
  process.stderr.write(`wasmotion: guest ${info.id} ended ${info.state} without an exit code${why}\n`);
  return EXIT_ERROR;
}

async function readModule(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** A remark for a person watching: on a terminal only, as progress is. */
function note(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`wasmotion: ${text}\n`);
}

/** Aborted by the first Ctrl-C, so a followed stream closes cleanly. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return controller.signal;
}
