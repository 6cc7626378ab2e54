/**
 * A guest's link to the virtual switch, from the host that runs it (inside
 * the guest's worker, beside its VMM): the switch's frames go to the
 * guest's socket device (sockets/guest-net.ts) and the device's output goes
 * to the switch. attach() publishes the guest's service or takes it over
 * after a migration; a lost link is attached again, with a new epoch, and
 * the switch resumes every connection where the guest stands.
 */
import type { TLSSocket } from 'node:tls';
import type { GuestNet, NetPeer } from '../sockets/guest-net.js';
import { switchConnect } from './transport.js';
import {
  Frame, FrameParser, SwitchError, dataHeader, idFrame, jsonFrame, offsetFrame, readData, readId, readJson, readOffset,
} from './wire.js';

/** Where the switch is and the cluster secret that opens it. */
export interface SwitchEndpoint {
  host: string;
  port: number;
  secret: Uint8Array;
}

export interface Published {
  address: string;
  port: number;
}

const CONNECT_MS = 10_000;
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 2_000;
/** How long close() waits for the switch to take an UNPUBLISH. */
const CLOSE_MS = 1_000;

export class SwitchLink implements NetPeer {
  private socket: TLSSocket | undefined;
  private connecting: Promise<TLSSocket> | undefined;
  private net: GuestNet | undefined;
  private attached = false;
  /** close() was called, or the switch refused the guest: no more attaching. */
  private shut = false;
  private retryMs = RETRY_FIRST_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private waiter: { resolve(p: Published): void; reject(err: Error): void } | undefined;

  /**
   * `onAttached` runs as soon as the switch accepted, before any of its
   * connections reach the guest (a new guest opens its listener there).
   * `onLost` hears of a link that cannot be attached again.
   */
  constructor(
    private readonly endpoint: SwitchEndpoint,
    readonly guest: string,
    private readonly events: { onAttached?(p: Published): void; onLost?(err: Error): void } = {},
  ) {}

  /** Opens the TLS connection now, so that a later attach is a single frame. */
  preconnect(): void {
    void this.connect().catch(() => undefined);
  }

  /**
   * Attaches the guest behind `net` to the switch: its service is published
   * at `port` (0: any) or at the port its listener was published on before.
   * Resolves with the service's address; rejects with the switch's refusal
   * or SwitchError WASMOTION_ERR_SWITCH_UNREACHABLE.
   */
  attach(net: GuestNet, port = 0): Promise<Published> {
    this.net = net;
    net.peer = this;
    return new Promise<Published>((resolve, reject) => {
      this.waiter = { resolve, reject };
      void this.connectAndAttach(port).catch((err: Error) => this.settle(err));
    });
  }

  /** The guest runs here again after a failed migration: reattach if the link was lost meanwhile. */
  resume(): void {
    if (!this.attached && this.net && !this.shut) this.scheduleRetry(0);
  }

