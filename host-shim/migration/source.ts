/**
 * The sending side of a live migration (pre-copy, as QEMU and vMotion do):
 *
 *   handshake   HELLO → WELCOME (the destination checks compatibility and
 *               names a data channel); the data connection opens
 *   module      MODULE, only if the destination lacks it; then PREPARED once
 *               the destination has the guest instantiated
 *   pre-copy    PAGES and DISK rounds while the guest runs: every page of
 *               memory and every block of its disk, then those dirtied
 *               meanwhile, until what is left fits the downtime limit at
 *               the measured bandwidth (auto-converge throttles a guest
 *               that dirties faster than the link)
 *   switchover  pause; last PAGES and DISK, CONSOLE, STATE → READY (verified);
 *               GO → STARTED; only then is the guest released here
 *
 * A disk backed by an image file in a shared directory moves through the
 * file when the destination proves it sees that file (it reads back the
 * marker written here just before HELLO): no DISK frames; each round
 * writes the dirty blocks back to the file, syncs, and names them in a
 * DISK_IMAGE frame (round 1: every block) for the destination to read
 * from the file; the switchover does the same for the last ones.
 *
 * PAGES and DISK frames go on the data connection, sealed in the guest's
 * worker under a key from the control connection's TLS session
 * (sealed-frames.ts); everything else, acknowledgements included, on the
 * control connection. STATE names how many sealed frames preceded it.
 *
 * Failure contract: before GO, any failure resumes the guest here,
 * unchanged. After GO and before STARTED the outcome is unknown: the guest
 * stays paused here until the destination says whether it runs it.
 */
