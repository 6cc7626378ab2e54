/**
 * A guest's console history: everything it wrote to stdout and stderr, in
 * order, since it started (on this host or, after a migration, on the ones
 * before). Followers read from any byte offset and are woken by new output.
 */
export class ConsoleLog {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private closed = false;
  private wake: (() => void)[] = [];

  get size(): number {
    return this.length;
  }

  append(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    this.chunks.push(Buffer.from(bytes));
    this.length += bytes.length;
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

  /** Everything from byte `from` on. */
  read(from = 0): Buffer {
    return Buffer.concat(this.chunks).subarray(Math.min(from, this.length));
  }

  /** Output from `from` on, then new output as it comes, until close(). */
  async *follow(from = 0, signal?: AbortSignal): AsyncGenerator<Buffer> {
    let at = from;
    for (;;) {
      if (at < this.length) {
        const chunk = this.read(at);
        at += chunk.length;
        yield chunk;
        continue;
      }
      if (this.closed || signal?.aborted) return;
      await new Promise<void>((resolve) => {
        this.wake.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
}
