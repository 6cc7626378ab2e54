// fd_sync on a disk kept in an image file: the guest's sync returns once its
// data is in the file (synced), and fails with EIO if the write-back fails.
// Without the write-back hook the file would catch up only at the host's next
// timed write-back, which these sessions never run.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { tempDirs } from '../support/temp-dirs.js';
import { GuestSession } from '../../host-shim/guest/session.js';
import { DiskWriteBack } from '../../host-shim/host/disk-write-back.js';
import { DiskDirtyUsers } from '../../host-shim/wasi/disk-dirty.js';
import { imagePath } from '../../host-shim/wasi/disk-image-file.js';
import { cGuestWasmPath } from '../../tools/guests/layout.js';
import { filesIn, TREESUM } from '../support/disk-image.js';

const SYNCER = cGuestWasmPath('syncer');

const tempDir = tempDirs('sync');

/**
 * Runs the syncer guest (two lines, a long sleep after each) on a disk
 * backed by an image file until it printed `until`; `hook` decides what its
 * fd_sync waits for. Returns its output and the image file's files.
 */
async function syncerRun(until: RegExp, hook: (writeBack: DiskWriteBack, session: GuestSession) => (() => void) | null): Promise<{ out: string; files: string; outcome: unknown }> {
  const path = imagePath(tempDir(), 'g-sync');
  let out = '';
  const session = GuestSession.start(readFileSync(SYNCER), {
    programName: 'syncer',
    args: ['/data/synced.txt', '2', '60000'],
    disk: { bytes: 1 << 20 },
    stdout: { write: (b) => void (out += Buffer.from(b).toString()) },
  });
  try {
    const writeBack = DiskWriteBack.create(path, session.disk(), new DiskDirtyUsers(session));
    session.syncDiskWith(hook(writeBack, session));
    const outcome = await session.run({ interrupt: () => until.test(out) });
    writeBack.close();
    return { out, files: await filesIn(path), outcome };
  } finally {
    session.dispose();
  }
}

describe.skipIf(!existsSync(SYNCER) || !existsSync(TREESUM))('fd_sync on a disk kept in an image file', () => {
  test('returns once the data is in the file', async () => {
    const run = await syncerRun(/synced 1\n/, (writeBack, session) => () => void writeBack.flush(session.disk(), true));
    expect(run.out).toBe('synced 1\n');
    // "line 1\n": the file holds the line the guest synced before it said so.
    expect(run.files).toMatch(/^\/data\/synced\.txt 7 [0-9a-f]{8}$/m);
  });

  test('without the write-back hook, the same run leaves the file without the line', async () => {
    const run = await syncerRun(/synced 1\n/, () => null);
    expect(run.out).toBe('synced 1\n');
    expect(run.files).not.toMatch(/synced\.txt/);
  });

  test('fails with EIO when the write-back fails', async () => {
    const run = await syncerRun(/sync failed/, () => () => {
      throw new Error('the image file cannot be written');
    });
    expect(run.out).toBe('sync failed: I/O error\n');
    expect(run.outcome).toEqual({ state: 'exited', exitCode: 1 });
  });
});