import { connect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { GuestHandle } from '../host/guest-handle.js';
import type { CollectedBatch, DiskFlushed, PagesOf } from '../host/worker-protocol.js';
import type { DiskRefusal, Migration } from './progress.js';
import { WasmotionError } from '../errors.js';
import { collectGarbage } from '../host/collect-garbage.js';
import { HostApiError } from '../client/errors.js';
import { HostClient } from '../client/host-client.js';
import type { HostInfo } from '../client/types.js';
import { reachableHost } from '../net/addresses.js';
import type { ApiToken } from '../net/api-token.js';
import { dataPreamble } from './listener.js';
import { dataKey } from './sealed-frames.js';
import { secureConnect } from './transport.js';
import { FrameReader, MigrationError, Msg, PROTOCOL, PROTOCOLS, encodeConsole, encodeImageBlocks, encodeState, pageFrameType, parseJson, peerCode, peerText, writeFrame, writeJson } from './wire.js';
import { DISK_BLOCK } from '../wasi/disk.js';
import { renewMarker } from '../wasi/disk-image-file.js';

export interface SourceContext {
  secret: Buffer;
  moduleBytes: Uint8Array;
  /** This host's virtual switch (HOST:PORT), which a guest with a service needs at the destination too. */
  switch: string | null;
  /** This host's API token, which its calls to the destination's API carry (a cluster shares one). */
  apiToken?: ApiToken;
}

/**
 * Page data per batch. 1 MiB measured better than 4 MiB on loopback (less
 * CPU per byte, shorter pauses): buffers of a few MiB cost fresh pages and
 * garbage collection at every batch, on both ends.
 */
const BATCH_BYTES = 1 << 20;
/** Console output per CONSOLE frame. */
const CONSOLE_PIECE = 1 << 20;
const MAX_ROUNDS = 40;
const HANDSHAKE_MS = 10_000;
const REPLY_MS = 30_000;
/** The destination starts a worker and instantiates the guest before pre-copy. */
const PREPARE_MS = 60_000;
/** How long a failed connection waits for the destination's reason on the control connection. */
const ABORT_GRACE_MS = 500;
/** How long the source keeps asking an unreachable destination whether it runs the guest. */
const IN_DOUBT_MS = 30_000;
/** Auto-converge: the first throttle, its step, its bound (QEMU: 20%, 10%, 99%). */
const THROTTLE_START = 0.2;
const THROTTLE_STEP = 0.1;
const THROTTLE_MAX = 0.99;

/** Why a shared disk is copied: the destination's refusal as it sent it, or a marker it did not read back. */
function whyNotShared(refusal: unknown, marker: unknown): DiskRefusal {
  const r = refusal as Partial<DiskRefusal> | undefined;
  if (typeof r?.code === 'string' && typeof r.message === 'string' && r.code.startsWith('WASMOTION_ERR_')) return { code: r.code, message: r.message };
  const what = marker === undefined ? 'the destination read no marker from the image file' : 'the destination read another marker from the image file (it sees another file of that name)';
  return { code: 'WASMOTION_ERR_DISK_NOT_SHARED', message: what };
}

/** What the source needs of the destination's host info (GET /v1/host): where it takes migrations, the newest protocol it speaks, and its switch. */
async function destinationInfo(dest: HostClient): Promise<{ migration: { host: string; port: number; protocol: number }; switch: string | null }> {
  let info: HostInfo;
  try {
    info = await dest.host({ timeoutMs: HANDSHAKE_MS });
  } catch (err) {
    if (err instanceof HostApiError && err.status === 401) throw new MigrationError('WASMOTION_ERR_UNAUTHENTICATED', `${dest.url} refused this host's API token: ${err.message}`, { cause: err });
    if (err instanceof HostApiError) throw new MigrationError('WASMOTION_ERR_HOST_UNREACHABLE', `${dest.url} answered ${err.status}: ${err.message}`, { cause: err });
    throw new MigrationError('WASMOTION_ERR_HOST_UNREACHABLE', `cannot reach the destination ${dest.url}: ${(err as Error).message}`, { cause: err });
  }
  if (typeof info !== 'object' || info === null || !info.migration) throw new MigrationError('WASMOTION_ERR_MIGRATION_REFUSED', `${dest.url} takes no migrations (it has no cluster secret)`);
  const { host, port, protocol } = info.migration;
  if (typeof host !== 'string' || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', `${dest.url} names no usable migration address: ${JSON.stringify(info.migration)}`);
  }
  if (info.switch != null && typeof info.switch !== 'string') throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', `${dest.url} names a malformed switch: ${JSON.stringify(info.switch)}`);
  // A host that does not say speaks this one's protocol, or refuses it in its WELCOME.
  return { migration: { host, port, protocol: Number.isSafeInteger(protocol) ? protocol : PROTOCOL }, switch: info.switch ?? null };
}

/** A plain TCP connection to host:port carrying the preamble of data channel `channel` (listener.ts). */
function dataConnect(host: string, port: number, channel: Uint8Array, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const fail = (message: string, cause?: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new MigrationError('WASMOTION_ERR_MIGRATION_CONNECTION', message, { cause }));
    };
    const timer = setTimeout(() => fail(`no data connection to ${host}:${port} within ${timeoutMs} ms`), timeoutMs);
    socket.once('error', (err) => fail(`cannot open the data connection to ${host}:${port}: ${err.message}`, err));
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.write(dataPreamble(channel));
      resolve(socket);
    });
  });
}

export class MigrationSource {
  /** The control connection (TLS). */
  private socket: TLSSocket | undefined;
  private reader: FrameReader | undefined;
  /** The data connection: sealed PAGES and DISK frames. */
  private data: Socket | undefined;
  /** Sealed frames written to the data connection. */
  private sealedFrames = 0;
  /** STATE is written: from then on the destination reports on the control connection what became of the data. */
  private stateSent = false;
  private transferred = 0;
  private copyStart: number | undefined;
  private copyEnd: number | undefined;
  /** PAGES payload bytes written; the destination acknowledges them. */
  private sentFrameBytes = 0;
  /** Page bytes of the rounds measured so far (acknowledged). */
  private measuredBytes = 0;
  private throttle = 0;
  /** The disk moves through its image file in the shared directory (decided in the handshake). */
  private diskShared = false;
  private diskTransferred = 0;
  private diskFlushed = 0;
  /** The destination's API: its host info, and the fence of a source in doubt. */
  private readonly destination: HostClient;
  /** The protocol spoken with the destination (wire.ts, PROTOCOLS). */
  private protocol = PROTOCOL;
  /** The guest's console output went to the destination up to this byte (protocol 5). */
  private consoleSent = 0;

