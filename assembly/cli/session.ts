/**
 * A WASI guest in this VMM, driven from inside the same module: the
 * standalone counterpart of host-shim/guest/session.ts, calling the same
 * entry points (assembly/index.ts) the host shim calls through vmm.wasm's
 * exports, in the same order, so that a guest behaves the same under both.
 */
import { Status, lastError } from "../errors";
import {
  call_abort, call_begin, checkpoint_save, config_set, exit_code, fuel_used, instance_export, instance_new, instance_restore,
  instance_start, memory_base, memory_dirty, memory_pages, module_load, run as vmmRun, vmm_func, wasi_func, wasi_set_args, wasi_set_env,
} from "../index";
import { Baseline, applyBaseline, maxBaseline } from "./baseline";
import { theStore } from "../runtime/store";
import { ConfigKey } from "../runtime/config";
import { RunStatus } from "../exec/thread";
import { fail, guestTrapped, usageError } from "./failure";
import { sha256OfString } from "./sha256";
import { jsonString } from "./text";
import { Limits } from "./snapshot/meta";
import { SnapshotFile } from "./snapshot/directory";
import { restoreDisk } from "./snapshot/disk";
import { wasi_disk_blocks, wasi_disk_dirty } from "../wasi/disk-exports";

export const WASI_MODULE = "wasi_snapshot_preview1";
/** The import module of what the VMM provides besides WASI: the feature query. */
export const VMM_MODULE = "wasmotion";
/** Identifies the WASI implementation behind a guest's imports (host-shim/guest/session.ts, WASI_PROVIDER). */
const WASI_PROVIDER = "wasmotion-wasi-preview1/2";
export const KIND_FUNC: u32 = 0;
const KIND_MEMORY: u32 = 2;
/** Steps per run() slice, as the host shim runs them. */
export const SLICE: i64 = 1 << 20;

/** The limits a guest runs under: -1 where the VMM's default holds. */
export class EngineOptions {
  maxMemoryPages: i64 = -1;
  maxCallDepth: i64 = -1;
  fuel: i64 = -1;
}

/** NUL-terminated UTF-8 strings, as the VMM takes argv and environ. */
function nulSeparated(strings: Array<string>): ArrayBuffer {
  let total = 0;
  for (let i = 0; i < strings.length; i++) total += String.UTF8.byteLength(strings[i]) + 1;
  let out = new ArrayBuffer(total);
  let at = changetype<usize>(out);
  for (let i = 0; i < strings.length; i++) {
    let s = strings[i];
    at += String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, at);
    store<u8>(at++, 0);
  }
  return out;
}

function setStrings(strings: Array<string>, isEnv: bool): void {
  let bytes = nulSeparated(strings);
  if (isEnv) wasi_set_env(changetype<usize>(bytes), bytes.byteLength);
  else wasi_set_args(changetype<usize>(bytes), bytes.byteLength);
}

/** Loads a module from a heap buffer the VMM takes over; -1 after recording a module error. */
export function compile(ptr: usize, len: usize): i32 {
  let id = module_load(ptr, <u32>len);
  if (id < 0) {
    let s = lastError.status;
    let code = s == Status.Invalid ? "WASMOTION_ERR_INVALID" : s == Status.Unsupported ? "WASMOTION_ERR_UNSUPPORTED_FEATURE" : "WASMOTION_ERR_MALFORMED";
    fail(code, lastError.message + " (at byte " + lastError.offset.toString() + ")");
  }
  return id;
}

/** What the guest imports and who provides it, as the host shim digests it. */
function importsDigestOf(id: i32): string {
  let imports = theStore.modules[id].imports;
  let s = '{"provider":' + jsonString(WASI_PROVIDER) + ',"imports":[';
  for (let i = 0; i < imports.length; i++) {
    let imp = imports[i];
    s += (i > 0 ? ",[" : "[") + jsonString(imp.module) + "," + jsonString(imp.name) + "," + imp.kind.toString() + "]";
  }
  return sha256OfString(s + "]}");
}

