// A guest's disk image in a shared directory: the file format refuses what
// is damaged, cut short or of another version; the write-back keeps the file
// equal to the guest's disk while a migration takes blocks from the same
// dirty map; and a disk loaded from the file equals the one written.
import { existsSync, openSync, readFileSync, truncateSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../support/temp-dirs.js';
import { GuestSession } from '../../host-shim/guest/session.js';
import { DiskWriteBack } from '../../host-shim/host/disk-write-back.js';
import { DestinationPages } from '../../host-shim/migration/pages.js';
import { DiskDirtyUsers } from '../../host-shim/wasi/disk-dirty.js';
import { createImageFile, HEADER_BYTES, imagePath, loadImageFile, readImageHeader, renewMarker } from '../../host-shim/wasi/disk-image-file.js';
import { DISK_BLOCK } from '../../host-shim/wasi/disk.js';
import { viewMemory } from '../../host-shim/vmm/guest-memory.js';
import { cGuestWasmPath } from '../../tools/guests/layout.js';

const APPENDER = cGuestWasmPath('appender');
const BLOCKS = 64;

const tempDir = tempDirs('image');

/** A disk of BLOCKS blocks with a few non-zero ones. */
function sampleDisk(): Uint8Array {
  const disk = new Uint8Array(BLOCKS * DISK_BLOCK);
  for (const b of [0, 3, 17, BLOCKS - 1]) disk.fill(b + 1, b * DISK_BLOCK, b * DISK_BLOCK + 100);
  return disk;
}

function expectImageError(f: () => unknown, message: RegExp): void {
  try {
    f();
  } catch (err) {
    expect((err as { code?: string }).code).toBe('WASMOTION_ERR_DISK_IMAGE');
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('no error was thrown');
}

function patch(path: string, offset: number, bytes: number[]): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, Uint8Array.from(bytes), 0, bytes.length, offset);
  closeSync(fd);
}

