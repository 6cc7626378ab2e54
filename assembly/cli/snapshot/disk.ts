/**
 * The guest's disk from a snapshot chain's DISK sections (format 1.2), as
 * host-shim/guest/session.ts restores it: created at the size the sections
 * give, then each file's blocks written in chain order, before the state is
 * restored (whose WASI section then holds the image outside and keeps this
 * disk).
 */
import { snapshotError } from "../failure";
import { MAX_BLOCKS, MIN_BLOCKS } from "../../wasi/disk";
import { wasi_disk_base, wasi_disk_create } from "../../wasi/disk-exports";
import { SnapshotFile } from "./directory";
import { applyMemory } from "./memory";

const BLOCK: usize = 4096;

/** 1 when the chain holds its disk in DISK sections (now in place), 0 when it holds none, -1 after recording a failure. */
export function restoreDisk(chain: Array<SnapshotFile>): i32 {
  let first = chain[0];
  let blocks = first.diskBlocks();
  if (blocks == -2) return -1;
  for (let i = 1; i < chain.length; i++) {
    let b = chain[i].diskBlocks();
    if (b == -2) return -1;
    if (b != blocks) {
      snapshotError("WASMOTION_ERR_SNAPSHOT_CHAIN", "snapshot " + chain[i].meta.sequence.toString() + " holds a disk other than snapshot " + first.meta.sequence.toString());
      return -1;
    }
  }
  if (blocks < 0) return 0;
  if (blocks < <i64>MIN_BLOCKS || blocks > <i64>MAX_BLOCKS || !wasi_disk_create(<u32>blocks)) {
    snapshotError("WASMOTION_ERR_SNAPSHOT_CORRUPT", "snapshot " + first.meta.sequence.toString() + ": a disk of " + blocks.toString() + " blocks");
    return -1;
  }
  for (let i = 0; i < chain.length; i++) {
    if (!applyMemory(chain[i].disk!, wasi_disk_base(), <usize>blocks * BLOCK, "snapshot " + chain[i].meta.sequence.toString() + " disk")) return -1;
  }
  return 1;
}
