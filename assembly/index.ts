/**
 * The VMM's entry points: the whole interface between vmm.wasm and its
 * embedder (the host shim on V8, or a runner on wasmtime). Numbers only:
 * bytes travel through buffers from vmm_alloc; strings come back as
 * length-prefixed UTF-8 (u32 length, then bytes) in a scratch buffer valid
 * until the next call that returns one. Fallible calls return -1 (or 0 for
 * pointers) and leave the details in error_*().
 */
import "./abort"; // the VMM's abort handler (asconfig "use": abort=...)
import { Status, clearError, fail, lastError } from "./errors";
import { decodeModule } from "./module/decode";
import { validateModule } from "./validate/index";
import { describeModule } from "./module/describe";
import { FuncType } from "./module/types";
import { config, ConfigKey } from "./runtime/config";
import { hostFunction } from "./runtime/instantiate";
import { createMemory, growMemory, setDirtyMark } from "./runtime/memory";
import { FuncInst, FuncKind, GlobalInst, TableInst, theStore } from "./runtime/store";
import { tableGrow } from "./exec/bulk";
import { run as interpret } from "./exec/interp";
import { thread, FRAME_BYTES } from "./exec/thread";
import { ensureCompiled } from "./compile/compiler";
import { wasiFunctionId, wasiFunctionType } from "./wasi/dispatch";
import { loadCheckpoint, restoreCheckpoint, saveCheckpoint } from "./checkpoint/index";
import { instantiate } from "./runtime/instantiate";
import { SUPPORTED_FEATURES } from "./module/features";
import { setVisibleFeatures, visibleFeatureMask, vmmFuncIdOf, vmmFuncType } from "./runtime/feature-query";


export * from "./wasi/exports";
export * from "./wasi/net-exports";
export * from "./wasi/disk-exports";
export { pages_index, checksum_update, page_checksums } from "./pages/scan";

// ---- buffers ----

export function vmm_alloc(len: u32): usize { return heap.alloc(len > 0 ? len : 1); }
export function vmm_free(ptr: usize): void { heap.free(ptr); }

let scratch: usize = 0;
let scratchCap: u32 = 0;

/** The scratch buffer, with room for at least `bytes`. */
function reserveScratch(bytes: u32): usize {
  if (bytes > scratchCap) {
    if (scratch) heap.free(scratch);
    scratchCap = bytes + 256;
    scratch = heap.alloc(scratchCap);
  }
  return scratch;
}

/** Returns `s` as length-prefixed UTF-8 in the scratch buffer. */
function out(s: string): usize {
  let len = <u32>String.UTF8.byteLength(s);
  reserveScratch(len + 4);
  store<u32>(scratch, len);
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, scratch + 4);
  return scratch;
}

// ---- configuration and errors ----

export function config_set(key: u32, value: u32): void {
  if (key == ConfigKey.MaxMemoryPages) config.maxMemoryPages = value;
  else if (key == ConfigKey.MaxCallDepth) config.maxCallDepth = value;
  else if (key == ConfigKey.ValueStackBytes) config.valueStackBytes = value;
}

export function error_status(): i32 { return lastError.status; }
export function error_message(): usize { return out(lastError.message); }
export function error_offset(): u32 { return lastError.offset; }
export function error_trap(): i32 { return lastError.trap; }

// ---- modules ----

/**
 * Decodes and validates the module in [ptr, ptr+len), taking ownership of the
 * buffer. Returns the module id, or -1.
 */
export function module_load(ptr: usize, len: u32): i32 {
  clearError();
  let m = decodeModule(ptr, len);
  if (!m) { heap.free(ptr); return -1; }
  if (validateModule(m) != Status.Ok) { heap.free(ptr); return -1; }
  theStore.modules.push(m);
  return theStore.modules.length - 1;
}

/** Imports, exports and features of a module, as JSON. */
export function module_describe(id: u32): usize {
  if (id >= <u32>theStore.modules.length) return 0;
  return out(describeModule(theStore.modules[id]));
}

// ---- store objects the embedder creates ----

