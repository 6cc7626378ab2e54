/**
 * NDJSON: one JSON value per line. Blank lines are skipped, so a host may
 * send "\n" to keep a quiet stream alive.
 */
import { protocolError } from './errors.js';

export async function* ndjson<T>(chunks: AsyncIterable<Uint8Array>, url: string): AsyncGenerator<T> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of chunks) {
    pending += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim() !== '') yield parseLine<T>(line, url);
    }
  }
  pending += decoder.decode();
  if (pending.trim() !== '') yield parseLine<T>(pending, url);
}

function parseLine<T>(line: string, url: string): T {
  try {
    return JSON.parse(line) as T;
  } catch {
    throw protocolError(url, `a line of the event stream is not JSON: ${line.slice(0, 200)}`);
  }
}
