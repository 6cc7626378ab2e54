/**
 * The service benchmark's file check: the kvserver guest, run with
 * `--log /data/kv.log`, appends every write to a file on its disk before it
 * answers it. After every move the check reads the whole file back through
 * the guest's own service (LOG requests, which the guest serves by reading
 * its disk) and compares it with what the load sent:
 *
 * - every line is a write some client sent (no stray, torn or zeroed bytes);
 * - each client's writes appear in the order it sent them, none twice;
 * - every write acknowledged before the check began is there.
 *
 * A block of the disk lost or stale after a migration breaks one of these.
 * Writes sent but not yet answered may or may not be there yet.
 */
import type { KvClient } from './kv-client.js';
import { writerOf, type Writes } from './load.js';

export interface LogReport {
  bytes: number;
  entries: number;
  writers: number;
  /** What does not match, empty when the file is as expected. */
  problems: string[];
}

/** The log's bytes, read through the guest's LOG request, up to the size it had when the read began. */
async function readLog(client: KvClient): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let size = -1;
  let offset = 0;
  do {
    const answer = /^LOG (\d+) ([0-9a-f]*)$/.exec(await client.request(`LOG ${offset}`));
    if (!answer) throw new Error('the guest did not answer LOG with its log');
    if (size < 0) size = Number(answer[1]);
    const piece = Buffer.from(answer[2], 'hex');
    if (piece.length === 0 && offset < size) throw new Error(`the log shrank below ${size} bytes while it was read`);
    pieces.push(piece);
    offset += piece.length;
  } while (offset < size);
  return Buffer.concat(pieces).subarray(0, size);
}

/** The key a log line writes, or undefined if the line is no write. */
function keyOf(line: string): string | undefined {
  const m = /^(SET|DEL) (\S+)/.exec(line);
  return m?.[2];
}

/** Compares the guest's log with the writes `load` sent; `acked` is each writer's acknowledged count when the check began. */
function compare(log: Buffer, writes: Map<string, Writes>, acked: Map<string, number>): LogReport {
  const problems: string[] = [];
  const text = log.toString('latin1');
  if (text.length > 0 && !text.endsWith('\n')) problems.push('the log ends inside a line');
  const lines = text.split('\n').slice(0, -1);
  const seen = new Map<string, number>();
  lines.forEach((line, i) => {
    const key = keyOf(line);
    const writer = key === undefined ? undefined : writerOf(key);
    const sent = writer === undefined ? undefined : writes.get(writer);
    const n = writer === undefined ? 0 : (seen.get(writer) ?? 0);
    if (writer === undefined || sent === undefined || sent.lines[n] !== line) {
      problems.push(`line ${i + 1} ${JSON.stringify(line.slice(0, 60))} is not the next write any client sent`);
      return;
    }
    seen.set(writer, n + 1);
  });
  for (const [writer, count] of acked) {
    const found = seen.get(writer) ?? 0;
    if (found < count) problems.push(`${writer}: ${count} write(s) acknowledged, ${found} in the log`);
  }
  return { bytes: log.length, entries: lines.length, writers: seen.size, problems };
}

/** Reads the guest's log through `client` and checks it against the writes sent so far. */
export async function checkLog(client: KvClient, writes: Map<string, Writes>): Promise<LogReport> {
  const acked = new Map([...writes].map(([writer, w]) => [writer, w.acked]));
  try {
    return compare(await readLog(client), writes, acked);
  } catch (err) {
    return { bytes: 0, entries: 0, writers: 0, problems: [(err as Error).message] };
  }
}

export function describeReport(r: LogReport): string {
  const what = `${r.bytes} bytes, ${r.entries} writes by ${r.writers} clients`;
  if (r.problems.length === 0) return `${what}, as the clients expect`;
  return `${what}, ${r.problems.length} MISMATCH(ES): ${r.problems.slice(0, 3).join('; ')}`;
}
