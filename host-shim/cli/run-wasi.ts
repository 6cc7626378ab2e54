/**
 * `wasmotion run GUEST.wasm -- ARGS` and `wasmotion resume DIR`: a WASI
 * command guest with this process's stdin, stdout and stderr, and with
 * --tcplisten a listening socket at fd 3 served on a TCP port of this host;
 * the process exits with the guest's code, or 75 when it stopped into a
 * snapshot.
 */
import { basename } from 'node:path';
import type { DiskOptions } from '../wasi/disk.js';
import { GuestSession, type Outcome, type RunControl } from '../guest/session.js';
import { UsageError } from '../errors.js';
import { TcpListener } from '../sockets/tcp-listener.js';
import { SnapshotDir } from '../snapshot/directory.js';
import { takeSnapshot } from '../snapshot/take.js';
import { EXIT_STOPPED } from './report.js';
import type { Limits } from './run.js';

export interface SnapshotOptions {
  dir?: string;
  /** Stop after this many steps, writing a snapshot. */
  stopAfter?: bigint;
  /** Write a diff snapshot every this many steps. */
  every?: bigint;
}

/** Where --tcplisten serves the guest's listening socket. */
export interface ListenAddress {
  host: string;
  port: number;
}

const io = {
  stdin: process.stdin,
  stdout: (chunk: Uint8Array) => process.stdout.write(chunk),
  stderr: (chunk: Uint8Array) => process.stderr.write(chunk),
};

export async function runWasiCommand(
  bytes: Uint8Array,
  path: string,
  args: string[],
  env: Record<string, string>,
  limits: Limits,
  snapshots: SnapshotOptions = {},
  listen?: ListenAddress,
  disk?: DiskOptions,
): Promise<number> {
  const dir = snapshots.dir !== undefined ? new SnapshotDir(snapshots.dir) : undefined;
  dir?.init(bytes);
  const session = GuestSession.start(bytes, { programName: basename(path), args, env, ...io, engine: engineOf(limits), disk });
  return drive(session, bytes, dir, snapshots, listen);
}

export async function resumeCommand(dirPath: string, limits: Limits, snapshots: SnapshotOptions, listen?: ListenAddress): Promise<number> {
  const dir = new SnapshotDir(dirPath);
  const chain = dir.readChain();
  const module = dir.readModule();
  // The guest keeps the limits it ran under, unless this command sets others.
  const saved = chain[chain.length - 1].meta.limits;
  const merged: Limits = {
    maxMemoryPages: limits.maxMemoryPages ?? saved.maxMemoryPages,
    fuel: limits.fuel ?? (saved.fuelLeft !== undefined ? BigInt(saved.fuelLeft) : undefined),
    engine: limits.engine,
  };
  const session = GuestSession.restore(module, chain, { ...io, engine: { ...engineOf(merged), maxCallDepth: saved.maxCallDepth } });
  return drive(session, module, dir, snapshots, listen);
}

function engineOf(limits: Limits) {
  return { maxMemoryPages: limits.maxMemoryPages, fuel: limits.fuel, wasm: limits.engine };
}

/** Serves the guest's listening socket at `listen`; a restored guest that listens needs one. */
async function serve(session: GuestSession, listen: ListenAddress | undefined): Promise<TcpListener | undefined> {
  const net = session.sockets();
  if (!listen) {
    if (net.vmm.listenPort() !== null) throw new UsageError('the guest listens on a socket: give it one with --tcplisten HOST:PORT');
    return undefined;
  }
  const tcp = await TcpListener.start(net, listen.host, listen.port);
  process.stderr.write(`wasmotion: listening on ${tcp.address}\n`);
  return tcp;
}

async function drive(
  session: GuestSession,
  module: Uint8Array,
  dir: SnapshotDir | undefined,
  snapshots: SnapshotOptions,
  listen: ListenAddress | undefined,
): Promise<number> {
  const control: RunControl = { stopAfter: snapshots.stopAfter };
  if (dir && snapshots.every !== undefined) {
    control.every = { steps: snapshots.every, at: (s) => void takeSnapshot(dir, s, module) };
  }
  let outcome: Outcome;
  let tcp: TcpListener | undefined;
  try {
    tcp = await serve(session, listen);
    outcome = await session.run(control);
    if (outcome.state === 'stopped' && dir) {
      const taken = takeSnapshot(dir, session, module);
      process.stderr.write(
        `wasmotion: stopped after ${outcome.steps} steps; snapshot ${taken.sequence} (${taken.kind}) in ${dir.path}; continue with: wasmotion resume ${dir.path}\n`,
      );
    }
  } finally {
    await tcp?.close();
    session.dispose();
    // stdin is read only when the guest asks; an open stream would keep the process alive.
    process.stdin.destroy();
  }
  return outcome.state === 'exited' ? outcome.exitCode : EXIT_STOPPED;
}
