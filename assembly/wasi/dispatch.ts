import { MemInst } from "../runtime/store";
import { FuncType } from "../module/types";

/** Outcome of a WASI call made by the guest. */
export namespace WasiResult {
  export const Done: i32 = 0; // results written; continue
  export const Blocked: i32 = 1; // waits for input; the call is made again on the next slice
  export const Exit: i32 = 2; // proc_exit: the guest is finished
}

/**
 * Runs WASI call `id` with its arguments in 8-byte slots at `args`; writes
 * the errno result to the first slot.
 */
export function wasiCall(id: u32, args: usize, mem: MemInst | null): i32 {
  store<i32>(args, 52); // ENOSYS
  return WasiResult.Done;
}

/** The WASI call id for an import name, or -1. */
export function wasiFunctionId(name: string): i32 {
  return -1;
}

/** The signature of WASI call `id`. */
export function wasiFunctionType(id: i32): FuncType {
  return new FuncType(new StaticArray<u8>(0), new StaticArray<u8>(0));
}