function readType(ptr: usize, params: u32, results: u32): FuncType {
  let p = new StaticArray<u8>(params);
  let r = new StaticArray<u8>(results);
  for (let i: u32 = 0; i < params; i++) p[i] = load<u8>(ptr + i);
  for (let i: u32 = 0; i < results; i++) r[i] = load<u8>(ptr + params + i);
  return new FuncType(p, r);
}

/** A host function of type (params bytes, then results bytes at ptr). */
export function func_new_host(ptr: usize, params: u32, results: u32, hostId: u32): i32 {
  return hostFunction(new FuncInst(readType(ptr, params, results)), hostId, FuncKind.Host).index;
}

/** The VMM's own implementation of the WASI preview1 import `name`, or -1. */
export function wasi_func(ptr: usize, len: u32): i32 {
  let id = wasiFunctionId(String.UTF8.decodeUnsafe(ptr, len));
  if (id < 0) return -1;
  let f = new FuncInst(wasiFunctionType(id));
  return hostFunction(f, <u32>id, FuncKind.Wasi).index;
}

/** The VMM's own implementation of import "wasmotion" `name` (today only "features"), or -1. */
export function vmm_func(ptr: usize, len: u32): i32 {
  let id = vmmFuncIdOf(String.UTF8.decodeUnsafe(ptr, len));
  if (id < 0) return -1;
  return hostFunction(new FuncInst(vmmFuncType(<u32>id)), <u32>id, FuncKind.Vmm).index;
}

/** Every wasm feature the VMM runs, as module/features.ts bits. */
export function features_supported(): u32 { return SUPPORTED_FEATURES; }

/** The feature bits the guest's feature query returns (its baseline); unsupported bits are dropped. */
export function features_set_visible(mask: u32): void { setVisibleFeatures(mask); }
export function features_visible(): u32 { return visibleFeatureMask(); }

export function global_new(type: u8, mutable: bool, bits: u64): i32 {
  let g = new GlobalInst(type, mutable);
  store<u64>(g.cell, bits);
  return theStore.addGlobal(g).index;
}
export function global_get(addr: u32): u64 { return load<u64>(theStore.globals[addr].cell); }
export function global_set(addr: u32, bits: u64): void { store<u64>(theStore.globals[addr].cell, bits); }
export function global_type(addr: u32): i32 {
  let g = theStore.globals[addr];
  return <i32>g.type | (g.mutable ? 0x100 : 0);
}

export function table_new(elemType: u8, min: u32, max: u32): i32 {
  let t = new TableInst(elemType, max);
  if (tableGrow(t, 0, min) < 0) { fail(Status.LimitExceeded, "table too large", 0); return -1; }
  return theStore.addTable(t).index;
}
export function table_size(addr: u32): u32 { return theStore.tables[addr].size; }
export function table_get(addr: u32, i: u32): u32 {
  let t = theStore.tables[addr];
  return i < t.size ? load<u32>(t.elements + (<usize>i << 2)) : 0;
}

export function memory_new(min: u32, max: u32, hasMax: bool): i32 {
  let m = createMemory(min, max, hasMax);
  if (!m) { fail(Status.LimitExceeded, "memory too large for this host", 0); return -1; }
  return theStore.addMemory(m).index;
}
export function memory_base(addr: u32): usize { return theStore.memories[addr].base; }
export function memory_pages(addr: u32): u32 { return theStore.memories[addr].pages; }
export function memory_dirty(addr: u32): usize { return theStore.memories[addr].dirty; }
export function memory_grow(addr: u32, delta: u32): i32 { return growMemory(theStore.memories[addr], delta); }
/** The value writes store into dirty maps from now on (non-zero; see runtime/memory.ts). */
export function dirty_mark_set(mark: u32): void { setDirtyMark(<u8>mark); }

// ---- instances ----

/** Instantiates module `id` with imports as (kind, address) u32 pairs at ptr. Returns the instance id or -1. */
export function instance_new(id: u32, ptr: usize, count: u32): i32 {
  clearError();
  if (id >= <u32>theStore.modules.length) { fail(Status.BadArgument, "unknown module", 0); return -1; }
  let imports = new StaticArray<u32>(count * 2);
  for (let i: u32 = 0; i < count * 2; i++) imports[i] = load<u32>(ptr + (<usize>i << 2));
  let inst = instantiate(theStore.modules[id], imports);
  if (!inst) return -1;
  return inst.index;
}

