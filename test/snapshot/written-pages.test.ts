// The dirty mark: a host counts the pages a guest writes between two counts
// without clearing the dirty map that migration and snapshots own.
import { describe, expect, test } from 'vitest';
import { GuestSession } from '../../host-shim/guest/session.js';
import { wat } from '../support/wat.js';

// Writes page 3 once and page 5 twice.
const module = wat(`(module
  (memory (export "memory") 16)
  (func (export "_start")
    (i32.store (i32.const 12288) (i32.const 1))
    (i32.store (i32.const 20480) (i32.const 2))
    (i32.store (i32.const 20484) (i32.const 3))))`);

describe('counting the pages a guest writes', () => {
  test('each page written since the last count is counted once, and the dirty map keeps every page dirty', async () => {
    const s = GuestSession.start(module, {});
    expect(s.takeWrittenPages()).toBe(0); // the first count only starts counting
    await s.run();
    expect(s.takeWrittenPages()).toBe(2);
    expect(s.takeWrittenPages()).toBe(0);
    const dirty = s.dirtyMap();
    expect([dirty[3], dirty[5]].every((d) => d !== 0)).toBe(true);
  });

  test('the count stays right across the wrap of the marks', async () => {
    const s = GuestSession.start(module, {});
    s.takeWrittenPages();
    await s.run();
    for (let i = 0; i < 300; i++) expect(s.takeWrittenPages()).toBe(i === 0 ? 2 : 0);
    expect(s.dirtyMap()[5]).not.toBe(0);
  });
});