  constructor(
    private readonly m: Migration,
    private readonly g: GuestHandle,
    private readonly ctx: SourceContext,
  ) {
    this.destination = new HostClient(m.to, { apiToken: ctx.apiToken });
  }

  private guestEnded(): MigrationError {
    return new MigrationError('WASMOTION_ERR_MIGRATION_GUEST_ENDED', `the guest ended (${this.g.state}) before the migration could complete`);
  }

  private checkCancel(): void {
    if (this.m.cancelRequested) throw new MigrationError('WASMOTION_ERR_MIGRATION_CANCELLED', 'the migration was cancelled');
  }

  async run(): Promise<void> {
    let goSent = false;
    try {
      await this.handshake();
      if (this.g.ended) throw this.guestEnded();
      this.g.state = 'migrating';
      const stats = await this.precopy();
      goSent = await this.switchover(stats);
    } catch (err) {
      if (goSent || (err instanceof MigrationError && err.code === 'WASMOTION_ERR_MIGRATION_IN_DOUBT')) throw err;
      // The guest exited (or trapped) on its own while its pages were copied: nothing to move.
      if (this.g.ended && !(err instanceof MigrationError)) throw this.guestEnded();
      // Nothing reached the point of no return: the guest goes on here.
      if (!this.g.ended) {
        this.g.send({ type: 'resume' });
        this.g.state = 'running';
      }
      // A destination that gives up says why on the control connection, which may come after its data connection closed here.
      const why = (err as MigrationError).code === 'WASMOTION_ERR_MIGRATION_CONNECTION' ? await this.reader?.abortedWith(ABORT_GRACE_MS) : undefined;
      throw why ?? err;
    } finally {
      this.socket?.destroy();
      this.data?.destroy();
    }
  }

  private async handshake(): Promise<void> {
    this.m.update({ state: 'handshake' });
    const dest = await destinationInfo(this.destination);
    // A published service stays where its clients reach it: on this host's virtual switch.
    if (this.g.listens && dest.switch !== this.ctx.switch) {
      throw new MigrationError('WASMOTION_ERR_MIGRATION_SWITCH', `the guest's service is published on the switch ${this.ctx.switch}; ${this.m.to} is attached to ${dest.switch ?? 'no switch'}`);
    }
    // A listener on every interface is reached where this host reached the destination's API.
    const { port } = dest.migration;
    const host = reachableHost(dest.migration.host, this.destination.url);
    // The newest protocol both hosts speak; with none, this host's own, which the destination then refuses for its version.
    const both = Math.min(PROTOCOL, dest.migration.protocol);
    this.protocol = PROTOCOLS.includes(both) ? both : PROTOCOL;
    this.checkCancel();
    this.socket = await secureConnect(this.ctx.secret, host, port, HANDSHAKE_MS);
    this.reader = new FrameReader(this.socket);
    const info = this.g.info();
    const { uses, baseline } = this.g;
    if (!uses || !baseline) throw new MigrationError('WASMOTION_ERR_INTERNAL', 'the guest is not instantiated: what it uses is unknown');
    const marker = this.markImage();
    // What the guest uses and the baseline it was shown: the destination must offer both.
    await writeJson(this.socket, Msg.Hello, {
      protocol: this.protocol,
      migration: this.m.id,
      guest: { id: info.id, name: info.name, module: info.module, args: info.args, startedAt: info.startedAt, policy: info.policy },
      features: uses.features,
      capabilities: uses.capabilities,
      baseline,
      memoryBytes: this.g.memoryBytes,
      diskBytes: this.g.diskBytes,
      diskShared: marker.marker !== null,
      state: '1.0',
    });
    const welcome = parseJson(await this.reader.expect(Msg.Welcome, HANDSHAKE_MS)) as {
      accept?: unknown; haveModule?: unknown; reason?: unknown; code?: unknown; diskMarker?: unknown; diskSharedRefused?: unknown; channel?: unknown;
    } | null;
    if (typeof welcome !== 'object' || welcome === null || typeof welcome.accept !== 'boolean') throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a malformed WELCOME');
    if (!welcome.accept) throw new MigrationError(peerCode(welcome.code, 'WASMOTION_ERR_MIGRATION_REFUSED'), `the destination refused: ${peerText(welcome.reason)}`);
    if (typeof welcome.channel !== 'string' || !/^[0-9a-f]{32}$/.test(welcome.channel)) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', 'a WELCOME without a data channel');
    await this.openData(host, port, Buffer.from(welcome.channel, 'hex'));
    // The destination sees the image file only if it read back the marker just written: a matching path proves nothing.
    this.diskShared = marker.marker !== null && welcome.diskMarker === marker.marker;
    let refused = marker.refused;
    if (marker.marker !== null && !this.diskShared) refused = whyNotShared(welcome.diskSharedRefused, welcome.diskMarker);
    this.m.update({ disk: this.g.diskBytes === null ? null : this.diskShared ? 'shared' : 'copied', diskSharedRefused: refused });
    if (welcome.haveModule !== true) await writeFrame(this.socket, Msg.Module, this.ctx.moduleBytes);
    await this.reader.expect(Msg.Prepared, PREPARE_MS);
  }

