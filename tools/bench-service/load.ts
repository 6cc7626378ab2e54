/**
 * The service benchmark's load: a bounded number of clients of the kvserver
 * guest, each checking every answer.
 *
 *   persistent  N connections held for the whole run, each sending one
 *               request every 1/rate seconds (SET then GET of its own keys),
 *               waiting for each answer before the next (no pile-up)
 *   new         connections opened at a steady rate, each doing SET, GET,
 *               DEL of a fresh key and QUIT; at most MAX_OPENING at once
 *
 * Every request records when it was sent and answered. A wrong answer, an
 * error or no answer within REQUEST_TIMEOUT_MS is a failure; a connection
 * reset or ended by the server is a reset. Bytes: what each client received
 * must be exactly the answers it expected, byte for byte.
 *
 * Writes (SET, DEL) are recorded per writer, in the order it sent them, with
 * how many were acknowledged: what the guest's write-ahead log must hold
 * (log-check.ts). Each writer owns its keys (writerOf), so its writes reach
 * the log in its own order whatever the other clients do.
 */
import { KvClient, KvError } from './kv-client.js';

export interface LoadOptions {
  port: number;
  persistent: number;
  /** Requests per second on each persistent connection. */
  rate: number;
  /** New connections per second. */
  newPerSecond: number;
}

export interface Sample {
  start: number;
  end: number;
}

/** One client's writes: request lines in the order sent, and how many of them (the first ones) were acknowledged. */
export interface Writes {
  lines: string[];
  acked: number;
}

/** The client that writes `key`: persistent connection n writes the keys pN:*, short-lived connection i the key nI. */
export function writerOf(key: string): string {
  const colon = key.indexOf(':');
  return key.startsWith('p') && colon > 0 ? key.slice(0, colon) : key;
}

const REQUEST_TIMEOUT_MS = 15_000;
const MAX_OPENING = 64;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Load {
  readonly samples: Sample[] = [];
  readonly failures: { at: number; what: string }[] = [];
  resets = 0;
  opened = 0;
  /** Answer bytes expected and received, over every connection. */
  expectedBytes = 0;
  receivedBytes = 0;
  /** Writes by writer (writerOf). */
  readonly writes = new Map<string, Writes>();
  private stopping = false;
  private opening = 0;
  private readonly running: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {}

  start(): void {
    for (let n = 0; n < this.options.persistent; n++) this.running.push(this.persistent(n));
    if (this.options.newPerSecond > 0) this.running.push(this.churn());
  }

  /** Stops sending and waits for every client to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
    while (this.opening > 0) await sleep(10);
  }

  get requests(): number {
    return this.samples.length + this.failures.length;
  }

  /** One request with its expected answer; false once the connection is unusable. */
  private async ask(c: KvClient, line: string, expected: string): Promise<boolean> {
    const start = performance.now();
    this.expectedBytes += Buffer.byteLength(expected) + 1;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new KvError(`no answer to ${line} within ${REQUEST_TIMEOUT_MS} ms`, 'TIMEOUT')), REQUEST_TIMEOUT_MS);
      });
      const answer = await Promise.race([c.request(line), timeout]);
      if (answer !== expected) {
        this.failures.push({ at: start, what: `${line}: answered ${JSON.stringify(answer)}, expected ${JSON.stringify(expected)}` });
        return false;
      }
      this.samples.push({ start, end: performance.now() });
      return true;
    } catch (err) {
      const reason = err instanceof KvError ? err.reason : 'ERROR';
      if (reason === 'ECONNRESET' || reason === 'EOF' || reason === 'EPIPE') this.resets++;
      this.failures.push({ at: start, what: `${line}: ${(err as Error).message}` });
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A write by `writer`: recorded as sent before it goes, as acknowledged once answered as expected. */
  private async write(c: KvClient, writer: string, line: string, expected: string): Promise<boolean> {
    let writes = this.writes.get(writer);
    if (!writes) this.writes.set(writer, (writes = { lines: [], acked: 0 }));
    writes.lines.push(line);
    const ok = await this.ask(c, line, expected);
    if (ok) writes.acked++;
    return ok;
  }

  private async connect(): Promise<KvClient | undefined> {
    try {
      const c = await KvClient.connect(this.options.port);
      this.opened++;
      return c;
    } catch (err) {
      this.failures.push({ at: performance.now(), what: `connect: ${(err as Error).message}` });
      return undefined;
    }
  }

  private async finish(c: KvClient): Promise<void> {
    if (await this.ask(c, 'QUIT', 'BYE')) {
      await c.closed;
    }
    this.receivedBytes += c.receivedBytes;
  }

  private async persistent(n: number): Promise<void> {
    const c = await this.connect();
    if (!c) return;
    const interval = 1000 / this.options.rate;
    let next = performance.now();
    for (let i = 0; !this.stopping; i++) {
      const key = `p${n}:${i % 100}`;
      const ok = i % 2 === 0 ? await this.write(c, `p${n}`, `SET ${key} ${i}`, 'OK') : await this.ask(c, `GET p${n}:${(i - 1) % 100}`, `VALUE ${i - 1}`);
      if (!ok) {
        this.receivedBytes += c.receivedBytes;
        c.destroy();
        return;
      }
      next += interval;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      else next = performance.now();
    }
    await this.finish(c);
  }

  private async churn(): Promise<void> {
    const interval = 1000 / this.options.newPerSecond;
    let next = performance.now();
    for (let i = 0; !this.stopping; i++) {
      if (this.opening < MAX_OPENING) {
        this.opening++;
        void this.shortLived(i).finally(() => this.opening--);
      }
      next += interval;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      else next = performance.now();
    }
  }

  private async shortLived(i: number): Promise<void> {
    const c = await this.connect();
    if (!c) return;
    const ok =
      (await this.write(c, `n${i}`, `SET n${i} v${i}`, 'OK')) &&
      (await this.ask(c, `GET n${i}`, `VALUE v${i}`)) &&
      (await this.write(c, `n${i}`, `DEL n${i}`, 'DELETED'));
    if (ok) await this.finish(c);
    else {
      this.receivedBytes += c.receivedBytes;
      c.destroy();
    }
  }
}
