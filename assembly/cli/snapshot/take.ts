/**
 * Writing a paused guest into its snapshot directory, as
 * host-shim/snapshot/take.ts does: its state, its memory pages and, for a
 * guest with a disk, the disk's blocks in a DISK section (the state then
 * holds the disk's size and descriptors only). The dirty maps are cleared
 * only once the snapshot is on disk: a snapshot that fails to write leaves
 * every dirty bit, so the next diff still carries those pages and blocks.
 */
import { STATE_MAJOR, STATE_MINOR } from "../../checkpoint/index";
import { realtimeNow } from "../../wasi/clock";
import { Piece } from "../fs";
import { Session } from "../session";
import { SnapshotDir } from "./directory";
import { diskSection, memorySection, MemorySection } from "./memory";
import { wasi_disk_blocks, wasi_disk_keep_outside } from "../../wasi/disk-exports";
import { SnapshotMeta } from "./meta";

export class Taken {
  constructor(public sequence: i32, public kind: string) {}
}

/** `kind` "full", "diff", or "" for full in an empty directory and diff after. Null after a failure. */
export function takeSnapshot(dir: SnapshotDir, session: Session, moduleDigest: string, kind: string = ""): Taken | null {
  let chosen = kind;
  if (chosen.length == 0) {
    let files = dir.list();
    if (files == null) return null;
    chosen = files.length == 0 ? "full" : "diff";
  }
  let apart = wasi_disk_blocks() > 0 && session.diskApartInSnapshots;
  wasi_disk_keep_outside(apart);
  let state = session.checkpointState();
  wasi_disk_keep_outside(false);
  if (!state) return null;
  let memory = memorySection(session.memoryAddr, session.memoryBase(), session.memoryBytes(), chosen == "diff");
  let disk: MemorySection | null = apart ? diskSection(chosen == "diff") : null;
  let meta = new SnapshotMeta();
  meta.module = moduleDigest;
  meta.imports = session.imports;
  meta.limits = session.limits();
  meta.steps = session.steps().toString();
  meta.state = STATE_MAJOR.toString() + "." + STATE_MINOR.toString();
  meta.createdAt = new Date(realtimeNow() / 1_000_000).toISOString();
  meta.baseline = session.baseline;
  let sequence = dir.write(chosen, new Piece(state + 4, <usize>load<u32>(state)), memory, disk, meta);
  memory.release();
  if (disk !== null) disk.release();
  heap.free(state);
  if (sequence < 0) return null;
  session.clearDirty();
  return new Taken(sequence, chosen);
}
