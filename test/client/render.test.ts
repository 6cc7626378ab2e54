import { describe, expect, test } from 'vitest';
import type { MigrationEvent } from '../../host-shim/client/index.js';
import { ndjson } from '../../host-shim/client/ndjson.js';
import { formatBytes, formatMs, migratedLine, migrationFraction, progressLine } from '../../host-shim/cli/render.js';

function event(fields: Partial<MigrationEvent>): MigrationEvent {
  return {
    migration: 'm-1', guest: 'g-1', state: 'precopy', iteration: 1, transferred: 0, remaining: 100, total: 100,
    dirtyRate: 0, throughput: 0, expectedDowntimeMs: null, downtimeMs: null, totalMs: null, error: null, ...fields,
  };
}

async function* pieces(...chunks: Uint8Array[]) {
  yield* chunks;
}

describe('migration progress', () => {
  test('is never 100% before the completed event, even when nothing is left to send', () => {
    for (const state of ['queued', 'handshake', 'precopy', 'switchover', 'failed', 'cancelled'] as const) {
      const e = event({ state, remaining: 0, transferred: 150 });
      expect(migrationFraction(e)).toBeLessThan(1);
      expect(progressLine(e)).toContain(' 99%');
      expect(progressLine(e)).not.toContain('100%');
    }
    expect(progressLine(event({ state: 'completed', remaining: 0 }))).toContain('[####################] 100%');
  });

  test('counts what is no longer left to send, and copes with an unknown total', () => {
    expect(migrationFraction(event({ remaining: 75 }))).toBe(0.25);
    expect(migrationFraction(event({ total: 0, remaining: 0 }))).toBe(0);
    expect(migrationFraction(event({ remaining: 500 }))).toBe(0);
  });

  test('shows the statistics by the names operators know', () => {
    const line = progressLine(event({ iteration: 3, transferred: 8 << 20, remaining: 64 << 10, total: 64 << 20, dirtyRate: 10 << 20, throughput: 700 << 20, expectedDowntimeMs: 0.1 }));
    expect(line).toBe(
      'm-1 precopy  [###################-]  99%  iteration 3  transferred 8.0 MiB  remaining 64.0 KiB of 64.0 MiB  dirty rate 10.0 MiB/s  throughput 700.0 MiB/s  expected downtime 0.10 ms',
    );
  });

  test('the result line gives total time and downtime', () => {
    expect(migratedLine('g-3f2a9c', 'http://127.0.0.1:7002', event({ state: 'completed', totalMs: 412, downtimeMs: 3.1 }))).toBe(
      'migrated g-3f2a9c to http://127.0.0.1:7002 in 412 ms, downtime 3.1 ms\n',
    );
    expect(migratedLine('g-1', 'http://h2', event({ state: 'completed', totalMs: 90, downtimeMs: 5, disk: 'shared' }))).toBe(
      'migrated g-1 to http://h2 in 90 ms, downtime 5.0 ms, disk through the shared directory\n',
    );
    const refused = { code: 'WASMOTION_ERR_DISK_NOT_SHARED', message: 'the destination has no shared directory' };
    expect(migratedLine('g-1', 'http://h3', event({ state: 'completed', totalMs: 90, downtimeMs: 5, disk: 'copied', diskSharedRefused: refused }))).toBe(
      'migrated g-1 to http://h3 in 90 ms, downtime 5.0 ms, disk copied (the destination has no shared directory [WASMOTION_ERR_DISK_NOT_SHARED])\n',
    );
    expect(formatMs(0.123)).toBe('0.12 ms');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12)).toBe('12 B');
  });
});

describe('ndjson', () => {
  test('reads lines split anywhere, even inside a UTF-8 character, and skips blank keep-alive lines', async () => {
    const text = Buffer.from('{"a":"é"}\n\n{"b":2}\n{"c":3}');
    const cut = text.indexOf(0xc3) + 1;
    const values: unknown[] = [];
    for await (const v of ndjson(pieces(text.subarray(0, 3), text.subarray(3, cut), text.subarray(cut)), 'http://x')) values.push(v);
    expect(values).toEqual([{ a: 'é' }, { b: 2 }, { c: 3 }]);
  });

  test('a line that is not JSON is a protocol error', async () => {
    const read = async () => {
      for await (const _ of ndjson(pieces(Buffer.from('{"a":1}\nnot json\n')), 'http://x')) void _;
    };
    await expect(read()).rejects.toMatchObject({ code: 'WASMOTION_ERR_HOST_PROTOCOL' });
  });
});
