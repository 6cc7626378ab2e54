import { ByteReader, ByteWriter } from "../checkpoint/bytes";
import { RefCodec, ownedBits, storableType } from "../checkpoint/refs";
import { ensureCompiled } from "../compile/compiler";
import { Module } from "../module/types";
import { config } from "../runtime/config";
import { FuncInst, FuncKind, ModuleInst } from "../runtime/store";
import { operandTypesAt } from "../validate/index";
import { FRAME_BYTES, thread } from "./thread";
import { PREPARE } from "../compile/compiler";
import { SlotKind } from "../compile/stacks";
import { run } from "./interp";

/**
 * Save and restore of the thread: every frame in wasm terms.
 *
 *   u8  active            1 while a call is in progress
 *   u64 fuel used
 *   i32 exit code
 *   u32 frame count       (only when active), frames bottom first:
 *     u32 function index  in the guest module's function index space
 *     u32 wasm offset     top frame: next instruction to run;
 *                         other frames: their suspended call instruction
 *     u32 local count,   then (u8 type, u64 value) per local
 *     u32 operand count, then (u8 type, u64 value) per operand; for a
 *                         suspended call, without the call's arguments
 *                         (they are the callee's first locals)
 *
 * Operand types are those the validator derives at the offset, so a restore
 * checks every value's type against the code it resumes.
 */

class Frame {
  constructor(public func: FuncInst, public ip: usize, public fp: usize) {}
}

/** Frames bottom first, rebuilt from the frame records and the thread's registers. */
function liveFrames(): Array<Frame> {
  let frames = new Array<Frame>();
  let t = thread;
  frames.push(new Frame(t.func!, t.ip, t.fp));
  let rec = t.frames - FRAME_BYTES;
  while (rec > t.frameBase) {
    // SAFETY: records between frameBase and frames were written by calls.
    frames.unshift(new Frame(changetype<FuncInst>(load<usize>(rec, 8)), load<usize>(rec), load<usize>(rec, 4)));
    rec -= FRAME_BYTES;
  }
  return frames;
}

/** The map entry's wasm offset for the instruction at ip (PREPARE-marked for operand copies), or -1. */
function mapEntryAt(f: FuncInst, ip: usize): i64 {
  let map = f.offsetMap!;
  let pos = <u32>(ip - f.code);
  for (let i = 0; i < map.length; i += 2) if (map[i] == pos) return map[i + 1];
  return -1;
}

/**
 * A slice may stop between the operand copies that prepare one wasm
 * instruction: no wasm boundary lies there. Runs the remaining copies (they
 * cannot trap or call) so the thread stands before the instruction itself.
 */
export function settleThread(): void {
  let t = thread;
  if (!t.active || t.hostFunc) return;
  for (let guard = 0; guard < 1 << 20; guard++) {
    let f = t.func!;
    if (f.offsetMap == null) return;
    let entry = mapEntryAt(f, t.ip);
    if (entry < 0 || (<u32>entry & PREPARE) == 0) return;
    run(1);
  }
}

function callOffsetOf(f: FuncInst, ip: usize): i64 {
  let sites = f.callSites!;
  let pos = <u32>(ip - f.code);
  for (let i = 0; i < sites.length; i += 2) if (sites[i + 1] == pos) return sites[i];
  return -1;
}

/**
 * Operands a suspended call consumed beyond its callee's parameters: the
 * table index of a call_indirect.
 */
function calleeExtras(m: Module, callOffset: u32): i32 {
  // SAFETY: callOffset is a call instruction inside the module's bytes (from the call sites).
  return load<u8>(m.bytes + callOffset) == 0x11 ? 1 : 0;
}

function localTypes(m: Module, f: FuncInst): StaticArray<u8> {
  let params = f.type.params;
  let locals = m.codes[f.funcIndex - m.importedFuncs].locals;
  let all = new StaticArray<u8>(params.length + locals.length);
  for (let i = 0; i < params.length; i++) all[i] = params[i];
  for (let i = 0; i < locals.length; i++) all[params.length + i] = locals[i];
  return all;
}

/**
 * Where each operand's value is: its slot, or, for an operand the compiled
 * code reads straight from a local or a constant, that local or constant.
 */