/** Export `name` of an instance as kind << 32 | address, or -1. */
export function instance_export(inst: u32, ptr: usize, len: u32): i64 {
  let name = String.UTF8.decodeUnsafe(ptr, len);
  let exports = theStore.instances[inst].exports;
  for (let i = 0; i < exports.length; i++) {
    let e = exports[i];
    if (e.name == name) return (<i64>e.kind << 32) | <i64>e.address;
  }
  return -1;
}

/** The start function's address, or -1. */
export function instance_start(inst: u32): i32 {
  let i = theStore.instances[inst];
  let start = i.module.start;
  return start < 0 ? -1 : <i32>i.funcs[start].index;
}

/** Type of a function: u32 param count, u32 result count, then the type bytes. */
export function func_type(addr: u32): usize {
  let t = theStore.funcs[addr].type;
  reserveScratch(<u32>(t.params.length + t.results.length) + 8);
  store<u32>(scratch, t.params.length);
  store<u32>(scratch, t.results.length, 4);
  for (let i = 0; i < t.params.length; i++) store<u8>(scratch + 8 + i, t.params[i]);
  for (let i = 0; i < t.results.length; i++) store<u8>(scratch + 8 + t.params.length + i, t.results[i]);
  return scratch;
}

export function func_kind(addr: u32): i32 { return theStore.funcs[addr].kind; }
export function func_host_id(addr: u32): u32 { return theStore.funcs[addr].hostId; }
/** A funcref value (FuncInst address) from a function's store address, and back. */
export function func_ref(addr: u32): u32 { return <u32>changetype<usize>(theStore.funcs[addr]); }
export function func_addr(ref: u32): i32 { return ref == 0 ? -1 : <i32>changetype<FuncInst>(<usize>ref).index; }

// ---- checkpoints ----

/**
 * The checkpoint state of instance `inst` and the thread (everything but
 * memory bytes), as u32 length then bytes in a buffer the embedder frees
 * with vmm_free. Returns 0 when the guest cannot be checkpointed now.
 */
export function checkpoint_save(inst: u32): usize {
  clearError();
  if (inst >= <u32>theStore.instances.length) { fail(Status.BadArgument, "unknown instance", 0); return 0; }
  return saveCheckpoint(theStore.instances[inst]);
}

/**
 * Instantiates module `id` as the checkpoint state in [ptr, ptr+len)
 * describes it, without running segments or the start function, and
 * rebuilds the thread. Memory bytes are the embedder's to write afterwards.
 * Returns the instance id or -1.
 */
export function instance_restore(id: u32, importsPtr: usize, count: u32, ptr: usize, len: u32): i32 {
  clearError();
  ensureThread();
  if (thread.active) { fail(Status.BadArgument, "a call is in progress", 0); return -1; }
  if (id >= <u32>theStore.modules.length) { fail(Status.BadArgument, "unknown module", 0); return -1; }
  let imports = new StaticArray<u32>(count * 2);
  for (let i: u32 = 0; i < count * 2; i++) imports[i] = load<u32>(importsPtr + (<usize>i << 2));
  let inst = restoreCheckpoint(theStore.modules[id], imports, ptr, len);
  return inst ? <i32>inst.index : -1;
}

/**
 * The first half of a restore, for live migration: instantiates module `id`
 * without running segments or the start function, so that memory can be
 * filled while the guest still runs elsewhere. Returns the instance id or -1.
 *
 * Every function of the guest is compiled now. Functions are otherwise
 * compiled on their first call, and instance_load compiles those on the
 * checkpoint's call stack: about a millisecond of a switchover's pause for a
 * small C program, more for larger ones, then more stalls as the guest
 * first calls the rest here.
 */