/** (kind, address) pairs for every import: WASI and the feature query from the VMM's own implementation, nothing else. 0 after a link error. */
function resolveImports(id: i32): usize {
  let imports = theStore.modules[id].imports;
  let pairs = heap.alloc(<usize>(imports.length > 0 ? imports.length : 1) << 3);
  for (let i = 0; i < imports.length; i++) {
    let imp = imports[i];
    let name = String.UTF8.encode(imp.name);
    let addr = imp.module == WASI_MODULE ? wasi_func(changetype<usize>(name), name.byteLength)
      : imp.module == VMM_MODULE ? vmm_func(changetype<usize>(name), name.byteLength) : -1;
    if (addr < 0) {
      heap.free(pairs);
      fail("WASMOTION_ERR_UNLINKABLE", "unknown import: " + imp.module + "." + imp.name);
      return 0;
    }
    store<u32>(pairs + (<usize>i << 3), KIND_FUNC);
    store<u32>(pairs + (<usize>i << 3), <u32>addr, 4);
  }
  return pairs;
}

export function instantiationError(): void {
  let s = lastError.status;
  if (s == Status.Unlinkable) fail("WASMOTION_ERR_UNLINKABLE", lastError.message);
  else if (s == Status.Trap) guestTrapped(lastError.message);
  else fail("WASMOTION_ERR_LIMIT", lastError.message);
}

/** Export `name` of an instance as kind << 32 | address, or -1. */
export function exportOf(inst: i32, name: string): i64 {
  let bytes = String.UTF8.encode(name);
  return instance_export(<u32>inst, changetype<usize>(bytes), bytes.byteLength);
}

/**
 * Runs the call that call_begin prepared to its end, as the host shim's
 * engine does (VmmEngine.drive): at most `fuel` steps (-1: no bound). The
 * results are then at results_ptr(). False after recording a failure.
 */
export function finishCall(fuel: i64): bool {
  let budget = fuel;
  for (;;) {
    let slice = budget >= 0 && budget < SLICE ? budget : SLICE;
    let status = vmmRun(slice);
    if (status == RunStatus.Finished) return true;
    if (status == RunStatus.OutOfFuel) {
      if (budget >= 0) {
        budget -= slice;
        if (budget <= 0) { call_abort(); guestTrapped("out of fuel"); return false; }
      }
      continue;
    }
    if (status == RunStatus.Trap) { guestTrapped(lastError.message); return false; }
    call_abort();
    fail("WASMOTION_ERR_UNEXPECTED_STOP", "guest stopped with status " + status.toString());
    return false;
  }
}

/** Sets the VMM's limits; before any module is loaded. */
export function applyLimits(options: EngineOptions): void {
  if (options.maxMemoryPages >= 0) config_set(ConfigKey.MaxMemoryPages, <u32>options.maxMemoryPages);
  if (options.maxCallDepth >= 0) config_set(ConfigKey.MaxCallDepth, <u32>options.maxCallDepth);
}

export class Session {
  instance: i32 = -1;
  /** Store address of the guest's memory, -1 if it has none. */
  memoryAddr: i32 = -1;
  /** The step count when this session began (the VMM counts since the guest started). */
  stepsAtStart: i64 = 0;
  /** The step count at which the fuel budget runs out; -1 without one. */
  budgetEnd: i64 = -1;
  imports: string = "";
  /** The baseline the guest runs under: what its feature query returns, what its snapshots name. */
  baseline: Baseline = maxBaseline();
  /**
   * Whether this guest's snapshots hold its disk in DISK sections, apart
   * from the state: yes unless it was restored from a chain that holds the
   * image inside its states, whose diffs go on that way.
   */
  diskApartInSnapshots: bool = true;

  constructor(public options: EngineOptions) {
    applyLimits(options);
  }

  /** Instantiates a WASI command (its bytes in a heap buffer the VMM takes over) and prepares the call of _start. Null after a failure. */
  static start(ptr: usize, len: usize, programName: string, args: Array<string>, env: Array<string>, options: EngineOptions): Session | null {
    let s = new Session(options);
    let argv = new Array<string>();
    argv.push(programName);
    for (let i = 0; i < args.length; i++) argv.push(args[i]);
    setStrings(argv, false);
    setStrings(env, true);
    let id = compile(ptr, len);
    if (id < 0) return null;
    s.imports = importsDigestOf(id);
    if (!applyBaseline(id, s.baseline)) return null;
    let pairs = resolveImports(id);
    if (!pairs) return null;
    s.instance = instance_new(id, pairs, theStore.modules[id].imports.length);
    heap.free(pairs);
    if (s.instance < 0) { instantiationError(); return null; }
    let start = instance_start(s.instance);
    if (start >= 0 && !s.runStartFunction(start)) return null;
    s.findMemory();
    s.startBudget();
    let main = exportOf(s.instance, "_start");
    if (main < 0 || <u32>(main >> 32) != KIND_FUNC) {
      usageError("the guest exports no _start function: not a WASI command");
      return null;
    }
    if (!call_begin(<u32>main)) { usageError(lastError.message); return null; }
    return s;
  }

