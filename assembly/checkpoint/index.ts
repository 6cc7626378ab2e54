import { Status, fail } from "../errors";
import { restoreThread, saveThread } from "../exec/persist";
import { Module } from "../module/types";
import { instantiate } from "../runtime/instantiate";
import { restoreInstance, saveInstance } from "../runtime/persist";
import { ModuleInst } from "../runtime/store";
import { restoreWasi, saveWasi } from "../wasi/persist";
import { ByteReader, ByteWriter } from "./bytes";

/**
 * The VMM's part of a checkpoint: everything about a guest but its memory
 * bytes, in wasm terms (docs/snapshot-format.md, section STATE). Each part is
 * written by the persist.ts beside the state it owns.
 *
 *   u32 magic "WMST"   u16 major  u16 minor
 *   instance  (runtime/persist.ts)
 *   thread    (exec/persist.ts)
 *   wasi      (wasi/persist.ts)
 */
const MAGIC: u32 = 0x54534d57; // "WMST"
export const STATE_MAJOR: u32 = 1;
export const STATE_MINOR: u32 = 0;

/** The state of `inst` and the thread, or 0 with lastError set. */
export function saveCheckpoint(inst: ModuleInst): usize {
  let w = new ByteWriter();
  w.u32(MAGIC);
  w.u32(STATE_MAJOR | (STATE_MINOR << 16));
  let err = saveInstance(w, inst);
  if (!err) err = saveThread(w, inst);
  if (!err) err = saveWasi(w);
  let out = w.finish();
  if (err) {
    heap.free(out);
    fail(Status.BadArgument, "cannot checkpoint: " + err, 0);
    return 0;
  }
  return out;
}

/**
 * Creates the instance of `m` a checkpoint describes, with its thread.
 * Returns null with lastError set; nothing runs before the state is complete.
 */
export function restoreCheckpoint(m: Module, imports: StaticArray<u32>, ptr: usize, len: usize): ModuleInst | null {
  let inst = instantiate(m, imports, false);
  if (!inst) return null;
  return loadCheckpoint(inst, ptr, len) ? inst : null;
}

/**
 * Loads a checkpoint state into an instance made by instantiate(..., false)
 * (a live migration fills its memory first, page by page). Returns false with
 * lastError set.
 */
export function loadCheckpoint(inst: ModuleInst, ptr: usize, len: usize): bool {
  let r = new ByteReader(ptr, ptr + len);
  let magic = r.u32();
  let version = r.u32();
  if (r.failed || magic != MAGIC) { fail(Status.Malformed, "not a checkpoint state", 0); return false; }
  let major = version & 0xffff;
  let minor = version >>> 16;
  if (major != STATE_MAJOR || minor > STATE_MINOR) {
    fail(Status.Unsupported, "checkpoint state version " + major.toString() + "." + minor.toString() + " is not supported", 0);
    return false;
  }
  let err = restoreInstance(r, inst);
  if (!err) err = restoreThread(r, inst);
  if (!err) err = restoreWasi(r);
  if (!err && r.pos != r.end) err = "trailing bytes after the state";
  if (err) { fail(Status.Malformed, "bad checkpoint state: " + err, <u32>(r.pos - r.start)); return false; }
  return true;
}