  /**
   * Opens the data connection to the channel the destination named, and
   * has the guest's worker seal its batches under this TLS session's key.
   * A data connection that closes before STATE is sent ends the migration;
   * after that, the destination says on the control connection whether it
   * had every frame.
   */
  private async openData(host: string, port: number, channel: Buffer): Promise<void> {
    this.data = await dataConnect(host, port, channel, HANDSHAKE_MS);
    this.data.on('error', () => undefined);
    this.data.on('close', () => {
      if (!this.stateSent) this.reader!.fail(new MigrationError('WASMOTION_ERR_MIGRATION_CONNECTION', 'the migration data connection closed'));
    });
    this.g.send({ type: 'seal', key: dataKey(this.socket!) });
  }

  /**
   * For a disk backed by an image file: a fresh marker in the file's header
   * (hex), which the destination must read back to take the disk from the
   * file. A file this host cannot mark leaves the disk to be copied.
   */
  private markImage(): { marker: string | null; refused: DiskRefusal | null } {
    const image = this.g.diskImage;
    if (!image || this.g.diskBytes === null) return { marker: null, refused: null };
    try {
      return { marker: renewMarker(image.path, this.g.diskBytes / DISK_BLOCK).toString('hex'), refused: null };
    } catch (err) {
      const code = err instanceof WasmotionError ? err.code : 'WASMOTION_ERR_DISK_IMAGE';
      return { marker: null, refused: { code, message: `the source cannot use the image file: ${(err as Error).message}` } };
    }
  }

  /**
   * Sends dirty pages of memory, then dirty blocks of the disk, until none
   * are left or each sent as many bytes as its size; returns the bytes sent
   * and the pages and blocks left dirty. A disk that moves through its
   * image file is written back there instead, synced, and the destination
   * told which blocks to read from it (every block in the first round);
   * nothing of it is counted as left.
   */
  private async sendDirty(all: boolean): Promise<{ bytes: number; dirtyLeft: number; pages: number }> {
    const memory = await this.sendDirtyOf('memory', all, Math.max(this.g.memoryBytes, 1));
    if (this.g.diskBytes === null) return memory;
    if (this.diskShared) {
      await this.flushSharedDisk(all);
      return memory;
    }
    const disk = await this.sendDirtyOf('disk', all, this.g.diskBytes);
    return { bytes: memory.bytes + disk.bytes, dirtyLeft: memory.dirtyLeft + disk.dirtyLeft, pages: memory.pages + disk.pages };
  }