describe('disk image file', () => {
  it('round-trips an image, sparse where it is zeros, and a renewed marker reads back', () => {
    const path = imagePath(tempDir(), 'g-1234');
    const disk = sampleDisk();
    createImageFile(path, viewMemory(disk));
    expect(readFileSync(path).length).toBe(HEADER_BYTES + BLOCKS * DISK_BLOCK);
    const first = readImageHeader(path);
    expect(first.blocks).toBe(BLOCKS);
    const marker = renewMarker(path, BLOCKS);
    expect(readImageHeader(path).marker.equals(marker)).toBe(true);
    expect(marker.equals(first.marker)).toBe(false);
    const back = new Uint8Array(disk.length);
    expect(loadImageFile(path, viewMemory(back))).toEqual([0, 3, 17, BLOCKS - 1]);
    expect(Buffer.from(back).equals(Buffer.from(disk))).toBe(true);
  });

  it('refuses a missing, short, long, damaged, foreign or newer file with WASMOTION_ERR_DISK_IMAGE', () => {
    const dir = tempDir();
    const fresh = (name: string) => {
      const path = imagePath(dir, name);
      createImageFile(path, viewMemory(sampleDisk()));
      return path;
    };
    expectImageError(() => readImageHeader(join(dir, 'absent.wmdisk')), /cannot open .*ENOENT/);
    const short = fresh('short');
    truncateSync(short, HEADER_BYTES + 10 * DISK_BLOCK);
    expectImageError(() => readImageHeader(short), /cut short/);
    expectImageError(() => loadImageFile(short, viewMemory(new Uint8Array(BLOCKS * DISK_BLOCK))), /cut short/);
    const long = fresh('long');
    truncateSync(long, HEADER_BYTES + (BLOCKS + 1) * DISK_BLOCK);
    expectImageError(() => readImageHeader(long), /too long/);
    const damaged = fresh('damaged');
    patch(damaged, 12, [0xff]);
    expectImageError(() => readImageHeader(damaged), /checksum/);
    const foreign = fresh('foreign');
    patch(foreign, 0, [0x7f, 0x45, 0x4c, 0x46]);
    expectImageError(() => readImageHeader(foreign), /not a wasmotion disk image/);
    const tiny = fresh('tiny');
    truncateSync(tiny, 8);
    expectImageError(() => readImageHeader(tiny), /not a wasmotion disk image/);
    // A newer minor with a valid checksum is still refused.
    const newer = fresh('newer');
    const header = readFileSync(newer).subarray(0, HEADER_BYTES);
    header.writeUInt16LE(1, 6);
    header.writeUInt32LE(crc32(header.subarray(0, 32)), 32);
    patch(newer, 0, [...header.subarray(0, 36)]);
    expectImageError(() => readImageHeader(newer), /version 1\.1/);
    // A disk of another size, and a file that already exists.
    expectImageError(() => renewMarker(fresh('other'), BLOCKS * 2), /holds 64 blocks/);
    expectImageError(() => createImageFile(fresh('twice'), viewMemory(sampleDisk())), /EEXIST/);
    expectImageError(() => imagePath(dir, '../escape'), /no image file/);
  });

  it('a write-back that fails keeps its blocks dirty and says why, with WASMOTION_ERR_DISK_IMAGE', () => {
    const path = imagePath(tempDir(), 'g-failing');
    const disk = sampleDisk();
    const vmmMap = new Uint8Array(BLOCKS);
    const users = new DiskDirtyUsers({ diskDirtyMap: () => vmmMap, commitDiskDirty: (m) => vmmMap.set(m) });
    const writeBack = DiskWriteBack.create(path, viewMemory(disk), users);
    const before = Buffer.from(writeBack.digest());
    disk.fill(9, 5 * DISK_BLOCK, 6 * DISK_BLOCK);
    vmmMap[5] = 1;
    writeBack.close();
    expectImageError(() => writeBack.flush(viewMemory(disk), true), /disk image .* is closed here/);
    // Nothing was taken: block 5 is still the write-back's to write, and the digest still the file's.
    expect(users.of('write-back')[5]).toBe(1);
    expect(Buffer.from(writeBack.digest()).equals(before)).toBe(true);
    expect(readFileSync(path)[HEADER_BYTES + 5 * DISK_BLOCK]).toBe(0);
  });

  it.skipIf(!existsSync(APPENDER))('writes a running guest back to its file while a migration takes blocks from the same dirty map', async () => {
    const path = imagePath(tempDir(), 'g-writer');
    const session = GuestSession.start(readFileSync(APPENDER), { programName: 'appender', args: ['/data', '300', '4'], disk: { bytes: 1 << 20 } });
    try {
      const users = new DiskDirtyUsers(session);
      const writeBack = DiskWriteBack.create(path, session.disk(), users);
      // The migration's copy of the disk, kept as a destination would: all blocks once, then those it finds dirty.
      const copy = new Uint8Array(session.disk().length);
      copy.set(session.disk().read(0, copy.length));
      users.of('migration');
      let slices = 0;
      let flushed = 0;
      const outcome = await session.run({
        between: (s) => {
          slices++;
          const disk = s.disk();
          const map = users.of('migration');
          for (let b = 0; b < map.length; b++) {
            if (!map[b]) continue;
            copy.set(disk.read(b * DISK_BLOCK, DISK_BLOCK), b * DISK_BLOCK);
            map[b] = 0;
          }
          // The write-back runs every other slice: the two users take at different times.
          if (slices % 2 === 0) flushed += writeBack.flush(disk, false).blocks;
        },
      });
      expect(outcome).toEqual({ state: 'exited', exitCode: 0 });
      expect(slices).toBeGreaterThan(2);
      expect(flushed).toBeGreaterThan(0);
      // What the last slice wrote is still dirty for both.
      const disk = session.disk();
      writeBack.flush(disk, true);
      const map = users.of('migration');
      for (let b = 0; b < map.length; b++) if (map[b]) copy.set(disk.read(b * DISK_BLOCK, DISK_BLOCK), b * DISK_BLOCK);
      const image = Buffer.from(disk.read(0, disk.length));
      expect(readFileSync(path).subarray(HEADER_BYTES).equals(image)).toBe(true);
      expect(Buffer.from(copy).equals(image)).toBe(true);
      // A disk loaded from the file has the digest the write-back keeps.
      const loaded = new Uint8Array(image.length);
      const sums = new DestinationPages();
      sums.written(viewMemory(loaded), loadImageFile(path, viewMemory(loaded)));
      expect(Buffer.from(loaded).equals(image)).toBe(true);
      expect(Buffer.from(sums.digest(image.length / DISK_BLOCK)).equals(Buffer.from(writeBack.digest()))).toBe(true);
      writeBack.close();
    } finally {
      session.dispose();
    }
  });
});
