/**
 * args_* and environ_*: the argv and environment the embedder set before
 * instantiation (wasi_set_args, wasi_set_env), copied out as C string arrays.
 */
import { MemInst } from "../runtime/store";
import { Errno } from "./errno";
import { fits, fitsArray, putBytes, putU32 } from "./guest";
import { StringList } from "./strings";
import { wasi } from "./state";

function sizesGet(m: MemInst, list: StringList, countPtr: u32, sizePtr: u32): i32 {
  if (!fits(m, countPtr, 4) || !fits(m, sizePtr, 4)) return Errno.Fault;
  putU32(m, countPtr, list.count);
  putU32(m, sizePtr, list.byteSize);
  return Errno.Success;
}

/** Writes the strings to `bufPtr` and a pointer to each into the array at `arrayPtr`. */
function listGet(m: MemInst, list: StringList, arrayPtr: u32, bufPtr: u32): i32 {
  if (!fitsArray(m, arrayPtr, list.count, 4) || !fits(m, bufPtr, list.byteSize)) return Errno.Fault;
  let bytes = list.bytes;
  putBytes(m, bufPtr, changetype<usize>(bytes), list.byteSize);
  // Every string starts at offset 0 or right after a NUL.
  let slot = arrayPtr;
  let begin: u32 = 0;
  for (let i: u32 = 0; i < list.byteSize; i++) {
    if (bytes[i] != 0) continue;
    putU32(m, slot, bufPtr + begin);
    slot += 4;
    begin = i + 1;
  }
  return Errno.Success;
}

export function args_sizes_get(m: MemInst, countPtr: u32, sizePtr: u32): i32 { return sizesGet(m, wasi.args, countPtr, sizePtr); }
export function args_get(m: MemInst, argvPtr: u32, bufPtr: u32): i32 { return listGet(m, wasi.args, argvPtr, bufPtr); }
export function environ_sizes_get(m: MemInst, countPtr: u32, sizePtr: u32): i32 { return sizesGet(m, wasi.env, countPtr, sizePtr); }
export function environ_get(m: MemInst, envPtr: u32, bufPtr: u32): i32 { return listGet(m, wasi.env, envPtr, bufPtr); }
