/**
 * One guest service published on the virtual switch: a TCP listener with a
 * stable address, its client connections, and the host that runs the guest
 * now (its attachment). Client connections never see a migration:
 *
 *   - while no host is attached (the guest is between hosts), new clients
 *     are accepted and their bytes kept; they reach the guest once its new
 *     host attaches;
 *   - a host that attaches says how much of each connection its guest has
 *     received; the switch sends the rest again, and drops what the guest
 *     sends again that the client already has;
 *   - an attachment with an older epoch than the current one is refused,
 *     and a superseded one is cut off and not listened to any more.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ClientConn } from './client-conn.js';
import { Frame, SwitchError, idFrame, jsonFrame, offsetFrame, readData, readId, readOffset, type AttachRequest } from './wire.js';

/** Client bytes the guest has not confirmed, per connection, above which the client is paused. */
const WINDOW = 256 * 1024;
/** Client connections a service holds at once; more are reset (as a full backlog would refuse them). */
export const MAX_CLIENTS = 1024;

/** The current host's link, as the service uses it. */
export interface Attachment {
  readonly epoch: number;
  send(frame: Buffer): void;
  sendData(id: number, offset: number, bytes: Buffer): void;
  close(): void;
}

export class Service {
  readonly conns = new Map<number, ClientConn>();
  private nextId = 1;
  private attachment: Attachment | undefined;
  private epoch = 0;
  private orphanTimer: NodeJS.Timeout | undefined;
  closed = false;

  private constructor(
    readonly guest: string,
    private readonly server: Server,
    private readonly orphanMs: number,
    private readonly onClose: (service: Service, why: string) => void,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on host:port (0 picks a port) for `guest`. */
  static async publish(guest: string, host: string, port: number, orphanMs: number, onClose: (service: Service, why: string) => void): Promise<Service> {
    const server = createServer({ allowHalfOpen: true, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new SwitchError('WASMOTION_ERR_SWITCH_PORT', `cannot publish guest ${guest} on ${host}:${port}: ${err.code ?? err.message}`, { cause: err })),
      );
      server.listen(port, host, () => resolve());
    });
    return new Service(guest, server, orphanMs, onClose);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get address(): string {
    const a = this.server.address() as AddressInfo;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  get attached(): boolean {
    return this.attachment !== undefined;
  }

  /** Makes `a` the guest's host, or says why not. */
  attach(a: Attachment, req: AttachRequest): { code: string; message: string } | null {
    if (this.closed) return { code: 'WASMOTION_ERR_SWITCH_PORT', message: `guest ${this.guest} was unpublished` };
    if (req.epoch <= this.epoch) {
      return { code: 'WASMOTION_ERR_SWITCH_STALE', message: `attachment ${req.epoch} of guest ${this.guest} is older than ${this.epoch}` };
    }
    if (req.port !== 0 && req.port !== this.port) {
      return { code: 'WASMOTION_ERR_SWITCH_PORT', message: `guest ${this.guest} is published on port ${this.port}, not ${req.port}` };
    }
    this.epoch = req.epoch;
    const old = this.attachment;
    this.attachment = a;
    old?.close();
    clearTimeout(this.orphanTimer);
    a.send(jsonFrame(Frame.Attached, { address: this.address, port: this.port }));
    this.resync(a, req);
    return null;
  }

  /** The link of `a` ended; if it was the current one, clients wait for the next host. */
  detach(a: Attachment): void {
    if (this.attachment !== a) return;
    this.attachment = undefined;
    this.orphanTimer = setTimeout(() => this.close(`no host attached guest ${this.guest} for ${this.orphanMs} ms`), this.orphanMs);
    this.orphanTimer.unref();
  }

  /** A frame from `a`; frames from a superseded attachment are ignored. */
  frame(a: Attachment, type: number, payload: Buffer): void {
    if (this.attachment !== a) return;
    switch (type) {
      case Frame.Opened: {
        const c = this.conns.get(readId(payload));
        if (c) c.established = true;
        return;
      }
      case Frame.Data: {
        const { id, offset, bytes } = readData(payload);
        const c = this.conns.get(id);
        if (!c) return a.send(idFrame(Frame.Reset, id));
        if (c.deliver(offset, bytes, (reached) => this.attachment?.send(offsetFrame(Frame.Ack, id, reached))) < 0) {
          throw new SwitchError('WASMOTION_ERR_SWITCH_PROTOCOL', `connection ${id}: guest bytes from ${offset}, the client has ${c.delivered}`);
        }
        return;
      }
      case Frame.Ack: {
        const { id, offset } = readOffset(payload);
        const c = this.conns.get(id);
        if (!c) return;
        c.confirm(offset);
        if (c.socket.isPaused() && c.unconfirmed <= WINDOW) c.socket.resume();
        return;
      }
      case Frame.End: {
        const { id, offset } = readOffset(payload);
        this.conns.get(id)?.guestEnded(offset);
        return;
      }
      case Frame.Closed: {
        const id = readId(payload);
        this.conns.get(id)?.finish();
        this.conns.delete(id);
        return;
      }
      case Frame.Unpublish:
        this.close(`guest ${this.guest} ended`);
        return;
      default:
        throw new SwitchError('WASMOTION_ERR_SWITCH_PROTOCOL', `unexpected frame ${type} from a host`);
    }
  }

  /** Stops listening and drops every client. */
  close(why: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.orphanTimer);
    this.server.close();
    for (const c of this.conns.values()) c.abort();
    this.conns.clear();
    this.attachment?.close();
    this.attachment = undefined;
    this.onClose(this, why);
  }

