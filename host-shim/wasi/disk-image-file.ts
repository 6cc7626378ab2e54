/**
 * A guest's disk image kept in a file of a shared directory (`host start
 * --shared-dir`): the backing store of a disk that lives in the VMM's
 * memory, as a shared datastore is for a VM. The host writes written
 * blocks back to it (host/disk-write-back.ts); a host that sees the same
 * directory loads the guest's disk from it when the guest migrates there,
 * so its blocks need not cross the network.
 *
 *   offset 0        header (one 4 KiB block, the rest zeros)
 *     0  u32        magic "WMDI"
 *     4  u16, u16   version MAJOR.MINOR (1.0)
 *     8  u32        block size (4096)
 *    12  u32        block count
 *    16  u8[16]     marker: random bytes a migrating source writes and the
 *                   destination must read back, so that a shared directory
 *                   is proved shared, not assumed from a matching path
 *    32  u32        crc32 of bytes 0..32
 *   4096            block 0 of the image, then every block in order
 *
 * Little-endian. The file is exactly 4096 + blocks × 4096 bytes (sparse
 * where the image is zeros). A file that is short, long, of another major
 * version or a newer minor, or whose header checksum fails is refused
 * (WASMOTION_ERR_DISK_IMAGE): it is read from a directory other hosts
 * write, so it is not trusted.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { WasmotionError } from '../errors.js';
import type { GuestMemory } from '../vmm/guest-memory.js';
import { isZeroPage } from '../snapshot/memory.js';
import { DISK_BLOCK, MAX_DISK_BYTES, MIN_DISK_BYTES } from './disk.js';

const MAGIC = 0x49444d57; // "WMDI"
const MAJOR = 1;
const MINOR = 0;
export const HEADER_BYTES = DISK_BLOCK;
const CRC_AT = 32;
export const MARKER_BYTES = 16;
/** Blocks read or written per system call when a whole image moves. */
const RUN_BLOCKS = 256;

export class DiskImageError extends WasmotionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WASMOTION_ERR_DISK_IMAGE', message, options);
    this.name = 'DiskImageError';
  }
}

/** The image file of guest `guest` in the shared directory `dir`; guest ids are [A-Za-z0-9-]. */
export function imagePath(dir: string, guest: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(guest)) throw new DiskImageError(`no image file for a guest named ${JSON.stringify(guest)}`);
  return join(dir, `${guest}.wmdisk`);
}

export interface ImageHeader {
  blocks: number;
  marker: Buffer;
}

function encodeHeader(h: ImageHeader): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.writeUInt32LE(MAGIC, 0);
  b.writeUInt16LE(MAJOR, 4);
  b.writeUInt16LE(MINOR, 6);
  b.writeUInt32LE(DISK_BLOCK, 8);
  b.writeUInt32LE(h.blocks, 12);
  h.marker.copy(b, 16, 0, MARKER_BYTES);
  b.writeUInt32LE(crc32(b.subarray(0, CRC_AT)), CRC_AT);
  return b;
}

/** Checks a header and the size of the file it heads; `path` names it in errors. */
export function parseHeader(b: Buffer, fileBytes: number, path: string): ImageHeader {
  if (b.length < CRC_AT + 4 || b.readUInt32LE(0) !== MAGIC) throw new DiskImageError(`${path} is not a wasmotion disk image`);
  if (b.readUInt32LE(CRC_AT) !== crc32(b.subarray(0, CRC_AT))) throw new DiskImageError(`${path}: the header checksum does not match (the header is damaged)`);
  const major = b.readUInt16LE(4);
  const minor = b.readUInt16LE(6);
  if (major !== MAJOR || minor > MINOR) throw new DiskImageError(`${path} is a disk image of version ${major}.${minor}; this host reads ${MAJOR}.${MINOR}`);
  if (b.readUInt32LE(8) !== DISK_BLOCK) throw new DiskImageError(`${path} has blocks of ${b.readUInt32LE(8)} bytes, not ${DISK_BLOCK}`);
  const blocks = b.readUInt32LE(12);
  if (blocks * DISK_BLOCK < MIN_DISK_BYTES || blocks * DISK_BLOCK > MAX_DISK_BYTES) throw new DiskImageError(`${path} claims ${blocks} blocks, outside what a disk can have`);
  const expected = HEADER_BYTES + blocks * DISK_BLOCK;
  if (fileBytes !== expected) throw new DiskImageError(`${path} has ${fileBytes} bytes; an image of ${blocks} blocks has ${expected} (${fileBytes < expected ? 'cut short' : 'too long'})`);
  return { blocks, marker: Buffer.from(b.subarray(16, 16 + MARKER_BYTES)) };
}