function operandBits(f: FuncInst, ip: usize, fp: usize, stackAt: usize, index: u32): u64 {
  let p = f.pendingOperands!;
  let pos = <u32>(ip - f.code);
  for (let i = 0; i < p.length; ) {
    let count = p[i + 1];
    if (p[i] == pos) {
      for (let k: u32 = 0; k < count; k++) {
        let e = i + 2 + <i32>(k << 2);
        if (p[e] != index) continue;
        let value = <u64>p[e + 2] | (<u64>p[e + 3] << 32);
        // SAFETY: a Local entry holds the slot offset of a local of this frame.
        return p[e + 1] == SlotKind.Local ? load<u64>(fp + <usize>value) : value;
      }
      break;
    }
    i += 2 + <i32>(count << 2);
  }
  // SAFETY: stackAt is this frame's operand area on the value stack.
  return load<u64>(stackAt + (<usize>index << 3));
}

function writeValue(w: ByteWriter, refs: RefCodec, t: u8, raw: u64): string | null {
  let bits = ownedBits(t, raw);
  if (!refs.canEncode(t, bits)) return "a function reference of another instance is on the stack";
  w.u8(t);
  w.u64(refs.encode(t, bits));
  return null;
}

function writeLocals(w: ByteWriter, refs: RefCodec, types: StaticArray<u8>, fp: usize): string | null {
  w.u32(<u32>types.length);
  for (let i = 0; i < types.length; i++) {
    // SAFETY: a frame's locals are its first slots on the value stack.
    let err = writeValue(w, refs, types[i], load<u64>(fp + (<usize>i << 3)));
    if (err) return err;
  }
  return null;
}

function writeOperands(w: ByteWriter, refs: RefCodec, types: StaticArray<u8>, count: i32, fr: Frame, stackAt: usize): string | null {
  w.u32(<u32>count);
  for (let i = 0; i < count; i++) {
    let err = writeValue(w, refs, types[i], operandBits(fr.func, fr.ip, fr.fp, stackAt, <u32>i));
    if (err) return err;
  }
  return null;
}

/** Writes the thread. Returns an error message, or null. */
export function saveThread(w: ByteWriter, inst: ModuleInst): string | null {
  let t = thread;
  if (t.hostFunc) return "the guest is inside a host call";
  settleThread();
  w.u8(t.active ? 1 : 0);
  w.u64(t.fuelUsed);
  w.u32(<u32>t.exitCode);
  if (!t.active) return null;
  let frames = liveFrames();
  let m = inst.module;
  let refs = new RefCodec(inst);
  w.u32(<u32>frames.length);
  for (let i = 0; i < frames.length; i++) {
    let fr = frames[i];
    if (fr.func.instance !== inst) return "a frame belongs to another instance";
    let top = i == frames.length - 1;
    let offset = top ? mapEntryAt(fr.func, fr.ip) : callOffsetOf(fr.func, fr.ip);
    if (offset >= 0 && (<u32>offset & PREPARE) != 0) return "the thread stopped between operand copies";
    if (offset < 0) return "a frame is not at an instruction boundary";
    let operands = operandTypesAt(m, fr.func.funcIndex, <u32>offset);
    if (!operands) return "no operand types at a frame's offset";
    let count = operands.length;
    if (!top) count -= frames[i + 1].func.type.params.length + calleeExtras(m, <u32>offset);
    w.u32(fr.func.funcIndex);
    w.u32(<u32>offset);
    let locals = localTypes(m, fr.func);
    let err = writeLocals(w, refs, locals, fr.fp);
    if (err) return err + " (a local of function " + fr.func.funcIndex.toString() + ", frame " + i.toString() + " of " + frames.length.toString() + ")";
    err = writeOperands(w, refs, operands, count, fr, fr.fp + (<usize>locals.length << 3));
    if (err) return err + " (function " + fr.func.funcIndex.toString() + " at offset " + offset.toString() + ")";
  }
  return null;
}

/**
 * Reads typed values into slots at `at`: exactly `count` of them, or with
 * count < 0 at most `types.length` (a suspended call's operands); returns how
 * many were read, or -1 with the error in `restoreError`.
 */
