/**
 * A worker's migration paths, compiled before a migration needs them. V8
 * runs a new worker's JavaScript in its interpreter until it finds a
 * function hot and optimizes it on a helper thread. In a fresh worker that
 * happened during the migration itself: about 150 ms of compiling per hop,
 * taken from the CPU that moves the pages. A spare worker
 * (host/worker-pool.ts) instead runs a small migration within itself while
 * it waits for a guest: pages of a scratch guest collected, sealed, opened
 * and written into a second one, round after round, and checked by their
 * digests as the destination of a migration checks them.
 */
import { randomBytes } from 'node:crypto';
import { GuestSession } from '../../guest/session.js';
import { collectGarbage } from '../collect-garbage.js';
import { DiskDirtyUsers } from '../../wasi/disk-dirty.js';
import { MigrationIn } from './migration-in.js';
import { MigrationOut } from './migration-out.js';

// (module (memory (export "memory") 1)): a guest of memory only, as migrations see one.
const SCRATCH = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x05, 0x03, 0x01, 0x00, 0x01,
  0x07, 0x0a, 0x01, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
]);

/**
 * Scratch memory in 64 KiB wasm pages (1 MiB), batches of 64 KiB, and
 * rounds over it: small batches make many calls for few bytes, and V8 finds
 * a function hot by its calls and loops, not by the bytes it moves. This
 * takes some 100 ms of the idle worker's CPU, about what compiling the same
 * code inside a migration took.
 */
const WASM_PAGES = 16;
const BATCH_BYTES = 64 << 10;
const ROUNDS = 40;

export function warmUpMigration(): void {
  migrateWithin();
  // The scratch guests' VMM memories (some 35 MiB) go back now, not when V8 next collects: a spare may wait long.
  collectGarbage();
}

/** Moves a scratch guest's memory into another, ROUNDS times; throws unless it arrived whole. */
function migrateWithin(): void {
  const options = { engine: { maxMemoryPages: WASM_PAGES } };
  const from = GuestSession.prepare(SCRATCH, options);
  const into = GuestSession.prepare(SCRATCH, options);
  try {
    from.ensurePages(WASM_PAGES);
    const memory = from.memory();
    const page = Buffer.alloc(4096, 0x5a);
    for (let at = 0; at < memory.length; at += page.length) {
      page.writeUInt32LE(at, 0);
      memory.write(at, page);
    }
    const key = randomBytes(16);
    const out = new MigrationOut(from, new DiskDirtyUsers(from));
    out.sealWith(key);
    const inn = new MigrationIn(into, key);
    let moved = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (let first = true, left = 1; left > 0; first = false) {
        // Every round is a first round: all pages again.
        const batch = out.collect('memory', BATCH_BYTES, first, false);
        left = batch.dirtyLeft;
        moved += batch.bytes;
        if (batch.count === 0) continue;
        inn.apply('memory', Buffer.concat([batch.records, batch.tag!]), batch.compressed);
        out.recycle(batch.records.buffer as ArrayBuffer);
      }
    }
    if (moved !== ROUNDS * memory.length) throw new Error(`migration warm-up: moved ${moved} bytes of ${ROUNDS * memory.length}`);
    const sent = out.digests();
    if (!Buffer.from(inn.written.memory.digest(sent.pages)).equals(Buffer.from(sent.memory))) throw new Error('migration warm-up: the pages written differ from the pages sent');
  } finally {
    from.dispose();
    into.dispose();
  }
}
