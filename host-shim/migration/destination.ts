/**
 * The receiving side of a live migration (see source.ts for the protocol).
 * The guest is prepared here while it still runs on the source, its memory
 * filled page by page; it runs only once GO arrives. If a connection ends
 * before GO, the prepared guest is thrown away: it never ran here.
 *
 * Page batches come on the data connection, sealed: this thread hands them
 * to the guest's worker as they are, which opens them (sealed-frames.ts).
 */
import type { TLSSocket } from 'node:tls';
import type { Worker } from 'node:worker_threads';
import { collectGarbage } from '../host/collect-garbage.js';
import { GuestHandle } from '../host/guest-handle.js';
import { parsePolicy, type GuestPolicy } from '../host/policy.js';
import type { GuestLimits } from '../host/worker-protocol.js';
import type { GuestNetConfig } from '../host/worker-protocol.js';
import { moduleDigest } from '../snapshot/directory.js';
import { BatchBuffers } from './batch-buffers.js';
import { failpoint } from './failpoints.js';
import type { DataChannel } from './listener.js';
import { dataKey } from './sealed-frames.js';
import { MAX_AT_WORKER, PageIntake } from './page-intake.js';
import { FrameReader, MigrationError, Msg, type Frame, PROTOCOLS, decodeConsole, decodeImageBlocks, decodeState, parseJson, writeJson } from './wire.js';
import { DISK_BLOCK, MAX_DISK_BYTES, MIN_DISK_BYTES } from '../wasi/disk.js';
import { imagePath, readImageHeader } from '../wasi/disk-image-file.js';
import type { DiskRefusal } from './progress.js';
import { WasmotionError, errorCode } from '../errors.js';
import { describeMissing, fits, includes, missingFrom, parseBaseline, type Baseline } from '../cluster/evc/index.js';

export interface DestinationHost {
  /** What this host offers guests (docs/evc.md). */
  offer: Baseline;
  /** A thread for the arriving guest: a started one if the host keeps some (host/worker-pool.ts). */
  worker(): Worker;
  /** Bytes of a guest's console output kept here (host/console.ts). */
  consoleHistory: number;
  hasModule(digest: string): boolean;
  module(digest: string): Uint8Array | undefined;
  putModule(bytes: Uint8Array): string;
  /** Whether a guest of this id already lives here. */
  hasGuest(id: string): boolean;
  /**
   * Promises guest `id` to one incoming migration, until the returned
   * function is called; null if another holds the promise. Two migrations
   * of one guest may be under way here (a retry after a cut the first has
   * not noticed yet), but only the one holding it may answer READY.
   */
  claim(id: string): (() => void) | null;
  /** Takes in a guest that now runs here. */
  adopt(g: GuestHandle): void;
  /** Whether the source, in doubt, told this host never to start guest `id` (see fence). */
  fenced(id: string): boolean;
  /**
   * Marks an incoming migration of guest `id` as under way, until the
   * returned function is called: a fence binds only the attempts under way
   * when it comes, never a later migration of the same guest.
   */
  receiving(id: string): () => void;
  /** The limits a guest with this policy runs under here. */
  limits(policy: GuestPolicy): GuestLimits;
  /** Admission control: reserves for the arriving guest (its disk counts as reserved memory), or says why it does not fit. */
  admit(id: string, policy: GuestPolicy, diskBytes: number): string | null;
  /** Drops the reservation made by admit: the guest was adopted, or will never run here. */
  release(id: string): void;
  /** How guest `id` reaches this host's virtual switch, if it has one. */
  net(id: string): GuestNetConfig | undefined;
  /** The shared directory of disk images this host sees, or null. */
  sharedDir: string | null;
  /** A channel on the migration listener for the data connection (listener.ts). */
  openChannel(timeoutMs: number): DataChannel;
}

