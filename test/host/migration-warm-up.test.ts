import { expect, test } from 'vitest';
import { warmUpMigration } from '../../host-shim/host/worker/migration-warm-up.js';

// The warm-up is a migration within one thread: it throws unless every
// round moved the whole scratch memory and the pages written match the
// pages sent, digest for digest.
test('a spare worker\'s warm-up moves a scratch guest\'s memory whole, round after round', () => {
  expect(() => warmUpMigration()).not.toThrow();
});