  /**
   * A disk that moves through its image file: its dirty blocks written back
   * there and synced (a network file system shows the destination only what
   * was synced before it opens the file), and the destination told which
   * blocks to read (every block in the first round).
   */
  private async flushSharedDisk(all: boolean): Promise<void> {
    await this.sendImageBlocks(await this.g.ask({ type: 'flush-disk', first: all }, 'disk-flushed'), all);
  }

  /** Names the blocks a write-back of the shared disk wrote (every block in the first round) in a DISK_IMAGE frame. */
  private async sendImageBlocks(flushed: DiskFlushed, all: boolean): Promise<void> {
    this.diskFlushed += flushed.bytes;
    if (all || flushed.written.length > 0) await writeFrame(this.socket!, Msg.DiskImage, encodeImageBlocks(all ? null : flushed.written));
    this.m.update({ diskFlushed: this.diskFlushed });
  }

  /**
   * Sends dirty pages of memory or of the disk until none are left (or
   * `maxBytes` went out); returns the bytes sent. The worker copies the
   * next batch while this one is on the wire.
   */
  private async sendDirtyOf(of: PagesOf, all: boolean, maxBytes: number): Promise<{ bytes: number; dirtyLeft: number; pages: number }> {
    let bytes = 0;
    const compress = this.m.compress;
    let next = this.g.ask({ type: 'collect', of, maxBytes: BATCH_BYTES, all, compress }, 'collected');
    for (;;) {
      const batch = await next;
      bytes += batch.bytes;
      const more = batch.dirtyLeft > 0 && bytes < maxBytes;
      if (more) next = this.g.ask({ type: 'collect', of, maxBytes: BATCH_BYTES, all: false, compress }, 'collected');
      await this.sendBatch(batch);
      if (!more) return { bytes, dirtyLeft: batch.dirtyLeft, pages: batch.pages };
      this.checkCancel();
    }
  }

  /** Sends a sealed batch of pages (PAGES) or disk blocks (DISK) on the data connection, unless it is empty. */
  private async sendBatch(batch: CollectedBatch): Promise<void> {
    this.transferred += batch.bytes;
    if (batch.of === 'disk') this.diskTransferred += batch.bytes;
    if (batch.count === 0) return;
    if (!batch.tag) throw new MigrationError('WASMOTION_ERR_INTERNAL', 'the worker collected a batch it did not seal');
    this.copyStart ??= performance.now();
    // Counted first: once written out, the batch's buffer goes back to the worker (whose heap it then burdens, not this one's).
    this.sentFrameBytes += batch.records.length + batch.tag.length;
    this.sealedFrames++;
    const buffer = batch.records.buffer as ArrayBuffer;
    await writeFrame(this.data!, pageFrameType(batch.of, batch.compressed), [batch.records, batch.tag], () => this.g.send({ type: 'recycle', buffer }, [buffer]));
  }

  /**
   * Protocol 5: the guest's console output since the last CONSOLE frame, in
   * frames of at most CONSOLE_PIECE bytes, each naming the offset of its
   * first byte: during pre-copy, so that the switchover sends only what was
   * printed last, however long the guest's history.
   */
  private async sendConsole(): Promise<void> {
    if (this.protocol === 4) return;
    for (;;) {
      const { at, bytes } = this.g.console.slice(this.consoleSent, CONSOLE_PIECE);
      if (bytes.length === 0) return;
      await writeFrame(this.socket!, Msg.Console, encodeConsole(at, bytes));
      this.consoleSent = at + bytes.length;
    }
  }

  /** Page bytes per second over the pre-copy rounds, up to the destination's acknowledgement of each. */
  private throughput(): number {
    if (this.copyStart === undefined || this.copyEnd === undefined) return 0;
    return this.measuredBytes / Math.max((this.copyEnd - this.copyStart) / 1000, 1e-3);
  }

