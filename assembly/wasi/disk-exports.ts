/**
 * Entry points of the disk device, re-exported by assembly/index.ts. The
 * embedder creates the disk before the guest runs, optionally fills it with
 * an image (wasi_disk_base), then opens it: formatted afresh, or checked,
 * and preopened under a name at the lowest free descriptor (fd 3 when it is
 * opened before any listener: wasi-libc looks for preopens from fd 3 on and
 * stops at the first descriptor that is none). For snapshots and migration
 * it reads the disk and its dirty map in place, as it does guest memory.
 */
import { fail, Status } from "../errors";
import { scanPages } from "../pages/scan";
import { mountChecked } from "./disk-check";
import { Disk, MAX_BLOCKS, MIN_BLOCKS, ROOT_INODE } from "./disk";
import { FileFd, fileNow } from "./files";
import { setKeepImageOutside } from "./files-persist";
import { wasi } from "./state";

/** Creates a zeroed disk of `blocks` 4 KiB blocks; false (lastError set) for a bad size or a second disk. */
export function wasi_disk_create(blocks: u32): bool {
  if (wasi.disk !== null) { fail(Status.BadArgument, "the guest has a disk already", 0); return false; }
  if (blocks < MIN_BLOCKS || blocks > MAX_BLOCKS) {
    fail(Status.LimitExceeded, "a disk has " + MIN_BLOCKS.toString() + " to " + MAX_BLOCKS.toString() + " blocks of 4 KiB", 0);
    return false;
  }
  wasi.disk = new Disk(blocks);
  return true;
}

/**
 * Formats the disk (`format`) or checks the image the embedder wrote into
 * it, then preopens its root as the directory named [ptr, ptr+len) (UTF-8).
 * Returns the descriptor, or -1 with lastError set.
 */
export function wasi_disk_open(format: bool, ptr: usize, len: u32): i32 {
  let d = wasi.disk;
  if (d === null) { fail(Status.BadArgument, "the guest has no disk", 0); return -1; }
  if (format) d.format(fileNow());
  else {
    let err = mountChecked(d);
    if (err !== null) { fail(Status.Malformed, "bad disk image: " + err, 0); return -1; }
  }
  let f = new FileFd(ROOT_INODE);
  f.preopen = String.UTF8.decodeUnsafe(ptr, len);
  let fd = wasi.sockets.allocFd(f);
  if (fd < 0) { fail(Status.LimitExceeded, "no descriptor is free for the disk", 0); return -1; }
  return fd;
}

/** The disk's size in blocks, 0 without a disk. */
export function wasi_disk_blocks(): u32 { let d = wasi.disk; return d !== null ? d.blocks : 0; }

/** The VMM address of block 0 (the image, blocks × 4 KiB), 0 without a disk. */
export function wasi_disk_base(): usize { let d = wasi.disk; return d !== null ? d.base : 0; }

/** The VMM address of the dirty map: a byte per block, non-zero once written. */
export function wasi_disk_dirty(): usize { let d = wasi.disk; return d !== null ? d.dirty : 0; }

/** Free data blocks left. */
export function wasi_disk_free_blocks(): u32 { let d = wasi.disk; return d !== null ? d.freeBlocks() : 0; }

/**
 * Whether checkpoints from now on leave the disk image out of the WASI
 * state (its size and descriptors only, WASI state 1.3): for an embedder
 * that moves or stores the image itself and puts it back into the VMM's
 * disk before a restore.
 */
export function wasi_disk_keep_outside(on: bool): void { setKeepImageOutside(on); }

/**
 * Whether the embedder keeps the disk in a file too: fd_sync then blocks
 * (BlockedOn.DiskSync) until the embedder has written the disk back there
 * and answered with wasi_disk_synced.
 */
export function wasi_disk_sync_outside(on: bool): void { wasi.diskSyncOutside = on; }

/** Answers the fd_sync that waits: 0 once the disk is written back and synced, else a WASI errno (EIO). */
export function wasi_disk_synced(errno: u32): void { wasi.diskSynced = <i32>(errno & 0xffff); }

/**
 * pages_index (pages/scan.ts) over the disk's blocks, for a snapshot's DISK
 * section: lists every non-zero block (`diff` false) or every dirty one,
 * folding their bytes into the checksum lanes; -1 without a disk.
 */
export function disk_pages_index(diff: bool, out: usize, lanes: usize): i32 {
  let d = wasi.disk;
  return d !== null ? scanPages(d.base, d.dirty, <usize>d.blocks, diff, out, lanes) : -1;
}
