/**
 * The host side of the VMM's disk device (assembly/wasi/disk-exports.ts):
 * creating a guest's disk, formatted or from an image, and reading the
 * image and its dirty map in place (valid until the VMM runs again).
 */
import { UsageError, WasmotionError } from '../errors.js';
import type { VmmBinding } from '../vmm/binding.js';
import { withBytes } from './entry-points.js';

export const DISK_BLOCK = 4096;
/** Smallest and largest disk (assembly/wasi/disk.ts MIN_BLOCKS, MAX_BLOCKS). */
export const MIN_DISK_BYTES = 16 * DISK_BLOCK;
export const MAX_DISK_BYTES = 2 ** 30;
/** The name the guest sees its disk under (wasi-libc resolves paths from it). */
export const DISK_MOUNT = '/data';

interface DiskEntryPoints {
  wasi_disk_create(blocks: number): number;
  wasi_disk_open(format: number, ptr: number, len: number): number;
  wasi_disk_blocks(): number;
  wasi_disk_base(): number;
  wasi_disk_dirty(): number;
  wasi_disk_free_blocks(): number;
  wasi_disk_keep_outside(on: number): void;
  wasi_disk_sync_outside(on: number): void;
  wasi_disk_synced(errno: number): void;
}

export interface DiskOptions {
  /** Size in bytes, a multiple of 4 KiB. Ignored when `image` is given: the image has its size. */
  bytes?: number;
  /** A disk image to start from (as imageOf returns it). */
  image?: Uint8Array;
  /** Where the guest finds it; DISK_MOUNT when absent. */
  mount?: string;
}

const entry = (vmm: VmmBinding) => vmm.x as unknown as DiskEntryPoints;

/** Checks a --disk size: whole 4 KiB blocks between the smallest and the largest disk. */
export function checkDiskBytes(flag: string, bytes: number): number {
  if (bytes % DISK_BLOCK !== 0) throw new UsageError(`${flag}: a disk is a whole number of 4 KiB blocks`);
  if (bytes < MIN_DISK_BYTES || bytes > MAX_DISK_BYTES) throw new UsageError(`${flag}: a disk has 64 KiB to 1 GiB`);
  return bytes;
}

/**
 * Creates the guest's disk and preopens it; returns its descriptor. Call
 * before a listener is opened, so that the disk is fd 3 (wasi-libc stops
 * looking for preopens at the first descriptor that is none).
 */
export function attachDisk(vmm: VmmBinding, options: DiskOptions): number {
  const x = entry(vmm);
  const bytes = options.image ? options.image.length : options.bytes ?? 0;
  checkDiskBytes(options.image ? 'the disk image' : '--disk', bytes);
  if (!x.wasi_disk_create(bytes / DISK_BLOCK)) throw new UsageError(vmm.lastError().message);
  if (options.image) vmm.write(x.wasi_disk_base() >>> 0, options.image);
  const fd = withBytes(vmm, Buffer.from(options.mount ?? DISK_MOUNT, 'utf8'), (p, n) => x.wasi_disk_open(options.image ? 0 : 1, p, n));
  if (fd < 0) {
    const message = vmm.lastError().message;
    // An image that is not a sound file system (assembly/wasi/disk-check.ts) is refused with its own code.
    if (options.image && message.startsWith('bad disk image')) throw new WasmotionError('WASMOTION_ERR_DISK_IMAGE', message);
    throw new UsageError(message);
  }
  return fd;
}

/**
 * Creates an empty disk of `bytes` without opening it: a guest arriving by
 * migration gets its blocks from the source, then its descriptors with its
 * checkpoint state.
 */
export function createDisk(vmm: VmmBinding, bytes: number): void {
  checkDiskBytes('the disk', bytes);
  if (!entry(vmm).wasi_disk_create(bytes / DISK_BLOCK)) throw new UsageError(vmm.lastError().message);
}

/** Bytes of the guest's disk, 0 without one. */
export function diskBytes(vmm: VmmBinding): number {
  return entry(vmm).wasi_disk_blocks() * DISK_BLOCK;
}

/** VMM addresses of the disk image and of its dirty map (a byte per block), valid until the VMM runs again. */
export function diskAddresses(vmm: VmmBinding): { base: number; dirty: number } {
  const x = entry(vmm);
  return { base: x.wasi_disk_base() >>> 0, dirty: x.wasi_disk_dirty() >>> 0 };
}

/** Free 4 KiB blocks on the disk. */
export function diskFreeBlocks(vmm: VmmBinding): number {
  return entry(vmm).wasi_disk_free_blocks();
}

/**
 * Runs `checkpoint` with the disk image left out of the checkpoint state
 * (WASI state 1.3: the disk's size and descriptors only). Whoever restores
 * that state must have put the image into the VMM's disk first.
 */
export function withDiskImageOutside<T>(vmm: VmmBinding, checkpoint: () => T): T {
  const x = entry(vmm);
  x.wasi_disk_keep_outside(1);
  try {
    return checkpoint();
  } finally {
    x.wasi_disk_keep_outside(0);
  }
}

/** WASI's EIO: an fd_sync whose write-back failed. */
const EIO = 29;

/**
 * Whether the guest's fd_sync waits for the disk to be written back to the
 * file it is kept in and synced (answerDiskSync), or returns at once.
 */
export function syncDiskOutside(vmm: VmmBinding, on: boolean): void {
  entry(vmm).wasi_disk_sync_outside(on ? 1 : 0);
}

/** Answers the guest's blocked fd_sync by running `writeBack`: success, or EIO if it throws. */
export function answerDiskSync(vmm: VmmBinding, writeBack: () => void): void {
  let errno = 0;
  try {
    writeBack();
  } catch {
    errno = EIO;
  }
  entry(vmm).wasi_disk_synced(errno);
}