  /** Ends the link; with `unpublish`, the switch closes the guest's service. */
  async close(unpublish: boolean): Promise<void> {
    this.shut = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    if (unpublish && this.attached) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_MS);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.end(jsonFrame(Frame.Unpublish, {}));
      });
    }
    socket.destroy();
  }

  // ---- NetPeer: the guest's side, to the switch ----

  data(id: number, offset: number, bytes: Uint8Array): void {
    const s = this.live();
    if (!s) return; // still in the VMM, unacknowledged: sent again after the next attach
    s.cork();
    s.write(dataHeader(id, offset, bytes.length));
    s.write(bytes);
    s.uncork();
  }

  end(id: number, offset: number): void {
    this.live()?.write(offsetFrame(Frame.End, id, offset));
  }

  received(id: number, offset: number): void {
    this.live()?.write(offsetFrame(Frame.Ack, id, offset));
  }

  opened(id: number): void {
    this.live()?.write(idFrame(Frame.Opened, id));
  }

  refused(id: number): void {
    this.live()?.write(idFrame(Frame.Closed, id));
  }

  closed(id: number): void {
    this.live()?.write(idFrame(Frame.Closed, id));
  }

  // ---- inside ----

  private live(): TLSSocket | undefined {
    return this.attached && this.socket && !this.socket.destroyed ? this.socket : undefined;
  }

  private connect(): Promise<TLSSocket> {
    this.connecting ??= switchConnect(Buffer.from(this.endpoint.secret), this.endpoint.host, this.endpoint.port, CONNECT_MS).then(
      (socket) => {
        this.socket = socket;
        const parser = new FrameParser((type, payload) => this.frame(type, payload));
        socket.on('data', (chunk: Buffer) => {
          try {
            parser.push(chunk);
          } catch (err) {
            this.settle(err as Error);
            socket.destroy();
          }
        });
        socket.on('error', () => undefined);
        socket.on('close', () => this.lost());
        return socket;
      },
      (err: unknown) => {
        this.connecting = undefined;
        throw err;
      },
    );
    return this.connecting;
  }

  /** Sends ATTACH: at once when the link is up (before the guest's first slice delays it), else once connected. */
  private async connectAndAttach(port: number): Promise<void> {
    const socket = this.socket && !this.socket.destroyed ? this.socket : await this.connect();
    const net = this.net!;
    const epoch = net.vmm.nextEpoch();
    const conns = net.known().map((c) => ({ id: c.id, rx: c.rx, rxEnded: c.rxEnded }));
    socket.write(jsonFrame(Frame.Attach, { guest: this.guest, port: net.vmm.listenPort() ?? port, epoch, conns }));
  }

  private frame(type: number, payload: Buffer): void {
    const net = this.net;
    if (!net) throw new SwitchError('WASMOTION_ERR_SWITCH_PROTOCOL', `frame ${type} before ATTACH`);
    switch (type) {
      case Frame.Attached: {
        const body = readJson(payload);
        const published = { address: String(body.address), port: Number(body.port) };
        this.attached = true;
        this.retryMs = RETRY_FIRST_MS;
        this.events.onAttached?.(published);
        // Whatever the last link did not get acknowledged goes out again.
        net.rewind();
        this.settle(undefined, published);
        return;
      }
      case Frame.Refused: {
        const body = readJson(payload);
        const err = new SwitchError(String(body.code ?? 'WASMOTION_ERR_SWITCH_REFUSED'), `the switch refused guest ${this.guest}: ${String(body.message)}`);
        this.shut = true;
        if (this.waiter) this.settle(err);
        else this.events.onLost?.(err);
        return;
      }
      case Frame.Open:
        return net.open(readId(payload));
      case Frame.Data: {
        const { id, offset, bytes } = readData(payload);
        return net.receive(id, offset, bytes);
      }
      case Frame.Ack: {
        const { id, offset } = readOffset(payload);
        return net.ack(id, offset);
      }
      case Frame.End: {
        const { id, offset } = readOffset(payload);
        return net.peerEnd(id, offset);
      }
      case Frame.Reset:
        return net.peerReset(readId(payload));
      default:
        throw new SwitchError('WASMOTION_ERR_SWITCH_PROTOCOL', `unexpected frame ${type} from the switch`);
    }
  }

  private settle(err: Error | undefined, published?: Published): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (!w) return;
    if (err) w.reject(err);
    else w.resolve(published!);
  }

  private lost(): void {
    this.attached = false;
    this.socket = undefined;
    this.connecting = undefined;
    if (this.shut) return;
    // Connected ahead of an attach that has not come yet (the switch drops idle links): connect again.
    if (!this.net) return void setTimeout(() => !this.shut && !this.net && this.preconnect(), RETRY_FIRST_MS);
    if (this.waiter) {
      // The first attach never completed: its caller decides.
      this.settle(new SwitchError('WASMOTION_ERR_SWITCH_UNREACHABLE', `the link to the switch closed before guest ${this.guest} was attached`));
      return;
    }
    // A frozen guest (its checkpoint is on its way to another host) must not attach: it may not run here again.
    if (!this.net.frozen) this.scheduleRetry(this.retryMs);
  }

  private scheduleRetry(ms: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.shut || this.attached || this.net?.frozen) return;
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      this.connectAndAttach(0).catch(() => this.scheduleRetry(this.retryMs));
    }, ms);
  }
}
