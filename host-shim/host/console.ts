/**
 * A guest's console history: what it wrote to stdout and stderr, in order,
 * since it started (on this host or, after a migration, on the ones
 * before), up to the last `keep` bytes. Bytes are numbered from the
 * guest's start, so an offset means the same byte on every host the guest
 * moves to; output older than the last `keep` bytes is dropped, and
 * `start` says where what is held begins. Followers read from any offset
 * and are woken by new output.
 *
 * The bytes live in segments of a fixed size, so holding them costs their
 * size and nothing per write, and reading from an offset finds its segment
 * by arithmetic.
 */
const SEGMENT = 64 << 10;
const EMPTY = Buffer.alloc(0);

/** What a host keeps of each guest's output unless told otherwise (host start --console-history). */
export const DEFAULT_CONSOLE_HISTORY = 16 << 20;
/** The least a host may keep: one segment. */
export const MIN_CONSOLE_HISTORY = SEGMENT;

export class ConsoleLog {
  /** Full segments but the last; segment i holds the bytes from base + i * SEGMENT. */
  private segments: Buffer[] = [];
  private base = 0;
  private first = 0;
  private end = 0;
  private closed = false;
  private wake: (() => void)[] = [];

  constructor(private readonly keep = DEFAULT_CONSOLE_HISTORY) {}

  /** The offset after the last byte written: every byte the guest wrote so far. */
  get size(): number {
    return this.end;
  }

  /** The offset of the first byte still held (0 until output was dropped). */
  get start(): number {
    return this.first;
  }

  append(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    for (let at = 0; at < bytes.length; ) {
      const used = this.end - this.base;
      if (used === this.segments.length * SEGMENT) this.segments.push(Buffer.allocUnsafe(SEGMENT));
      const into = used % SEGMENT;
      const n = Math.min(SEGMENT - into, bytes.length - at);
      this.segments[this.segments.length - 1].set(bytes.subarray(at, at + n), into);
      at += n;
      this.end += n;
    }
    this.first = Math.max(this.first, this.end - this.keep);
    while (this.segments.length > 0 && this.base + SEGMENT <= this.first) {
      this.segments.shift();
      this.base += SEGMENT;
    }
    this.notify();
  }

  /**
   * The history goes on from offset `at` after what is held here: a guest
   * that moved here goes on from where its output stood, and output its
   * source no longer held is dropped here too. Only forward.
   */
  continueAt(at: number): void {
    if (at < this.end) throw new RangeError(`console output at ${at} is behind ${this.end}`);
    if (at === this.end) return;
    this.segments = [];
    this.base = this.first = this.end = at;
    this.notify();
  }

  /** No more output will come here (the guest ended or moved away). */
  close(): void {
    this.closed = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = [];
    for (const w of wake) w();
  }

  /**
   * Up to `max` bytes from offset `from` on, or from the first byte held if
   * `from` was dropped; `at` is the offset of the first byte returned.
   */
  slice(from: number, max = Infinity): { at: number; bytes: Buffer } {
    const at = Math.max(from, this.first);
    const stop = Math.min(this.end, at + max);
    if (stop <= at) return { at, bytes: EMPTY };
    const bytes = Buffer.allocUnsafe(stop - at);
    for (let offset = at; offset < stop; ) {
      const segment = this.segments[Math.floor((offset - this.base) / SEGMENT)];
      const into = (offset - this.base) % SEGMENT;
      const n = Math.min(SEGMENT - into, stop - offset);
      segment.copy(bytes, offset - at, into, into + n);
      offset += n;
    }
    return { at, bytes };
  }

  /** Everything held from offset `from` on. */
  read(from = 0): Buffer {
    return this.slice(from).bytes;
  }

  /**
   * Output from offset `from` on, then new output as it comes, until
   * close(). Ends early if the follower falls so far behind that its next
   * byte is dropped: asked again, slice() says where the history resumes.
   */
  async *follow(from = 0, signal?: AbortSignal): AsyncGenerator<Buffer> {
    let at = from;
    for (;;) {
      if (at < this.first) return;
      if (at < this.end) {
        const { bytes } = this.slice(at, SEGMENT);
        at += bytes.length;
        yield bytes;
        continue;
      }
      if (this.closed || signal?.aborted) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.wake.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}