export function instance_prepare(id: u32, importsPtr: usize, count: u32): i32 {
  clearError();
  // The value stack is allocated now, not in instance_load, which runs during a switchover.
  ensureThread();
  if (id >= <u32>theStore.modules.length) { fail(Status.BadArgument, "unknown module", 0); return -1; }
  let imports = new StaticArray<u32>(count * 2);
  for (let i: u32 = 0; i < count * 2; i++) imports[i] = load<u32>(importsPtr + (<usize>i << 2));
  let inst = instantiate(theStore.modules[id], imports, false);
  if (!inst) return -1;
  for (let i = 0; i < inst.funcs.length; i++) {
    let f = inst.funcs[i];
    if (f.kind == FuncKind.Wasm && f.instance === inst) ensureCompiled(f);
  }
  return <i32>inst.index;
}

/** The second half: loads a checkpoint state into a prepared instance. Returns 0, or -1. */
export function instance_load(inst: u32, ptr: usize, len: u32): i32 {
  clearError();
  ensureThread();
  if (thread.active) { fail(Status.BadArgument, "a call is in progress", 0); return -1; }
  if (inst >= <u32>theStore.instances.length) { fail(Status.BadArgument, "unknown instance", 0); return -1; }
  return loadCheckpoint(theStore.instances[inst], ptr, len) ? 0 : -1;
}

/** Whether a call is in progress (1) or the thread is idle (0). */
export function thread_active(): i32 { return thread.active ? 1 : 0; }

// ---- calls ----

function ensureThread(): void {
  if (thread.stackBase != 0) return;
  thread.stackBase = heap.alloc(config.valueStackBytes);
  thread.stackEnd = thread.stackBase + config.valueStackBytes;
  let frameBytes = <usize>(config.maxCallDepth + 1) * FRAME_BYTES;
  thread.frameBase = heap.alloc(frameBytes);
  thread.frameLimit = thread.frameBase + frameBytes - FRAME_BYTES;
}

/**
 * Prepares a call of function `addr`: the embedder then writes the arguments
 * as 8-byte slots at the returned address and calls run(). Returns 0 while
 * another call is in progress, or for a host function.
 */
export function call_begin(addr: u32): usize {
  clearError();
  ensureThread();
  if (thread.active) { fail(Status.BadArgument, "a call is already in progress", 0); return 0; }
  if (addr >= <u32>theStore.funcs.length) { fail(Status.BadArgument, "unknown function", 0); return 0; }
  let f = theStore.funcs[addr];
  if (f.kind != FuncKind.Wasm) { fail(Status.BadArgument, "not a guest function", 0); return 0; }
  ensureCompiled(f);
  let fp = thread.stackBase;
  if (fp + f.frameBytes > thread.stackEnd) { fail(Status.LimitExceeded, "frame larger than the value stack", 0); return 0; }
  memory.fill(fp + f.paramBytes, 0, f.localBytes - f.paramBytes);
  // The entry frame: returning through it finishes the call.
  let frames = thread.frameBase;
  store<usize>(frames, 0);
  store<usize>(frames, fp, 4);
  store<usize>(frames, changetype<usize>(f), 8);
  thread.frames = frames + FRAME_BYTES;
  thread.fp = fp;
  thread.ip = f.code;
  thread.func = f;
  thread.active = true;
  thread.hostFunc = null;
  return fp;
}

/** Runs the call in progress for at most `fuel` steps. Returns a RunStatus. */
export function run(fuel: i64): i32 { return interpret(fuel); }

/** Abandons the call in progress (after a host function failed, or on cancel). */
export function call_abort(): void { thread.active = false; thread.hostFunc = null; }

export function results_ptr(): usize { return thread.stackBase; }
export function host_call_id(): u32 { return thread.hostFunc ? thread.hostFunc!.hostId : 0; }
export function host_call_func(): i32 { return thread.hostFunc ? <i32>thread.hostFunc!.index : -1; }
/** Where the pending host call's arguments are, and where its results go. */
export function host_call_args(): usize { return thread.hostArgs; }
export function exit_code(): i32 { return thread.exitCode; }
export function fuel_used(): u64 { return thread.fuelUsed; }
