/**
 * One proxied connection: the socket accepted from a client, the socket opened
 * to the target, and a shaped Pipe for each direction. An abrupt close on one
 * side (an error or a reset) resets the other, so both ends see what a broken
 * link looks like; a clean half-close travels through the pipe after the data
 * before it.
 */
import { connect, type Socket } from 'node:net';
import type { Endpoint } from './addresses.js';
import { Pipe, type PipeControl } from './pipe.js';

/** 'up' is client → target, 'down' is target → client. */
export type LinkDirection = 'up' | 'down';

export interface ConnectionHooks {
  control(connection: LinkConnection, direction: LinkDirection): PipeControl;
  closed(connection: LinkConnection): void;
}

export class LinkConnection {
  readonly target: Socket;
  /** Bytes delivered in each direction on this connection. */
  readonly bytes: Record<LinkDirection, number> = { up: 0, down: 0 };
  /** First socket error seen on either side, for the close event. */
  error: Error | undefined;
  private readonly pipes: Record<LinkDirection, Pipe>;
  private closedSockets = 0;
  private wasReset = false;

  constructor(
    readonly id: number,
    readonly client: Socket,
    targetEndpoint: Endpoint,
    hooks: ConnectionHooks,
    maxBufferedBytes: number,
  ) {
    this.target = connect({ host: targetEndpoint.host, port: targetEndpoint.port, allowHalfOpen: true, noDelay: true });
    client.setNoDelay(true);
    this.pipes = {
      up: new Pipe(client, this.target, hooks.control(this, 'up'), maxBufferedBytes),
      down: new Pipe(this.target, client, hooks.control(this, 'down'), maxBufferedBytes),
    };
    for (const [socket, other] of [[client, this.target], [this.target, client]] as const) {
      socket.on('error', (err) => (this.error ??= err));
      socket.on('close', (hadError) => {
        if (hadError) resetSocket(other);
        if (++this.closedSockets === 2) {
          this.disposePipes();
          hooks.closed(this);
        }
      });
    }
  }

  get remote(): string {
    return `${this.client.remoteAddress}:${this.client.remotePort}`;
  }

  pipe(direction: LinkDirection): Pipe {
    return this.pipes[direction];
  }

  /** True once reset() ran: the sockets are going, only their close events are left. */
  get isReset(): boolean {
    return this.wasReset;
  }

  /** Tears the connection down with a TCP reset on both sides, dropping queued bytes. */
  reset(): void {
    this.wasReset = true;
    this.disposePipes();
    resetSocket(this.client);
    resetSocket(this.target);
  }

  private disposePipes(): void {
    this.pipes.up.dispose();
    this.pipes.down.dispose();
  }
}

/** Sends RST instead of FIN so the peer sees ECONNRESET, as on a cut cable followed by a retry. */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    // A socket without a TCP handle (never connected) can only be destroyed.
    socket.destroy();
  }
}