  /**
   * Recreates a guest from a snapshot's module (in a heap buffer the VMM
   * takes over), its imports digest and its STATE, with the disk the
   * chain's DISK sections hold; the caller then applies the memory of every
   * snapshot in the chain, and calls resumed().
   */
  static restore(ptr: usize, len: usize, savedImports: string, savedSequence: i64, savedBaseline: Baseline | null, state: usize, stateLen: usize, chain: Array<SnapshotFile>, options: EngineOptions): Session | null {
    let s = new Session(options);
    let id = compile(ptr, len);
    if (id < 0) return null;
    s.imports = importsDigestOf(id);
    if (savedImports != s.imports) {
      fail("WASMOTION_ERR_SNAPSHOT_IMPORTS", "snapshot " + savedSequence.toString() + " was taken with other imports than this host provides");
      return null;
    }
    // A 1.0 snapshot names no baseline: its guest resumes under everything this VMM runs.
    if (savedBaseline != null) s.baseline = savedBaseline;
    if (!applyBaseline(id, s.baseline)) return null;
    // A disk held apart from the state is put in place first: the state's restore keeps it.
    let disk = restoreDisk(chain);
    if (disk < 0) return null;
    s.diskApartInSnapshots = disk == 1;
    let pairs = resolveImports(id);
    if (!pairs) return null;
    s.instance = instance_restore(id, pairs, theStore.modules[id].imports.length, state, <u32>stateLen);
    heap.free(pairs);
    if (s.instance < 0) { fail("WASMOTION_ERR_BAD_CHECKPOINT", lastError.message); return null; }
    s.findMemory();
    return s;
  }

  /** After a restore has filled memory: the guest continues from here. */
  resumed(): void {
    this.clearDirty();
    this.stepsAtStart = <i64>fuel_used();
    this.startBudget();
  }

  /** The start function, run to its end as the host shim's engine runs a call (fuel per call). */
  private runStartFunction(addr: i32): bool {
    if (!call_begin(<u32>addr)) { usageError(lastError.message); return false; }
    return finishCall(this.options.fuel);
  }

  private findMemory(): void {
    let m = exportOf(this.instance, "memory");
    this.memoryAddr = m >= 0 && <u32>(m >> 32) == KIND_MEMORY ? <i32>(m & 0xffffffff) : -1;
  }

  private startBudget(): void {
    this.budgetEnd = this.options.fuel >= 0 ? this.stepsAtStart + this.options.fuel : -1;
  }

  /** Steps the guest has run since it started, across restores. */
  steps(): i64 { return <i64>fuel_used(); }

  exitCode(): i32 { return exit_code(); }

  /** The limits this guest runs under, with the fuel it has left, for its snapshots. */
  limits(): Limits {
    let l = new Limits();
    l.maxMemoryPages = this.options.maxMemoryPages;
    l.maxCallDepth = this.options.maxCallDepth;
    if (this.budgetEnd >= 0) l.fuelLeft = (this.budgetEnd - this.steps()).toString();
    return l;
  }

  /** The VMM state of the paused guest (u32 length, then bytes; free with heap.free), or 0 after a failure. */
  checkpointState(): usize {
    let ptr = checkpoint_save(<u32>this.instance);
    if (!ptr) fail("WASMOTION_ERR_CHECKPOINT", lastError.message);
    return ptr;
  }

  memoryBase(): usize { return this.memoryAddr < 0 ? 0 : memory_base(<u32>this.memoryAddr); }
  memoryBytes(): usize { return this.memoryAddr < 0 ? 0 : <usize>memory_pages(<u32>this.memoryAddr) << 16; }

  /** Marks every page of memory and every block of the disk clean. */
  clearDirty(): void {
    if (this.memoryAddr >= 0) memory.fill(memory_dirty(<u32>this.memoryAddr), 0, this.memoryBytes() >> 12);
    let blocks = wasi_disk_blocks();
    if (blocks > 0) memory.fill(wasi_disk_dirty(), 0, blocks);
  }
}
