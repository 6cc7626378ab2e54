/**
 * `wasmotion switch start`: runs the virtual switch until SIGINT or
 * SIGTERM. Prints `switch ready at HOST:PORT` on stdout once hosts can
 * attach; its log (one timestamped line per event) goes to stderr.
 */
import { UsageError } from '../errors.js';
import { VirtualSwitch } from '../switch/switch.js';
import { deriveKeys, readToken } from '../cluster/auth.js';
import { log, readSecret } from './host-start.js';
import { parseHostPort } from './values.js';

export interface SwitchStartOptions {
  listen: string;
  secretFile?: string;
  token?: string;
  serviceHost?: string;
  orphanTimeout?: string;
}

/** The secret hosts attach with: the cluster secret file, or the one a cluster token derives for its hosts. */
function switchSecret(options: SwitchStartOptions): Buffer {
  if ((options.secretFile === undefined) === (options.token === undefined)) throw new UsageError('give the switch either --secret-file or --token');
  return options.secretFile !== undefined ? readSecret(options.secretFile) : deriveKeys(readToken(options.token!)).migrationSecret;
}

export async function switchStartCommand(options: SwitchStartOptions): Promise<number> {
  const { host, port } = parseHostPort('--listen', options.listen);
  let orphanTimeoutMs: number | undefined;
  if (options.orphanTimeout !== undefined) {
    const seconds = Number(options.orphanTimeout);
    if (!(seconds > 0)) throw new UsageError(`--orphan-timeout ${options.orphanTimeout} is not a positive number of seconds`);
    orphanTimeoutMs = seconds * 1000;
  }
  const sw = await VirtualSwitch.start({ host, port, secret: switchSecret(options), serviceHost: options.serviceHost, orphanTimeoutMs });
  for (const event of ['published', 'attached', 'detached', 'unpublished', 'link-refused', 'peer-refused']) sw.on(event, (d) => log(event, d));
  process.stdout.write(`switch ready at ${sw.endpoint}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sw.close();
  return 0;
}
