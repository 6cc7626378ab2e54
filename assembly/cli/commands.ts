/**
 * `run` and `resume`, in the order host-shim/cli/run.ts and run-wasi.ts do
 * their work, so that the same mistake gives the same message: limits,
 * environment and snapshot options first, then the guest file, the snapshot
 * directory, and the guest.
 */
import { CommandLine } from "./args";
import { DriveOptions, drive } from "./drive";
import { failed, usageError } from "./failure";
import { invokeCommand } from "./invoke";
import { readFile } from "./fs";
import { basename } from "./paths";
import { EngineOptions, Session } from "./session";
import { sha256Hex } from "./sha256";
import { SnapshotDir } from "./snapshot/directory";
import { applyMemory } from "./snapshot/memory";
import { errnoName, jsonString, parseDigits } from "./text";

/** `--fuel N` and friends: a positive integer, or -1 after a usage error. */
function positive(flag: string, text: string): i64 {
  let v = parseDigits(text);
  if (v <= 0) { usageError(flag + " " + text + " is not a positive integer"); return -1; }
  return v;
}

/** Sizes like 65536, 64KiB, 16MiB, 1GiB (also K, M, G, KB, ...), in bytes (host-shim/cli/values.ts, parseSize); -1 after a usage error. */
function parseSize(text: string): i64 {
  let t = text.trim();
  let end = 0;
  while (end < t.length && t.charCodeAt(end) >= 0x30 && t.charCodeAt(end) <= 0x39) end++;
  let digits = t.substring(0, end);
  let unit = t.substring(end).trimStart().toLowerCase();
  let units = ["", "k", "ki", "kib", "kb", "m", "mi", "mib", "mb", "g", "gi", "gib", "gb"];
  if (digits.length == 0 || !units.includes(unit) || (unit.length == 0 && end < t.length)) {
    usageError(jsonString(text) + " is not a size (examples: 65536, 64MiB, 1GiB)");
    return -1;
  }
  let n = parseDigits(digits);
  let shift = unit.startsWith("k") ? 10 : unit.startsWith("m") ? 20 : unit.startsWith("g") ? 30 : 0;
  return n > (i64.MAX_VALUE >> shift) ? i64.MAX_VALUE : n << shift;
}

/** The limits of --fuel and --max-memory; false after a usage error. */
function limitsFrom(line: CommandLine, o: EngineOptions): bool {
  if (line.maxMemory != null) {
    let bytes = parseSize(line.maxMemory!);
    if (bytes < 0) return false;
    if (bytes < 65536) { usageError("--max-memory " + line.maxMemory! + " is less than one 64 KiB page"); return false; }
    o.maxMemoryPages = min<i64>(65536, bytes / 65536);
  }
  if (line.fuel != null) {
    o.fuel = positive("--fuel", line.fuel!);
    if (o.fuel < 0) return false;
  }
  return true;
}

/** --stop-after and --snapshot-every, which need a snapshot directory; false after a usage error. */
function snapshotsFrom(line: CommandLine, o: DriveOptions, hasDir: bool): bool {
  if (line.stopAfter != null && (o.stopAfter = positive("--stop-after", line.stopAfter!)) < 0) return false;
  if (line.snapshotEvery != null && (o.every = positive("--snapshot-every", line.snapshotEvery!)) < 0) return false;
  if ((o.stopAfter >= 0 || o.every >= 0) && !hasDir) { usageError("--stop-after and --snapshot-every need --snapshot-dir"); return false; }
  return true;
}

function checkEnv(pairs: Array<string>): bool {
  for (let i = 0; i < pairs.length; i++) {
    if (pairs[i].indexOf("=") <= 0) { usageError("--env " + jsonString(pairs[i]) + " is not KEY=VALUE"); return false; }
  }
  return true;
}

export function runCommand(line: CommandLine): i32 {
  let engine = new EngineOptions();
  let drive_ = new DriveOptions();
  if (!limitsFrom(line, engine) || !checkEnv(line.env) || !snapshotsFrom(line, drive_, line.snapshotDir != null)) return -1;
  let path = line.positional[0];
  let args = line.positional.slice(1);
  let guest = readFile(path);
  if (guest.errno) { usageError("cannot read " + path + ": " + errnoName(guest.errno)); return -1; }
  if (line.invoke != null) {
    if (line.snapshotDir != null) { usageError("--snapshot-dir applies to WASI commands, not --invoke"); return -1; }
    return invokeCommand(guest.ptr, guest.len, line.invoke!, line.positional.slice(1), engine);
  }
  if (line.snapshotDir != null) {
    let dir = new SnapshotDir(line.snapshotDir!);
    if (!dir.init(guest.ptr, guest.len)) return -1;
    drive_.dir = dir;
    drive_.moduleDigest = sha256Hex(guest.ptr, guest.len);
  }
  // The VMM takes the guest's buffer over.
  let session = Session.start(guest.ptr, guest.len, basename(path), args, line.env, engine);
  if (session == null) return -1;
  return drive(session, drive_);
}

export function resumeCommand(line: CommandLine): i32 {
  let limits = new EngineOptions();
  let drive_ = new DriveOptions();
  if (!limitsFrom(line, limits) || !snapshotsFrom(line, drive_, true)) return -1;
  let dir = new SnapshotDir(line.positional[0]);
  let chain = dir.readChain();
  if (chain == null) return -1;
  let module = dir.readModule();
  if (module == null) return -1;
  drive_.dir = dir;
  drive_.moduleDigest = sha256Hex(module.ptr, module.len);
  // The guest keeps the limits it ran under, unless this command sets others.
  let newest = chain[chain.length - 1];
  let saved = newest.meta.limits;
  let engine = new EngineOptions();
  engine.maxMemoryPages = limits.maxMemoryPages >= 0 ? limits.maxMemoryPages : saved.maxMemoryPages;
  engine.maxCallDepth = saved.maxCallDepth;
  engine.fuel = limits.fuel;
  if (engine.fuel < 0 && saved.fuelLeft != null) {
    engine.fuel = parseDigits(saved.fuelLeft!);
    if (engine.fuel < 0) { usageError("Cannot convert " + saved.fuelLeft! + " to a BigInt"); return -1; }
  }
  let session = Session.restore(module.ptr, module.len, newest.meta.imports, newest.meta.sequence, newest.meta.baseline, newest.state.ptr, newest.state.len, chain, engine);
  if (session == null) return -1;
  let base = session.memoryBase(), bytes = session.memoryBytes();
  for (let i = 0; i < chain.length; i++) {
    if (!applyMemory(chain[i].memory, base, bytes, "snapshot " + chain[i].meta.sequence.toString())) return -1;
  }
  for (let i = 0; i < chain.length; i++) heap.free(chain[i].buffer);
  session.resumed();
  return failed() ? -1 : drive(session, drive_);
}
