/**
 * Where a WASI guest's stdin comes from: a buffer, a string or a stream
 * (any async iterable of chunks, such as a Readable). The runner asks for
 * the next chunk only when the guest blocks on stdin, so a stream is read
 * as the guest consumes it.
 */
export type StdinInput = Uint8Array | string | AsyncIterable<Uint8Array | string>;

/** Chunk size when the input is a buffer: the VMM copies each into its stdin buffer. */
const BUFFER_CHUNK = 64 * 1024;

async function* sliced(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += BUFFER_CHUNK) yield bytes.subarray(at, at + BUFFER_CHUNK);
}

function asBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

export class StdinFeed {
  private readonly chunks: AsyncIterator<Uint8Array | string> | undefined;

  constructor(input: StdinInput | undefined) {
    if (input === undefined) this.chunks = undefined;
    else if (typeof input === 'string' || input instanceof Uint8Array) this.chunks = sliced(asBytes(input));
    else this.chunks = input[Symbol.asyncIterator]();
  }

  /** The next non-empty chunk, or null once the input has ended. */
  async next(): Promise<Uint8Array | null> {
    if (!this.chunks) return null;
    for (;;) {
      const r = await this.chunks.next();
      if (r.done) return null;
      const bytes = asBytes(r.value);
      if (bytes.length > 0) return bytes;
    }
  }
}