/** Runs `f` on `path` opened with `flags`; I/O failures become DiskImageError. */
function withFile<T>(path: string, flags: string, f: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (err) {
    throw new DiskImageError(`cannot open the disk image ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  try {
    return f(fd);
  } catch (err) {
    if (err instanceof DiskImageError) throw err;
    throw new DiskImageError(`disk image ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  } finally {
    closeSync(fd);
  }
}

function readHeaderOf(fd: number, path: string): ImageHeader {
  const b = Buffer.alloc(HEADER_BYTES);
  const got = readSync(fd, b, 0, HEADER_BYTES, 0);
  return parseHeader(b.subarray(0, got), fstatSync(fd).size, path);
}

/** The header of the image file at `path`, checked with the file's size. */
export function readImageHeader(path: string): ImageHeader {
  return withFile(path, 'r', (fd) => readHeaderOf(fd, path));
}

/**
 * Creates the image file of a new guest from its formatted disk: every
 * block that is not zeros, then fsync. Refuses a file that already exists.
 */
export function createImageFile(path: string, disk: GuestMemory): void {
  const blocks = disk.length / DISK_BLOCK;
  withFile(path, 'wx', (fd) => {
    writeSync(fd, encodeHeader({ blocks, marker: Buffer.alloc(MARKER_BYTES) }), 0, HEADER_BYTES, 0);
    // Sized first, so that the zero blocks are holes.
    writeSync(fd, Buffer.alloc(1), 0, 1, HEADER_BYTES + blocks * DISK_BLOCK - 1);
    for (let b = 0; b < blocks; b++) {
      const block = disk.read(b * DISK_BLOCK, DISK_BLOCK);
      if (!isZeroPage(block, 0)) writeSync(fd, block, 0, DISK_BLOCK, HEADER_BYTES + b * DISK_BLOCK);
    }
    fsyncSync(fd);
  });
}

/**
 * Writes a fresh random marker into the header of the image at `path`
 * (checked first, and for `blocks` blocks) and syncs it; returns the marker.
 * A host that reads this marker back from its own path sees this file.
 */
export function renewMarker(path: string, blocks: number): Buffer {
  return withFile(path, 'r+', (fd) => {
    const h = readHeaderOf(fd, path);
    if (h.blocks !== blocks) throw new DiskImageError(`${path} holds ${h.blocks} blocks, the guest's disk ${blocks}`);
    const marker = randomBytes(MARKER_BYTES);
    writeSync(fd, encodeHeader({ blocks, marker }), 0, HEADER_BYTES, 0);
    fsyncSync(fd);
    return marker;
  });
}

/**
 * Reads the image at `path` into `disk` (of the same block count); returns
 * the blocks that are not zeros, each written into `disk`.
 */
export function loadImageFile(path: string, disk: GuestMemory): number[] {
  const all: number[] = [];
  for (let b = 0; b < disk.length / DISK_BLOCK; b++) all.push(b);
  return loadImageBlocks(path, disk, all).filter((b) => !isZeroPage(disk.read(b * DISK_BLOCK, DISK_BLOCK), 0));
}

/**
 * Reads blocks `wanted` (ascending) of the image at `path` into `disk` (of
 * the same block count), a run of neighbours per read; returns them. The
 * file is opened anew each time, so that a network file system shows what
 * its writer synced before (close-to-open consistency).
 */
export function loadImageBlocks(path: string, disk: GuestMemory, wanted: ArrayLike<number>): number[] {
  const blocks = disk.length / DISK_BLOCK;
  return withFile(path, 'r', (fd) => {
    const h = readHeaderOf(fd, path);
    if (h.blocks !== blocks) throw new DiskImageError(`${path} holds ${h.blocks} blocks, the guest's disk ${blocks}`);
    const done: number[] = [];
    const run = Buffer.alloc(RUN_BLOCKS * DISK_BLOCK);
    for (let i = 0; i < wanted.length; ) {
      const first = wanted[i];
      if (!(Number.isInteger(first) && first >= 0 && first < blocks)) throw new DiskImageError(`block ${first} is outside the ${blocks} blocks of ${path}`);
      let n = 1;
      while (i + n < wanted.length && n < RUN_BLOCKS && wanted[i + n] === first + n) n++;
      const got = readSync(fd, run, 0, n * DISK_BLOCK, HEADER_BYTES + first * DISK_BLOCK);
      if (got !== n * DISK_BLOCK) throw new DiskImageError(`${path} was cut short while it was read`);
      disk.write(first * DISK_BLOCK, run.subarray(0, n * DISK_BLOCK));
      for (let k = 0; k < n; k++) done.push(first + k);
      i += n;
    }
    return done;
  });
}

/** An image file open for writing blocks back (disk-write-back.ts). */
export class ImageFileWriter {
  private constructor(
    readonly path: string,
    private fd: number,
  ) {}

  /** Opens the image at `path`, checked to hold `blocks` blocks. */
  static open(path: string, blocks: number): ImageFileWriter {
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (err) {
      throw new DiskImageError(`cannot open the disk image ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    try {
      const h = readHeaderOf(fd, path);
      if (h.blocks !== blocks) throw new DiskImageError(`${path} holds ${h.blocks} blocks, the guest's disk ${blocks}`);
    } catch (err) {
      closeSync(fd);
      throw err instanceof DiskImageError ? err : new DiskImageError(`disk image ${path}: ${(err as Error).message}`, { cause: err });
    }
    return new ImageFileWriter(path, fd);
  }

  writeBlock(b: number, bytes: Uint8Array): void {
    this.io(() => writeSync(this.fd, bytes, 0, DISK_BLOCK, HEADER_BYTES + b * DISK_BLOCK));
  }

  sync(): void {
    this.io(() => fsyncSync(this.fd));
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  private io(f: () => void): void {
    if (this.fd < 0) throw new DiskImageError(`the disk image ${this.path} is closed here`);
    try {
      f();
    } catch (err) {
      throw new DiskImageError(`cannot write the disk image ${this.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
  }
}
