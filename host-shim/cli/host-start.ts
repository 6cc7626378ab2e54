/**
 * `wasmotion host start`: runs a host agent until SIGINT or SIGTERM. Prints
 * `host NAME ready at URL` on stdout once it accepts requests; its log (one
 * timestamped line per event, the first naming its engine) goes to stderr.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { UsageError } from '../errors.js';
import { HostAgent, type HostConfig } from '../host/agent.js';
import { deriveKeys, readToken } from '../cluster/auth.js';
import { parseHostPort, parsePort, parseSize } from './values.js';
import { checkEngine } from '../vmm/open.js';
import { ApiToken } from '../net/api-token.js';
import { isLoopbackAddress, isWildcardAddress } from '../net/addresses.js';

export interface HostStartOptions {
  listen: string;
  name?: string;
  dataDir?: string;
  secretFile?: string;
  migrationPort?: string;
  migrationAdvertise?: string;
  maxMigrations?: string;
  spareWorkers?: string;
  consoleHistory?: string;
  maxMemory?: string;
  cluster?: string;
  token?: string;
  features?: string;
  cpus?: string;
  memory?: string;
  switch?: string;
  engine?: string;
  sharedDir?: string;
  apiTokenFile?: string;
}

/** --listen HOST:PORT (port 0 picks a free one). */
export function parseListen(text: string): { host: string; port: number } {
  return parseHostPort('--listen', text);
}

/** The cluster secret from its file (at least 16 bytes). */
export function readSecret(path: string): Buffer {
  let secret: Buffer;
  try {
    secret = readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read the secret file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (secret.length < 16) throw new UsageError(`the secret in ${path} is shorter than 16 bytes`);
  return secret;
}

export function log(event: string, detail: unknown): void {
  process.stderr.write(`${new Date().toISOString()} ${event} ${JSON.stringify(detail)}\n`);
}

/** The migration secret and cluster membership: from the cluster token, or a secret file alone. */
function membership(options: HostStartOptions): Pick<HostConfig, 'secret' | 'cluster'> {
  if (options.cluster === undefined) {
    if (options.token !== undefined) throw new UsageError('--token goes with --cluster');
    return { secret: options.secretFile ? readSecret(options.secretFile) : undefined };
  }
  if (options.token === undefined) throw new UsageError('--cluster needs --token FILE, the cluster token');
  if (options.secretFile !== undefined) throw new UsageError('--secret-file and --cluster exclude each other: in a cluster the token also keys migration');
  const keys = deriveKeys(readToken(options.token));
  return { secret: keys.migrationSecret, cluster: { url: options.cluster, requestKey: keys.requestKey } };
}

function parseCpus(text: string): number {
  const cpus = Number(text);
  if (text.trim() === '' || !(cpus > 0 && Number.isFinite(cpus))) throw new UsageError(`--cpus ${text} is not a positive number of cores`);
  return cpus;
}

/** --migration-port and --migration-advertise, which only a host taking part in migrations has. */
function migrationAddress(options: HostStartOptions): Pick<HostConfig, 'migrationPort' | 'migrationAdvertise'> {
  const { migrationPort, migrationAdvertise } = options;
  if ((migrationPort !== undefined || migrationAdvertise !== undefined) && !options.secretFile && !options.token) {
    throw new UsageError(`${migrationPort !== undefined ? '--migration-port' : '--migration-advertise'} needs --secret-file (or --cluster and --token): without the cluster secret a host takes no part in migrations`);
  }
  const advertise = migrationAdvertise !== undefined ? parseHostPort('--migration-advertise', migrationAdvertise) : undefined;
  if (advertise && (advertise.port === 0 || isWildcardAddress(advertise.host))) {
    throw new UsageError(`--migration-advertise ${migrationAdvertise}: other hosts connect there, so it names a reachable address and a port other than 0`);
  }
  return { migrationPort: migrationPort !== undefined ? parsePort('--migration-port', migrationPort) : undefined, migrationAdvertise: advertise };
}

export async function hostStartCommand(options: HostStartOptions): Promise<number> {
  const { host, port } = parseListen(options.listen);
  const memory = options.memory !== undefined ? parseSize(options.memory) : undefined;
  if (memory === 0) throw new UsageError('--memory must be more than 0 bytes');
  const maxMigrations = options.maxMigrations !== undefined ? Number(options.maxMigrations) : undefined;
  if (maxMigrations !== undefined && !(Number.isInteger(maxMigrations) && maxMigrations > 0)) throw new UsageError('--max-migrations must be a positive integer');
  if (options.switch !== undefined && !options.secretFile && !options.token) throw new UsageError('--switch needs --secret-file (or --cluster and --token): hosts reach the switch with the cluster secret');
  const migration = migrationAddress(options);
  const spareWorkers = options.spareWorkers !== undefined ? Number(options.spareWorkers) : undefined;
  if (spareWorkers !== undefined && !(Number.isInteger(spareWorkers) && spareWorkers >= 0 && spareWorkers <= 64)) throw new UsageError('--spare-workers must be an integer from 0 to 64');
  const agent = await HostAgent.start({
    name: options.name ?? hostname(),
    host,
    port,
    dataDir: options.dataDir,
    ...membership(options),
    ...migration,
    maxMigrations,
    spareWorkers,
    consoleHistory: options.consoleHistory !== undefined ? parseSize(options.consoleHistory) : undefined,
    maxMemoryPages: options.maxMemory !== undefined ? Math.floor(parseSize(options.maxMemory) / 65536) : undefined,
    features: options.features,
    engine: options.engine !== undefined ? checkEngine(options.engine) : undefined,
    capacity: { cpu: options.cpus !== undefined ? parseCpus(options.cpus) : undefined, memory },
    switch: options.switch !== undefined ? parseHostPort('--switch', options.switch) : undefined,
    sharedDir: options.sharedDir,
    apiToken: options.apiTokenFile !== undefined ? ApiToken.fromFile(options.apiTokenFile) : undefined,
  });
  log('engine', { engine: agent.engine, runner: agent.engineRunner });
  const loopback = host === 'localhost' || isLoopbackAddress(host);
  if (options.apiTokenFile === undefined && !loopback) log('api-open', { listen: agent.url, warning: 'the control API answers anyone who reaches this address: give --api-token-file' });
  for (const event of ['guest-end', 'guest-arrived', 'peer-refused', 'migration-in-failed', 'cluster-joined', 'cluster-unreachable', 'cluster-reachable', 'cluster-error']) agent.on(event, (d) => log(event, d));
  process.stdout.write(`host ${agent.config.name} ready at ${agent.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await agent.close();
  return 0;
}
