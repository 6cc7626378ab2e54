/**
 * A client of the kvserver guest's line protocol (guests/c/kvserver.c):
 * one persistent TCP connection, requests pipelined, answers matched to
 * requests in order. Used by the service benchmark and by the tests.
 */
import { connect, type Socket } from 'node:net';

export class KvError extends Error {
  constructor(
    message: string,
    /** ECONNRESET and the like, or 'EOF' when the server ended the connection with requests unanswered. */
    readonly reason: string,
  ) {
    super(message);
    this.name = 'KvError';
  }
}

interface Pending {
  resolve(answer: string): void;
  reject(err: KvError): void;
}

export class KvClient {
  private readonly pending: Pending[] = [];
  private partial = '';
  private failure: KvError | undefined;
  /** Every byte received, for checks that nothing was lost or duplicated. */
  receivedBytes = 0;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.receive(text));
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(new KvError(`connection failed: ${err.message}`, err.code ?? 'ERROR')));
    socket.on('end', () => this.fail(new KvError('the server ended the connection', 'EOF')));
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<KvClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new KvClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one request line and resolves with its answer line (without the newline). */
  request(line: string): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(`${line}\n`);
    });
  }

  /** Sends several lines at once; resolves with their answers in order. */
  pipeline(lines: string[]): Promise<string[]> {
    if (this.failure) return Promise.reject(this.failure);
    const answers = lines.map(() => new Promise<string>((resolve, reject) => this.pending.push({ resolve, reject })));
    this.socket.write(lines.map((l) => `${l}\n`).join(''));
    return Promise.all(answers);
  }

  /** Ends the connection cleanly (QUIT) and waits until it is closed. */
  async quit(): Promise<void> {
    const bye = await this.request('QUIT');
    if (bye !== 'BYE') throw new KvError(`QUIT answered ${JSON.stringify(bye)}`, 'PROTOCOL');
    this.socket.end();
    await this.closed;
  }

  /** Aborts the connection (a reset, from the server's point of view). */
  destroy(): void {
    this.socket.resetAndDestroy();
  }

  private receive(text: string): void {
    this.receivedBytes += Buffer.byteLength(text);
    this.partial += text;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      const next = this.pending.shift();
      if (!next) {
        this.fail(new KvError(`an answer nobody asked for: ${JSON.stringify(line)}`, 'PROTOCOL'));
        return;
      }
      next.resolve(line);
    }
  }

  private fail(err: KvError): void {
    this.failure ??= err;
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }
}
