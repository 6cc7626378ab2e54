/**
 * The virtual switch: gives each published guest service a stable address
 * and forwards its client connections to whichever host runs the guest
 * (service.ts). Hosts reach it over TLS with the cluster secret
 * (transport.ts), one link per guest (wire.ts). A library: it reports
 * through events and never prints.
 *
 * Events: 'published' {guest, address}, 'attached' {guest, epoch, remote},
 * 'detached' {guest, epoch}, 'unpublished' {guest, reason},
 * 'link-refused' {guest?, code, message, remote}, 'peer-refused' {reason, remote}.
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server, TLSSocket } from 'node:tls';
import { Service, type Attachment } from './service.js';
import { switchServer } from './transport.js';
import { Frame, FrameParser, SwitchError, dataHeader, jsonFrame, readAttach } from './wire.js';

export interface SwitchConfig {
  /** Where hosts attach; port 0 picks one. */
  host: string;
  port: number;
  secret: Buffer;
  /** Where services listen (default 127.0.0.1). */
  serviceHost?: string;
  /** How long a service waits for a host to attach before it is closed (default 60 s). */
  orphanTimeoutMs?: number;
}

/** A link must say which guest it carries this soon after the TLS handshake. */
const ATTACH_MS = 10_000;

class Link implements Attachment {
  constructor(
    private readonly socket: TLSSocket,
    readonly epoch: number,
  ) {}

  send(frame: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(frame);
  }

  sendData(id: number, offset: number, bytes: Buffer): void {
    if (this.socket.destroyed) return;
    this.socket.cork();
    this.socket.write(dataHeader(id, offset, bytes.length));
    this.socket.write(bytes);
    this.socket.uncork();
  }

  close(): void {
    this.socket.destroy();
  }
}

export class VirtualSwitch extends EventEmitter {
  readonly services = new Map<string, Service>();
  private readonly publishing = new Map<string, Promise<Service>>();
  private readonly links = new Set<TLSSocket>();

  private constructor(
    readonly config: SwitchConfig,
    private readonly server: Server,
  ) {
    super();
  }

  static async start(config: SwitchConfig): Promise<VirtualSwitch> {
    let sw: VirtualSwitch | undefined;
    const server = switchServer(
      config.secret,
      (socket) => sw!.link(socket),
      (reason, remote) => sw!.emit('peer-refused', { reason, remote }),
    );
    sw = new VirtualSwitch(config, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new SwitchError('WASMOTION_ERR_SWITCH_PORT', `the switch cannot listen on ${config.host}:${config.port}: ${err.code ?? err.message}`, { cause: err })),
      );
      server.listen(config.port, config.host, () => resolve());
    });
    return sw;
  }

  /** Where hosts attach: HOST:PORT. */
  get endpoint(): string {
    return `${this.config.host}:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of [...this.services.values()]) s.close('the switch is shutting down');
    for (const l of this.links) l.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private link(socket: TLSSocket): void {
    this.links.add(socket);
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    let service: Service | undefined;
    let attachment: Link | undefined;
    let guest: string | undefined;
    // Frames are handled one after another: the first (ATTACH) may have to publish the service first.
    let queue: Promise<void> = Promise.resolve();
    const timer = setTimeout(() => socket.destroy(), ATTACH_MS);
    const refuse = (code: string, message: string) => {
      this.emit('link-refused', { guest, code, message, remote });
      socket.end(jsonFrame(Frame.Refused, { code, message }));
    };
    const handle = async (type: number, payload: Buffer): Promise<void> => {
      if (socket.destroyed) return;
      if (attachment) return service!.frame(attachment, type, payload);
      if (type !== Frame.Attach) throw new SwitchError('WASMOTION_ERR_SWITCH_PROTOCOL', `expected ATTACH, got frame ${type}`);
      clearTimeout(timer);
      const req = readAttach(payload);
      guest = req.guest;
      try {
        service = await this.serviceFor(req.guest, req.port);
      } catch (err) {
        return refuse((err as SwitchError).code ?? 'WASMOTION_ERR_SWITCH_PORT', (err as Error).message);
      }
      const link = new Link(socket, req.epoch);
      const no = service.attach(link, req);
      if (no) return refuse(no.code, no.message);
      attachment = link;
      this.emit('attached', { guest: req.guest, epoch: req.epoch, remote });
    };
    const parser = new FrameParser((type, payload) => {
      queue = queue.then(() => handle(type, payload)).catch((err: Error) => {
        this.emit('link-refused', { guest, code: (err as SwitchError).code ?? 'WASMOTION_ERR_SWITCH_PROTOCOL', message: err.message, remote });
        socket.destroy();
      });
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        this.emit('link-refused', { guest, code: (err as SwitchError).code, message: (err as Error).message, remote });
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      this.links.delete(socket);
      if (attachment && service) {
        service.detach(attachment);
        this.emit('detached', { guest, epoch: attachment.epoch });
      }
    });
  }

  /** The service of `guest`, published on `port` (0: any) if it is not yet. */
  private serviceFor(guest: string, port: number): Promise<Service> {
    const existing = this.services.get(guest);
    if (existing && !existing.closed) return Promise.resolve(existing);
    let pending = this.publishing.get(guest);
    if (!pending) {
      const onClose = (service: Service, reason: string) => {
        if (this.services.get(guest) === service) this.services.delete(guest);
        this.emit('unpublished', { guest, reason });
      };
      pending = Service.publish(guest, this.config.serviceHost ?? '127.0.0.1', port, this.config.orphanTimeoutMs ?? 60_000, onClose);
      pending
        .then(
          (service) => {
            this.services.set(guest, service);
            this.emit('published', { guest, address: service.address });
          },
          () => undefined,
        )
        .finally(() => this.publishing.delete(guest));
      this.publishing.set(guest, pending);
    }
    return pending;
  }
}