interface Hello {
  protocol: number;
  /** The source's id of the migration, which a fence from a source in doubt names. */
  migration?: string;
  /** `policy` (host/policy.ts) is enforced here as at the source; absent means the default policy. */
  guest: { id: string; name: string | null; module: string; args: string[]; policy?: unknown };
  /** The wasm features the guest's module uses. */
  features: string[];
  /** The host capabilities it uses; absent from sources that predate baselines. */
  capabilities?: string[];
  /** The baseline it runs under; absent from sources that predate baselines. */
  baseline?: unknown;
  memoryBytes: number;
  /** Bytes of the guest's disk, created here before pre-copy; null or absent without one. */
  diskBytes?: number | null;
  /** The disk is backed by an image file in the source's shared directory, whose header holds a fresh marker. */
  diskShared?: boolean;
  state: string;
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
/** Guest ids as hosts make them, and nothing a file name or a URL would read otherwise. */
const GUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MODULE_DIGEST = /^[0-9a-f]{64}$/;

/**
 * Why a HELLO of another protocol is refused, or null. Checked before its
 * shape: another protocol's HELLO may have another shape, and its sender
 * is told of the version, not of a malformed message.
 */
function versionRefusal(hello: unknown): Refusal | null {
  if (typeof hello !== 'object' || hello === null || Array.isArray(hello)) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a malformed HELLO');
  const { protocol } = hello as { protocol?: unknown };
  if (!Number.isSafeInteger(protocol)) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a HELLO without a protocol version');
  if (!PROTOCOLS.includes(protocol as number)) return { code: 'WASMOTION_ERR_MIGRATION_VERSION', reason: `protocol ${protocol}, this host speaks ${PROTOCOLS.join(' and ')}` };
  return null;
}

/** Checks the shape of a HELLO of this protocol; returns the guest's baseline (this host's offer when a source predating baselines sends none). */
function helloBaseline(hello: Hello, host: DestinationHost): Baseline {
  const guest = hello.guest as Partial<Hello['guest']> | undefined;
  if (
    typeof guest !== 'object' || guest === null || typeof guest.id !== 'string' || !GUEST_ID.test(guest.id) ||
    typeof guest.module !== 'string' || !MODULE_DIGEST.test(guest.module) || !isStringList(guest.args) || (guest.name !== null && typeof guest.name !== 'string') ||
    (hello.migration !== undefined && typeof hello.migration !== 'string') || typeof hello.state !== 'string' ||
    !Number.isSafeInteger(hello.memoryBytes) || hello.memoryBytes < 0 ||
    !isStringList(hello.features) || (hello.capabilities !== undefined && !isStringList(hello.capabilities)) ||
    (hello.diskBytes != null && !(Number.isSafeInteger(hello.diskBytes) && hello.diskBytes >= MIN_DISK_BYTES && hello.diskBytes <= MAX_DISK_BYTES && hello.diskBytes % DISK_BLOCK === 0)) ||
    (hello.diskShared !== undefined && typeof hello.diskShared !== 'boolean')
  ) {
    throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a malformed HELLO');
  }
  if (hello.baseline === undefined) return host.offer;
  const baseline = parseBaseline(hello.baseline);
  if (!baseline) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a HELLO with a malformed baseline');
  return baseline;
}

function policyOf(hello: Hello): GuestPolicy {
  try {
    return parsePolicy(hello.guest.policy);
  } catch (err) {
    throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', `a HELLO with a malformed policy: ${(err as Error).message}`);
  }
}

const STEP_MS = 60_000;
const STATE_VERSIONS = ['1.0'];

/**
 * Whether this host sees the guest's disk image file: the marker read from
 * its header (the source compares it with the one it just wrote), or why not.
 */
function sharedImage(hello: Hello, host: DestinationHost): { path: string; marker: string } | { refused: DiskRefusal } {
  const notShared = (message: string) => ({ refused: { code: 'WASMOTION_ERR_DISK_NOT_SHARED', message } });
  if (host.sharedDir === null) return notShared('the destination has no shared directory');
  try {
    const path = imagePath(host.sharedDir, hello.guest.id);
    const header = readImageHeader(path);
    if (header.blocks * DISK_BLOCK !== hello.diskBytes) return { refused: { code: 'WASMOTION_ERR_DISK_IMAGE', message: `${path} holds ${header.blocks} blocks, not the guest's disk` } };
    return { path, marker: header.marker.toString('hex') };
  } catch (err) {
    if (((err as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return notShared(`the destination does not see the image file: ${(err as Error).message}`);
    return { refused: { code: err instanceof WasmotionError ? err.code : 'WASMOTION_ERR_DISK_IMAGE', message: `the destination cannot use the image file: ${(err as Error).message}` } };
  }
}

type Refusal = { code: string; reason: string };

/** What a HELLO asks of this host: the guest's baseline and policy here, or why this host does not take it. */
function consider(hello: Hello, host: DestinationHost): { refused: Refusal } | { refused: null; baseline: Baseline; policy: GuestPolicy } {
  const version = versionRefusal(hello);
  if (version) return { refused: version };
  const baseline = helloBaseline(hello, host);
  const policy = policyOf(hello);
  const no = refusal(hello, baseline, policy, host);
  return no ? { refused: no } : { refused: null, baseline, policy };
}

/** Why this host cannot take the guest, or null. */
function refusal(hello: Hello, baseline: Baseline, policy: GuestPolicy, host: DestinationHost): Refusal | null {
  if (!STATE_VERSIONS.includes(hello.state)) return { code: 'WASMOTION_ERR_MIGRATION_VERSION', reason: `checkpoint state ${hello.state} is outside this host's window (${STATE_VERSIONS.join(', ')})` };
  // What the guest uses must run here, and what it was shown must stay true here (EVC).
  const uses = fits({ features: hello.features, capabilities: hello.capabilities ?? [] }, { ...host.offer, name: `what this host offers (${host.offer.name})` });
  if (!uses.ok) return { code: 'WASMOTION_ERR_MIGRATION_FEATURES', reason: uses.reason };
  const lacks = missingFrom(host.offer, baseline);
  if (!includes(host.offer, baseline)) {
    return { code: 'WASMOTION_ERR_MIGRATION_FEATURES', reason: `the guest runs under ${baseline.name}, which this host cannot present: it lacks ${describeMissing(lacks)}` };
  }
  const maxMemoryBytes = (host.limits(policy).maxMemoryPages ?? 0) * 65536;
  if (hello.memoryBytes > maxMemoryBytes) return { code: 'WASMOTION_ERR_MIGRATION_MEMORY', reason: `the guest's ${hello.memoryBytes} bytes of memory exceed its limit of ${maxMemoryBytes} here` };
  if (host.hasGuest(hello.guest.id)) return { code: 'WASMOTION_ERR_MIGRATION_DUPLICATE', reason: `guest ${hello.guest.id} already lives here` };
  return null;
}

export async function receiveMigration(socket: TLSSocket, host: DestinationHost): Promise<void> {
  const reader = new FrameReader(socket);
  let channel: DataChannel | undefined;
  let intake: PageIntake | undefined;
  /** The next control message. The control connection is quiet while pages flow on the data connection: only a silence of both is a timeout. */
  const next = async (): Promise<Frame> => {
    for (;;) {
      try {
        return await reader.next(STEP_MS);
      } catch (err) {
        if ((err as MigrationError).code !== 'WASMOTION_ERR_MIGRATION_TIMEOUT' || !intake || intake.quietMs() >= STEP_MS) throw err;
      }
    }
  };
  let g: GuestHandle | undefined;
  let started = false;
  let held: string | undefined;
  /** Releases this migration's claim on the guest's id (DestinationHost.claim). */
  let unclaim: (() => void) | null = null;
  let done: (() => void) | undefined;
  try {
    const hello = parseJson(await reader.expect(Msg.Hello, STEP_MS)) as Hello;
    const asked = consider(hello, host);
    if (asked.refused) {
      await writeJson(socket, Msg.Welcome, { accept: false, ...asked.refused });
      return;
    }
    const { baseline, policy } = asked;
    // Admission control last: once it says yes, the guest's reservation is held here.
    const full = host.admit(hello.guest.id, policy, hello.diskBytes ?? 0);
    if (full) {
      await writeJson(socket, Msg.Welcome, { accept: false, code: 'WASMOTION_ERR_ADMISSION', reason: `this host cannot admit the guest: ${full}` });
      return;
    }
    held = hello.guest.id;
    done = host.receiving(hello.guest.id);
    const haveModule = host.hasModule(hello.guest.module);
    const image = hello.diskShared === true && hello.diskBytes != null ? sharedImage(hello, host) : undefined;
    const seen = image && 'path' in image ? image : undefined;
    /** The whole image was read from the file (the first DISK_IMAGE frame), so the disk can come from it. */
    let imageRead = false;
    // The source opens the data connection to this channel once it reads the WELCOME.
    channel = host.openChannel(STEP_MS);
    const shared = image && ('path' in image ? { diskMarker: image.marker } : { diskSharedRefused: image.refused });
    await writeJson(socket, Msg.Welcome, { accept: true, haveModule, channel: channel.id.toString('hex'), ...shared });
    if (!haveModule) {
      const bytes = await reader.expect(Msg.Module, STEP_MS);
      if (moduleDigest(bytes) !== hello.guest.module) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'the module bytes do not have the announced sha256');
      host.putModule(bytes);
    }
    g = new GuestHandle(hello.guest.id, hello.guest.name, hello.guest.module, hello.guest.args, policy, host.worker(), host.consoleHistory);
    g.state = 'incoming';
    // The worker checks the module itself against the baseline: a HELLO that understated what it uses ends here.
    await g.prepare(host.module(hello.guest.module)!, host.limits(policy), baseline, dataKey(socket), host.net(hello.guest.id), hello.diskBytes ?? undefined);
    const data = await Promise.race([channel.connection, closed(socket)]);
    // Buffers for every batch that can be at the worker, one being received, and one more.
    intake = new PageIntake(data, socket, reader, new BatchBuffers(MAX_AT_WORKER + 2), g);
    // Only now does pre-copy start: the switchover must never wait for this host to get ready.
    await writeJson(socket, Msg.Prepared, {});
    for (;;) {
      const f = await next();
      if (f.type === Msg.DiskImage) {
        // The source wrote these blocks to the image file this host read the marker of: read them from there.
        if (!seen) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'disk image blocks for an image file this host does not see');
        const blocks = decodeImageBlocks(f.payload);
        imageRead ||= blocks === null;
        g.send({ type: 'image-blocks', path: seen.path, blocks }, blocks ? [blocks.buffer as ArrayBuffer] : []);
      } else if (f.type === Msg.Switchover) {
        // The guest pauses next: this thread collects garbage now rather than inside the pause.
        collectGarbage();
        await writeJson(socket, Msg.Switchover, {});
      } else if (f.type === Msg.Console) {
        appendConsole(g, f.payload, hello.protocol);
      } else if (f.type === Msg.State) {
        failpoint('destination-state');
        const { meta, state } = decodeState(f.payload);
        const { frames, digest, diskDigest, fromImage, steps } = stateMeta(meta);
        // A guest of this id that came to run here meanwhile, or another migration of it about to: this one stops.
        unclaim = host.hasGuest(g.id) ? null : host.claim(g.id);
        if (!unclaim) {
          const reason = `guest ${g.id} runs here, or another migration is bringing it`;
          await writeJson(socket, Msg.Ready, { ok: false, reason, code: 'WASMOTION_ERR_MIGRATION_DUPLICATE' });
          throw new MigrationError('WASMOTION_ERR_MIGRATION_DUPLICATE', reason);
        }
        // Every sealed frame before STATE goes to the worker before the state does.
        await intake.all(frames);
        // The disk moved through the image file this host read the marker of: the worker loads it from there.
        if (fromImage && !imageRead) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a STATE that takes the disk from an image file this host has not read');
        const loaded = await g.ask({ type: 'load', state: new Uint8Array(state), digest, diskDigest, diskImage: fromImage ? seen!.path : undefined }, 'loaded');
        if (loaded.ok && fromImage) g.diskImage = { path: seen!.path, error: null };
        g.steps = steps;
        await writeJson(socket, Msg.Ready, loaded.ok ? { ok: true } : { ok: false, reason: loaded.message, code: loaded.code });
        if (!loaded.ok) throw new MigrationError(loaded.code ?? 'WASMOTION_ERR_MIGRATION_VERIFY', loaded.message ?? 'verification failed');
        await reader.expect(Msg.Go, STEP_MS);
        // A source in doubt may have fenced the guest meanwhile and resumed it there.
        if (host.fenced(g.id)) throw new MigrationError('WASMOTION_ERR_MIGRATION_FENCED', 'the source resumed the guest');
        // The point of no return: the guest runs here from now on. It is adopted
        // before it resumes, so that a source in doubt finds it when it fences,
        // and the CPU scheduler gives it its duty cycle before it runs.
        started = true;
        g.state = 'running';
        g.arrivedBy = typeof hello.migration === 'string' ? hello.migration : null;
        host.adopt(g);
        g.send({ type: 'resume' });
        await writeJson(socket, Msg.Started, {}).catch(() => undefined);
        return;
      } else if (f.type === Msg.Abort) {
        return;
      } else {
        throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', `unexpected message ${f.type}`);
      }
    }
  } catch (err) {
    if (!socket.destroyed) await writeJson(socket, Msg.Abort, { code: errorCode(err), message: (err as Error).message }).catch(() => undefined);
    throw err;
  } finally {
    if (g && !started) g.stop();
    if (held) host.release(held);
    unclaim?.();
    done?.();
    channel?.close();
    socket.end();
  }
}

/**
 * Adds a CONSOLE frame to the arriving guest's output. Protocol 4 sends the
 * whole output at the switchover, from its first byte; 5 sends it in pieces
 * during pre-copy, each saying where in the output it starts: after what
 * came before, or later where the source no longer held the bytes between.
 */
function appendConsole(g: GuestHandle, payload: Buffer, protocol: number): void {
  if (protocol === 4) return g.console.append(payload);
  const { at, bytes } = decodeConsole(payload);
  if (at < g.console.size) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', `console output from byte ${at} overlaps the ${g.console.size} bytes that came`);
  g.console.continueAt(at);
  g.console.append(bytes);
}

/** What a STATE says besides the state itself (source.ts, switchover). */
interface StateMeta {
  /** Sealed frames sent before it. */
  frames: number;
  /** The digests of memory and disk as sent. */
  digest: Buffer;
  diskDigest: Buffer;
  /** The disk is to be read from the shared image file. */
  fromImage: boolean;
  /** The guest's instruction count so far, in decimal. */
  steps: string;
}

const HEX = /^(?:[0-9a-f]{2})*$/;

function stateMeta(meta: unknown): StateMeta {
  const m = meta as Record<string, unknown> | null;
  if (
    typeof m !== 'object' || m === null || !Number.isSafeInteger(m.frames) || (m.frames as number) < 0 ||
    typeof m.digest !== 'string' || !HEX.test(m.digest) || typeof m.diskDigest !== 'string' || !HEX.test(m.diskDigest) ||
    (m.steps !== undefined && !(typeof m.steps === 'string' && /^\d{1,20}$/.test(m.steps))) || (m.diskFrom !== undefined && m.diskFrom !== 'image')
  ) {
    throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a malformed STATE');
  }
  return {
    frames: m.frames as number,
    digest: Buffer.from(m.digest, 'hex'),
    diskDigest: Buffer.from(m.diskDigest, 'hex'),
    fromImage: m.diskFrom === 'image',
    steps: (m.steps as string | undefined) ?? '0',
  };
}

/** Rejects when `socket` closes. */
function closed(socket: TLSSocket): Promise<never> {
  const p = new Promise<never>((_, reject) => socket.once('close', () => reject(new MigrationError('WASMOTION_ERR_MIGRATION_CONNECTION', 'the migration connection closed'))));
  p.catch(() => undefined);
  return p;
}