  private async precopy(): Promise<{ bandwidth: number }> {
    let bandwidth = 0;
    for (let iteration = 1; ; iteration++) {
      this.checkCancel();
      const roundStart = performance.now();
      // Round 1 sends every page and block; every round at most the whole memory (as of the last
      // batch) and the whole disk: a guest dirtying faster than that waits for the next round,
      // whose measure throttles it (a round 1 without bound never ended with such a guest when
      // its memory took more than one batch).
      const sent = await this.sendDirty(iteration === 1);
      await this.sendConsole();
      // The round counts once the destination has it: bytes in socket buffers are not bandwidth.
      await this.reader!.awaitAcked(this.sentFrameBytes, REPLY_MS);
      this.copyEnd = performance.now();
      this.measuredBytes = this.transferred;
      const seconds = Math.max((performance.now() - roundStart) / 1000, 1e-4);
      if (sent.bytes > 0) bandwidth = bandwidth === 0 ? sent.bytes / seconds : 0.5 * bandwidth + 0.5 * (sent.bytes / seconds);
      const remaining = sent.dirtyLeft * 4096;
      const dirtyRate = iteration === 1 ? 0 : remaining / seconds;
      const expectedMs = bandwidth > 0 ? (remaining / bandwidth) * 1000 : remaining === 0 ? 0 : Infinity;
      this.m.update({
        state: 'precopy', iteration, transferred: this.transferred, wireBytes: this.sentFrameBytes, remaining, total: sent.pages * 4096, diskTransferred: this.diskTransferred,
        dirtyRate, throughput: this.throughput(), expectedDowntimeMs: Number.isFinite(expectedMs) ? expectedMs : null, throttle: this.throttle,
      });
      // QEMU's rule: switch over once what is left fits the downtime limit at the measured bandwidth.
      if (expectedMs <= this.m.downtimeLimitMs) return { bandwidth };
      if (iteration >= 2 && dirtyRate > 0) {
        if (this.throttle < THROTTLE_MAX) {
          this.throttle = this.throttle === 0 ? THROTTLE_START : Math.min(THROTTLE_MAX, this.throttle + THROTTLE_STEP);
          this.g.send({ type: 'throttle', fraction: this.throttle });
        } else if (iteration >= MAX_ROUNDS) {
          if (this.m.policy === 'accept-downtime') return { bandwidth };
          throw new MigrationError('WASMOTION_ERR_MIGRATION_NO_CONVERGENCE', `the guest dirties memory faster than the link carries it (${Math.round(dirtyRate / 1e6)} MB/s dirtied, ${Math.round(bandwidth / 1e6)} MB/s sent)`);
        }
      }
    }
  }