function readValues(r: ByteReader, refs: RefCodec, types: StaticArray<u8>, count: i32, at: usize, stackEnd: usize): i32 {
  let n = r.count(9);
  if (r.failed) return fail(r.error);
  if (count >= 0 ? <i32>n != count : <i32>n > types.length) return fail("a frame's value count does not match its code");
  if (at + (<usize>n << 3) > stackEnd) return fail("the frames do not fit the value stack");
  for (let i: u32 = 0; i < n; i++) {
    let t = <u8>r.u8();
    let v = r.u64();
    if (r.failed) return fail(r.error);
    if (!storableType(t) || t != types[i]) return fail("a value's type does not match its code");
    if (!refs.canDecode(t, v)) return fail("a function reference names no function");
    // SAFETY: at + n slots <= stackEnd, checked above.
    store<u64>(at + (<usize>i << 3), refs.decode(t, v));
  }
  return <i32>n;
}

let restoreError: string = "";

function fail(message: string): i32 {
  restoreError = message;
  return -1;
}

function firstOpAt(f: FuncInst, offset: u32): i64 {
  let map = f.offsetMap!;
  for (let i = 0; i < map.length; i += 2) if (map[i + 1] == offset) return map[i];
  return -1;
}

function returnPointOf(f: FuncInst, callOffset: u32): i64 {
  let sites = f.callSites!;
  for (let i = 0; i < sites.length; i += 2) if (sites[i] == callOffset) return sites[i + 1];
  return -1;
}

/**
 * Rebuilds the thread from a checkpoint, into an instance restored a moment
 * ago. Returns an error message, or null; on an error the thread is idle.
 */
export function restoreThread(r: ByteReader, inst: ModuleInst): string | null {
  let t = thread;
  t.active = false;
  t.hostFunc = null;
  let active = r.u8();
  t.fuelUsed = r.u64();
  t.exitCode = <i32>r.u32();
  if (r.failed) return r.error;
  if (active == 0) return null;
  let count = r.count(12);
  if (r.failed) return r.error;
  if (count == 0 || count > config.maxCallDepth) return "bad frame count";
  let m = inst.module;
  let refs = new RefCodec(inst);
  let fp = t.stackBase;
  let rec = t.frameBase; // the entry record; callers' records follow it
  let pendingArgs: i32 = -1; // arguments the previous frame's suspended call passes
  for (let i: u32 = 0; i < count; i++) {
    let index = r.u32();
    let offset = r.u32();
    if (r.failed) return r.error;
    if (index < m.importedFuncs || index >= <u32>inst.funcs.length) return "a frame names no function of the guest";
    let f = inst.funcs[index];
    if (f.kind != FuncKind.Wasm || f.instance !== inst) return "a frame names no function of the guest";
    if (pendingArgs >= 0 && pendingArgs != f.type.params.length) return "a suspended call's arguments do not match its callee";
    ensureCompiled(f);
    if (fp + f.frameBytes > t.stackEnd) return "the frames do not fit the value stack";
    let operands = operandTypesAt(m, index, offset);
    if (!operands) return "a frame's offset is not an instruction of its function";
    let top = i == count - 1;
    let resumeAt = top ? firstOpAt(f, offset) : returnPointOf(f, offset);
    if (resumeAt < 0) return "a frame's offset is not a resume point of this VMM";
    let locals = localTypes(m, f);
    if (readValues(r, refs, locals, locals.length, fp, t.stackEnd) < 0) return restoreError;
    let stackAt = fp + (<usize>locals.length << 3);
    let n = readValues(r, refs, operands, top ? operands.length : -1, stackAt, t.stackEnd);
    if (n < 0) return restoreError;
    if (i == 0) {
      // SAFETY: the frame stack holds maxCallDepth + 1 records; count <= maxCallDepth.
      store<usize>(rec, 0);
      store<usize>(rec, fp, 4);
      store<usize>(rec, changetype<usize>(f), 8);
    }
    if (top) {
      t.ip = f.code + <usize>resumeAt;
      t.fp = fp;
      t.func = f;
    } else {
      // The caller's record: where it resumes, its fp, itself.
      rec += FRAME_BYTES;
      store<usize>(rec, f.code + <usize>resumeAt);
      store<usize>(rec, fp, 4);
      store<usize>(rec, changetype<usize>(f), 8);
      pendingArgs = operands.length - n - calleeExtras(m, offset);
      fp = stackAt + (<usize>n << 3);
    }
  }
  t.frames = rec + FRAME_BYTES;
  t.active = true;
  return null;
}
