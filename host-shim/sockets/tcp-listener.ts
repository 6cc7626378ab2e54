/**
 * A guest's listening socket served by a TCP listener of this process
 * (`wasmotion run --tcplisten`): each client connection becomes a
 * connection of the guest's socket device, and the two are joined byte for
 * byte. Received bytes are counted as stream offsets; a client that sends
 * more than WINDOW bytes the guest has not taken is paused (TCP's flow
 * control does the rest). Sent bytes are acknowledged to the guest when
 * the kernel took them.
 *
 * Connections do not outlive this process: a guest restored here (wasmotion
 * resume) finds the connections it had reset.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { WasmotionError } from '../errors.js';
import type { GuestNet, NetPeer } from './guest-net.js';

/** Received bytes not yet in the guest above which a client is paused. */
const WINDOW = 256 * 1024;
/** Client connections held at once; more are reset. */
const MAX_CLIENTS = 1024;

interface Client {
  socket: Socket;
  /** Bytes received from the client, and how many of them the guest holds. */
  received: number;
  inGuest: number;
  /** The client ended its side (FIN) or the connection ended altogether. */
  ended: boolean;
  gone: boolean;
}

export class TcpListener implements NetPeer {
  private readonly clients = new Map<number, Client>();
  private nextId: number;

  private constructor(
    private readonly net: GuestNet,
    private readonly server: Server,
  ) {
    // Connection ids go on after those of a restored guest; its connections died with their process.
    const restored = net.known().map((c) => c.id);
    this.nextId = Math.max(0, ...restored) + 1;
    net.peer = this;
    for (const id of restored) net.peerReset(id);
    server.on('connection', (socket) => this.accept(socket));
  }

  /**
   * Listens on host:port (port 0 picks one) for the guest's listener, which
   * is opened (published at the port bound) if the guest has none yet.
   */
  static async start(net: GuestNet, host: string, port: number): Promise<TcpListener> {
    const server = createServer({ allowHalfOpen: true, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new WasmotionError('WASMOTION_ERR_LISTEN', `cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err })),
      );
      server.listen(port, host, () => resolve());
    });
    if (net.vmm.listenPort() === null) net.vmm.listen((server.address() as AddressInfo).port);
    return new TcpListener(net, server);
  }

  get address(): string {
    const a = this.server.address() as AddressInfo;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  /** Stops listening and closes every connection, after the bytes already written reach the kernel. */
  async close(): Promise<void> {
    for (const c of this.clients.values()) c.socket.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.clients.size >= MAX_CLIENTS) {
      socket.on('error', () => undefined);
      socket.resetAndDestroy();
      return;
    }
    const id = this.nextId++;
    const client: Client = { socket, received: 0, inGuest: 0, ended: false, gone: false };
    this.clients.set(id, client);
    this.net.open(id);
    socket.on('data', (chunk: Buffer) => {
      const offset = client.received;
      client.received += chunk.length;
      this.net.receive(id, offset, chunk);
      if (client.received - client.inGuest > WINDOW) socket.pause();
    });
    socket.on('end', () => {
      client.ended = true;
      this.net.peerEnd(id, client.received);
    });
    // A connection that closes without its end, or with an error, was aborted.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      client.gone = true;
      if (!client.ended && this.clients.has(id)) this.net.peerReset(id);
    });
  }

  // ---- NetPeer: the guest's side ----

  data(id: number, offset: number, bytes: Uint8Array): void {
    const c = this.clients.get(id);
    if (!c || c.gone) return;
    c.socket.write(bytes, () => this.net.ack(id, offset + bytes.length));
  }

  end(id: number): void {
    this.clients.get(id)?.socket.end();
  }

  received(id: number, offset: number): void {
    const c = this.clients.get(id);
    if (!c) return;
    c.inGuest = offset;
    if (c.socket.isPaused() && c.received - c.inGuest <= WINDOW) c.socket.resume();
  }

  opened(): void {}

  refused(id: number): void {
    this.clients.get(id)?.socket.destroy();
    this.clients.delete(id);
  }

  closed(id: number): void {
    const c = this.clients.get(id);
    this.clients.delete(id);
    if (c && !c.gone) c.socket.end();
  }
}
