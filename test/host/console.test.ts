// A guest's console history: bytes numbered from the guest's start, the last
// `keep` of them held, read from any offset, followed as they come.
import { getEventListeners } from 'node:events';
import { describe, expect, test } from 'vitest';
import { ConsoleLog, MIN_CONSOLE_HISTORY } from '../../host-shim/host/console.js';

/** n bytes of a pattern that shows where each came from: byte i is i % 251. */
function pattern(from: number, n: number): Buffer {
  const bytes = Buffer.alloc(n);
  for (let i = 0; i < n; i++) bytes[i] = (from + i) % 251;
  return bytes;
}

describe('ConsoleLog', () => {
  test('holds writes of every size in order, across its segments', () => {
    const log = new ConsoleLog(1 << 20);
    let written = 0;
    for (const n of [1, 7, 65_535, 2, 65_536, 100_000, 3]) {
      log.append(pattern(written, n));
      written += n;
    }
    expect(log.size).toBe(written);
    expect(log.start).toBe(0);
    expect(log.read()).toEqual(pattern(0, written));
    expect(log.read(65_540)).toEqual(pattern(65_540, written - 65_540));
    expect(log.slice(70_000, 10)).toEqual({ at: 70_000, bytes: pattern(70_000, 10) });
    expect(log.read(written + 5)).toHaveLength(0);
  });

  test('keeps the last `keep` bytes: older ones are dropped, and offsets still count from the start', () => {
    const keep = MIN_CONSOLE_HISTORY;
    const log = new ConsoleLog(keep);
    const total = 5 * keep + 123;
    for (let at = 0; at < total; at += 1000) log.append(pattern(at, Math.min(1000, total - at)));
    expect(log.size).toBe(total);
    expect(log.start).toBe(total - keep);
    expect(log.read()).toEqual(pattern(total - keep, keep));
    // From a dropped offset: from the first byte held, and it says so.
    expect(log.slice(10, 5)).toEqual({ at: total - keep, bytes: pattern(total - keep, 5) });
    expect(log.read(total - 3)).toEqual(pattern(total - 3, 3));
  });

  test('a guest that moved here goes on at its offset; a later offset drops what lies between', () => {
    const log = new ConsoleLog(1 << 20);
    log.continueAt(1_000_000);
    log.append(pattern(1_000_000, 10));
    expect(log.start).toBe(1_000_000);
    expect(log.slice(0)).toEqual({ at: 1_000_000, bytes: pattern(1_000_000, 10) });
    log.continueAt(1_000_010);
    log.append(pattern(1_000_010, 5));
    expect(log.read(1_000_005)).toEqual(pattern(1_000_005, 10));
    log.continueAt(2_000_000);
    log.append(pattern(2_000_000, 4));
    expect(log.slice(0)).toEqual({ at: 2_000_000, bytes: pattern(2_000_000, 4) });
    expect(() => log.continueAt(5)).toThrow(RangeError);
  });

  test('a follower gets what is held from its offset, then new output, until close', async () => {
    const log = new ConsoleLog(1 << 20);
    log.append(Buffer.from('hello '));
    const got: Buffer[] = [];
    const done = (async () => {
      for await (const chunk of log.follow(2)) got.push(chunk);
    })();
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.append(Buffer.from('world'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.close();
    await done;
    expect(Buffer.concat(got).toString()).toBe('llo world');
  });

  test('a follower that falls behind what is held is ended, not handed a gap', async () => {
    const log = new ConsoleLog(MIN_CONSOLE_HISTORY);
    log.append(pattern(0, 100));
    const follower = log.follow(0);
    expect(await follower.next()).toEqual({ done: false, value: pattern(0, 100) });
    // While it is away, more than the history holds is written after what it has.
    log.append(pattern(100, 3 * MIN_CONSOLE_HISTORY));
    expect((await follower.next()).done).toBe(true);
  });

  test('an abort ends a waiting follower, and waiting leaves no listener behind', async () => {
    const log = new ConsoleLog(1 << 20);
    const abort = new AbortController();
    const follower = log.follow(0, abort.signal);
    for (let i = 0; i < 20; i++) {
      const next = follower.next();
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.append(Buffer.from('x'));
      expect((await next).value).toEqual(Buffer.from('x'));
    }
    const waiting = follower.next();
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(1);
    abort.abort();
    expect((await waiting).done).toBe(true);
  });
});