  private accept(socket: Socket): void {
    if (this.closed || this.conns.size >= MAX_CLIENTS) {
      socket.on('error', () => undefined);
      socket.resetAndDestroy();
      return;
    }
    const c = new ClientConn(this.nextId++, socket);
    this.conns.set(c.id, c);
    if (this.attachment) this.open(this.attachment, c);
    socket.on('data', (chunk: Buffer) => {
      const offset = c.keep(chunk);
      if (this.attachment && c.openSent) this.attachment.sendData(c.id, offset, chunk);
      if (c.unconfirmed > WINDOW) socket.pause();
    });
    socket.on('end', () => {
      c.clientEnded = true;
      if (this.attachment && c.openSent) this.attachment.send(offsetFrame(Frame.End, c.id, c.received));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.conns.get(c.id) !== c) return;
      c.clientGone = true;
      // A connection that closes before the client's end was aborted: the guest sees a reset.
      if (!c.clientEnded && this.attachment && c.openSent) this.attachment.send(idFrame(Frame.Reset, c.id));
      // One the guest never heard of is simply forgotten.
      if (!c.openSent && !c.established) this.conns.delete(c.id);
    });
  }

  /** Brings connection `c` to the guest through `a`: OPEN, every byte kept, and its end or reset. */
  private open(a: Attachment, c: ClientConn): void {
    a.send(idFrame(Frame.Open, c.id));
    c.openSent = true;
    this.replay(a, c, 0, false);
  }

  /** Sends `c`'s kept bytes from `from` on, then its end or reset if the guest does not know them yet. */
  private replay(a: Attachment, c: ClientConn, from: number, guestHasEnd: boolean): void {
    const bytes = c.bytesFrom(from);
    if (bytes.length > 0) a.sendData(c.id, from, bytes);
    if (c.clientEnded && !guestHasEnd) a.send(offsetFrame(Frame.End, c.id, c.received));
    else if (c.clientGone && !c.clientEnded) a.send(idFrame(Frame.Reset, c.id));
  }

  /** After an attachment: every connection continues where the new host's guest stands. */
  private resync(a: Attachment, req: AttachRequest): void {
    const listed = new Map(req.conns.map((c) => [c.id, c]));
    this.nextId = Math.max(this.nextId, ...req.conns.map((c) => c.id + 1));
    for (const c of [...this.conns.values()]) {
      const held = listed.get(c.id);
      if (held) {
        c.established = true;
        c.openSent = true;
        if (!c.canResumeFrom(held.rx)) {
          // The guest stands where this switch cannot resume it from: the streams cannot be joined.
          c.abort();
          this.conns.delete(c.id);
          a.send(idFrame(Frame.Reset, c.id));
          continue;
        }
        c.confirm(held.rx);
        this.replay(a, c, held.rx, held.rxEnded);
        // What the client already has, so the guest frees it instead of sending it again.
        a.send(offsetFrame(Frame.Ack, c.id, c.delivered));
      } else if (c.established) {
        // The guest held it and holds it no more: it released it (its CLOSED went to the last host's link).
        c.finish();
        this.conns.delete(c.id);
      } else if (c.clientGone) {
        this.conns.delete(c.id);
      } else {
        this.open(a, c);
      }
    }
    for (const held of req.conns) if (!this.conns.has(held.id)) a.send(idFrame(Frame.Reset, held.id));
  }
}