  /** Returns true once GO was sent (the point of no return). */
  private async switchover(stats: { bandwidth: number }): Promise<boolean> {
    this.checkCancel();
    this.m.update({ state: 'switchover', throughput: this.throughput() });
    // Garbage is collected on both hosts' main threads now, while the guest runs, not inside its pause.
    await writeJson(this.socket!, Msg.Switchover, {});
    await this.reader!.expect(Msg.Switchover, REPLY_MS);
    collectGarbage();
    // What the guest dirtied during that exchange goes now, while it still runs: the pause carries only what it dirties next.
    await this.sendDirty(false);
    await this.sendConsole();
    // One request: the worker pauses the guest, writes a shared disk back, collects the last dirty pages (and blocks), and takes the checkpoint.
    const last = { maxBytes: BATCH_BYTES, compress: this.m.compress };
    const ck = await this.g.ask({ type: 'checkpoint', diskFromImage: this.diskShared, last }, 'checkpoint');
    // The downtime runs from the moment the guest stopped, in the worker: epoch milliseconds on both threads.
    const pausedAt = ck.pausedAt - performance.timeOrigin;
    const phases: Record<string, number> = {};
    const mark = (name: string, since: number) => (phases[name] = Math.round((performance.now() - since) * 1000) / 1000);
    // The worker's part: the last pages (and blocks) collected and sealed, the checkpoint taken.
    phases.checkpoint = Math.round((ck.postedAt - ck.pausedAt) * 1000) / 1000;
    let t = ck.postedAt - performance.timeOrigin;
    if (ck.flushed) await this.sendImageBlocks(ck.flushed, false);
    let lastBytes = 0;
    for (const batch of ck.batches) {
      lastBytes += batch.bytes;
      await this.sendBatch(batch);
    }
    mark('pages', t);
    t = performance.now();
    // What the guest printed since the last round (protocol 4: all of it, only now).
    if (this.protocol === 4) await writeFrame(this.socket!, Msg.Console, this.g.console.read());
    else await this.sendConsole();
    // `frames`: the destination loads the state only once it has opened that many sealed frames.
    const meta = { digest: Buffer.from(ck.digest).toString('hex'), diskDigest: Buffer.from(ck.diskDigest).toString('hex'), pages: ck.pages, steps: this.g.steps, frames: this.sealedFrames };
    this.stateSent = true;
    // "image": the destination fills the disk from the shared image file before it loads the state.
    await writeFrame(this.socket!, Msg.State, encodeState(this.diskShared ? { ...meta, diskFrom: 'image' } : meta, ck.state));
    mark('state', t);
    t = performance.now();
    const ready = parseJson(await this.reader!.expect(Msg.Ready, REPLY_MS)) as { ok?: unknown; reason?: unknown; code?: unknown } | null;
    mark('verify', t);
    t = performance.now();
    // Only a READY that says so in as many words lets GO go out.
    if (ready?.ok !== true) {
      // An image file the destination could not load, or a guest it already has, keep their codes; anything else is a verification failure.
      const code = ready?.code === 'WASMOTION_ERR_DISK_IMAGE' || ready?.code === 'WASMOTION_ERR_MIGRATION_DUPLICATE' ? ready.code : 'WASMOTION_ERR_MIGRATION_VERIFY';
      throw new MigrationError(code, `the destination could not verify the guest: ${peerText(ready?.reason)}`);
    }
    this.checkCancel();
    await writeJson(this.socket!, Msg.Go, {});
    try {
      await this.reader!.expect(Msg.Started, REPLY_MS);
    } catch (err) {
      await this.resolveInDoubt(err);
    }
    mark('start', t);
    const downtimeMs = performance.now() - pausedAt;
    this.g.migration = { id: this.m.id, to: this.m.to };
    this.g.end('migrated', null, null);
    this.m.update({
      state: 'completed', transferred: this.transferred, wireBytes: this.sentFrameBytes, remaining: 0, downtimeMs, phasesMs: phases, diskTransferred: this.diskTransferred, diskFlushed: this.diskFlushed,
      throughput: this.throughput(), expectedDowntimeMs: (lastBytes / Math.max(stats.bandwidth, 1)) * 1000,
    });
    return true;
  }

  /**
   * GO was sent but STARTED did not come back: ask the destination whether
   * it runs the guest. Until it answers, the guest stays paused here, so it
   * never runs twice and is never lost.
   */
  private async resolveInDoubt(cause: unknown): Promise<void> {
    const deadline = Date.now() + IN_DOUBT_MS;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      try {
        // Fencing is atomic on the destination: either it runs the guest already, or it never will.
        const answer = await this.destination.fence(this.g.id, this.m.id, { timeoutMs: 5_000 });
        // It runs there, or ran there since this migration brought it (and ended or moved on): it is not this host's any more.
        if (answer.state === 'running' || answer.adopted === true) return;
        // The destination does not run it: it never got GO, and no GO can come on a closed connection.
        if (answer.state === 'fenced') throw new MigrationError('WASMOTION_ERR_MIGRATION_CONNECTION', `the destination did not start the guest: ${(cause as Error).message}`, { cause });
        // Any other answer says nothing of the guest: ask again.
      } catch (err) {
        // An error (unreachable, a refused token) says nothing of it either.
        if (err instanceof MigrationError) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 5_000)));
    }
    throw new MigrationError('WASMOTION_ERR_MIGRATION_IN_DOUBT', `the destination cannot be asked whether it runs the guest; the guest stays paused here until it can`, { cause });
  }
}
