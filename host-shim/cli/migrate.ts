/**
 * `wasmotion migrate ID --to URL`: starts a live migration and follows it to
 * its end. A terminal sees a progress line on stderr; --json prints every
 * event as a line on stdout; the result is one line, or the reason it failed.
 * The first Ctrl-C asks the host to cancel the migration, the second quits.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { UsageError, WasmotionError } from '../errors.js';
import {
  describeFailure,
  HOST_PROTOCOL,
  HOST_TIMEOUT,
  isFinalMigrationState,
  normalizeHostUrl,
  type HostClient,
  type MigrationEvent,
  type MigrationPolicy,
} from '../client/index.js';
import { connect, out, type HostOptions } from './host.js';
import { jsonLine, migratedLine, progressLine, StatusLine } from './render.js';
import { EXIT_ERROR } from './report.js';

export interface MigrateOptions extends HostOptions {
  to: string;
  downtimeLimit?: string;
  policy?: MigrationPolicy;
  compress?: boolean;
}

export async function migrateCommand(id: string, options: MigrateOptions): Promise<number> {
  const client = connect(options);
  const to = normalizeHostUrl(options.to);
  const downtimeLimitMs = options.downtimeLimit === undefined ? undefined : positiveMs(options.downtimeLimit);
  const started = await client.migrate(id, { to, downtimeLimitMs, policy: options.policy, compress: options.compress });
  const status = process.stderr.isTTY && !options.json ? new StatusLine(process.stderr) : undefined;
  const cancel = () => {
    status?.clear();
    process.stderr.write(`wasmotion: cancelling ${started.id} (Ctrl-C again to quit)\n`);
    client.cancelMigration(started.id).catch((err: unknown) => process.stderr.write(`wasmotion: could not cancel ${started.id}: ${(err as Error).message}\n`));
  };
  process.once('SIGINT', cancel);
  let last: MigrationEvent;
  try {
    last = await followMigration(client, started.id, async (event) => {
      if (options.json) await out(jsonLine(event));
      status?.show(progressLine(event), isFinalMigrationState(event.state));
    });
  } finally {
    process.off('SIGINT', cancel);
    status?.clear();
  }
  if (last.state === 'completed') {
    if (!options.json) await out(migratedLine(started.guest ?? id, started.to ?? to, last));
    return 0;
  }
  const why = last.error ? `: ${describeFailure(last.error)}` : '';
  process.stderr.write(`wasmotion: migration ${started.id} of ${started.guest ?? id} ${last.state}${why}\n`);
  return EXIT_ERROR;
}

/** Times in a row the event stream may end early with nothing new (a restarted proxy, undici's idle limit) before we give up on it. */
const MAX_RECONNECTS = 5;
const RECONNECT_PAUSE_MS = 200;

/**
 * Reads the migration's events until the one that ends it. A stream that
 * breaks off before then is opened again; events it sends again are passed
 * on once. The host's newest event says whether the end was missed.
 */
export async function followMigration(client: HostClient, id: string, onEvent: (event: MigrationEvent) => Promise<void> | void): Promise<MigrationEvent> {
  const seen = new Set<string>();
  const deliver = async (event: MigrationEvent) => {
    const key = JSON.stringify(event);
    if (seen.has(key)) return;
    seen.add(key);
    await onEvent(event);
  };
  let fruitless = 0;
  let previous = '';
  for (;;) {
    try {
      for await (const event of client.migrationEvents(id)) {
        await deliver(event);
        if (isFinalMigrationState(event.state)) return event;
      }
    } catch (err) {
      if (!(err instanceof WasmotionError && err.code === HOST_TIMEOUT)) throw err;
    }
    const newest = await client.migration(id);
    if (isFinalMigrationState(newest.state)) {
      await deliver(newest);
      return newest;
    }
    const now = JSON.stringify(newest);
    fruitless = now === previous ? fruitless + 1 : 0;
    previous = now;
    if (fruitless > MAX_RECONNECTS) throw new WasmotionError(HOST_PROTOCOL, `${client.url} keeps ending the event stream of ${id} while it is ${newest.state}`);
    await delay(RECONNECT_PAUSE_MS);
  }
}

function positiveMs(text: string): number {
  const ms = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(ms > 0)) throw new UsageError(`--downtime-limit ${text} is not a positive number of milliseconds`);
  return ms;
}
