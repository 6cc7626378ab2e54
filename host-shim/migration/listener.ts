/**
 * The migration listener: one port for both connections of a migration, so
 * that an operator opens one port per host and a proxy in front of it sees
 * all of a migration's traffic.
 *
 *   control   TLS-PSK (transport.ts); starts with a TLS handshake record (0x16)
 *   data      starts with DATA_MAGIC and the 16-byte channel id that the
 *             destination offered in its WELCOME on the control connection;
 *             carries page frames sealed in the guests' workers (sealed-frames.ts)
 *
 * A channel takes one connection, once: an id seen on the wire opens
 * nothing afterwards, and the frames on it open only under the key of the
 * control connection's TLS session. Anything else is refused and reported.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { readsIntoOneBuffer } from '../net/reused-reads.js';
import { secureServer } from './transport.js';
import { MigrationError } from './wire.js';

/** The first bytes of a data connection: no TLS record starts with them. */
export const DATA_MAGIC = Buffer.from('wmdata01', 'latin1');
export const CHANNEL_BYTES = 16;
const PREAMBLE_BYTES = DATA_MAGIC.length + CHANNEL_BYTES;
/** A TLS record of type handshake: the first byte of every ClientHello. */
const TLS_HANDSHAKE = 0x16;
/** How long a new connection has to say what it is. */
const PREAMBLE_MS = 10_000;

/** A data connection, handed over paused: resume it once a reader is attached. */
export interface DataConnection {
  /**
   * It reads into one buffer where Node allows (net/reused-reads.ts): a
   * 'data' chunk is valid only until its handler returns.
   */
  socket: Socket;
  /** What arrived after the preamble before the connection was handed over: the first bytes to read. */
  head: Buffer;
}

/** A data channel of one incoming migration. */
export interface DataChannel {
  /** Its id, for the WELCOME. */
  id: Buffer;
  /** The data connection, once the source opened it. */
  connection: Promise<DataConnection>;
  /** Forgets the channel (a connection naming it later is refused) and ends its connection. */
  close(): void;
}

export class MigrationListener {
  private readonly server: Server;
  private readonly tls;
  private readonly channels = new Map<string, (connection: DataConnection) => void>();

  constructor(secret: Buffer, onControl: (socket: TLSSocket) => void, private readonly onRefused: (reason: string, remote: string) => void) {
    this.tls = secureServer(secret, onControl, onRefused);
    this.server = createServer((socket) => this.classify(socket));
  }

  /** Listens on `host`:`port` (0: a free port). */
  async listen(host: string, port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A channel for the data connection of a migration coming in; its socket rejects after `timeoutMs` without one. */
  openChannel(timeoutMs: number): DataChannel {
    const id = randomBytes(CHANNEL_BYTES);
    const key = id.toString('hex');
    let attached: Socket | undefined;
    let timer: NodeJS.Timeout | undefined;
    const connection = new Promise<DataConnection>((resolve, reject) => {
      timer = setTimeout(() => {
        this.channels.delete(key);
        reject(new MigrationError('WASMOTION_ERR_MIGRATION_CONNECTION', `the source opened no data connection within ${timeoutMs} ms`));
      }, timeoutMs);
      this.channels.set(key, (c) => {
        clearTimeout(timer);
        attached = c.socket;
        resolve(c);
      });
    });
    // Nobody may wait on it (a migration that failed first): its rejection is not an error of its own.
    connection.catch(() => undefined);
    return {
      id,
      connection,
      close: () => {
        clearTimeout(timer);
        this.channels.delete(key);
        attached?.destroy();
      },
    };
  }

  /** Reads a new connection's first bytes, then hands it to the TLS server or to the channel it names. */
  private classify(socket: Socket): void {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    let head: Buffer = Buffer.alloc(0);
    const refuse = (reason: string) => {
      done();
      socket.destroy();
      this.onRefused(reason, remote);
    };
    const timer = setTimeout(() => refuse('a connection sent no preamble in time'), PREAMBLE_MS);
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', done);
    };
    const onError = () => refuse('a connection failed before its preamble');
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      if (head[0] === TLS_HANDSHAKE) {
        done();
        socket.pause();
        socket.unshift(head);
        // The TLS socket takes what was read so far from the socket's buffer (Node's TLSSocket does).
        this.tls.emit('connection', socket);
        return;
      }
      if (head.length < PREAMBLE_BYTES) {
        if (!DATA_MAGIC.subarray(0, head.length).equals(head.subarray(0, DATA_MAGIC.length))) refuse('a connection that is neither TLS nor a data connection');
        return;
      }
      if (!head.subarray(0, DATA_MAGIC.length).equals(DATA_MAGIC)) return refuse('a connection that is neither TLS nor a data connection');
      const channel = head.subarray(DATA_MAGIC.length, PREAMBLE_BYTES).toString('hex');
      const attach = this.channels.get(channel);
      if (!attach) return refuse('a data connection for no migration under way');
      this.channels.delete(channel);
      done();
      socket.pause();
      // Every page of the migration comes this way: into one buffer, not a new one per read.
      const data = readsIntoOneBuffer(socket) ?? socket;
      // The switchover's last frames must not wait for Nagle's delay.
      data.setNoDelay(true);
      // Its reader sees an error as the connection's end ('close'); until one is attached, nothing else must.
      data.on('error', () => undefined);
      attach({ socket: data, head: Buffer.from(head.subarray(PREAMBLE_BYTES)) });
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', done);
  }
}

/** The preamble a source writes first on the data connection of channel `id`. */
export function dataPreamble(id: Uint8Array): Buffer {
  if (id.length !== CHANNEL_BYTES) throw new MigrationError('WASMOTION_ERR_MIGRATION_PROTOCOL', `a data channel id is ${CHANNEL_BYTES} bytes`);
  return Buffer.concat([DATA_MAGIC, id]);
}
