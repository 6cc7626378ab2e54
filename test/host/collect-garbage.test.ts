// Garbage collection on demand, as both hosts run it before a switchover.
import { expect, test } from 'vitest';
import { collectGarbage } from '../../host-shim/host/collect-garbage.js';

test('collects now: an object that only a WeakRef holds is gone after it', async () => {
  const ref = (() => new WeakRef({ filler: new Array(10_000).fill(7) }))();
  // A WeakRef keeps its target alive until the job that made it ends.
  await new Promise((resolve) => setTimeout(resolve, 0));
  expect(collectGarbage()).toBe(true);
  expect(ref.deref()).toBeUndefined();
});
