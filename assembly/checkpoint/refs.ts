import { ValType } from "../module/types";
import { FuncInst, ModuleInst } from "../runtime/store";

/**
 * References in checkpoints are wasm-level: a funcref is the function's index
 * in the guest module's function index space plus one (0 is null), never a
 * VMM address; an externref is the embedder's handle, kept as it is.
 */
export class RefCodec {
  private indexOf: Map<usize, u32> = new Map();

  constructor(public inst: ModuleInst) {
    for (let i = 0; i < inst.funcs.length; i++) this.indexOf.set(changetype<usize>(inst.funcs[i]), <u32>i);
  }

  /** The checkpoint form of a slot's bits of type `t`, or -1 for a reference outside the guest. */
  encode(t: u8, bits: u64): i64 {
    if (t != ValType.FuncRef || bits == 0) return <i64>bits;
    let addr = <usize>(bits & 0xffffffff);
    if (!this.indexOf.has(addr)) return -1;
    return <i64>this.indexOf.get(addr) + 1;
  }

  /** The slot bits for a checkpoint value of type `t`, or -1 when it names no function. */
  decode(t: u8, value: u64): i64 {
    if (t != ValType.FuncRef || value == 0) return <i64>value;
    if (value > <u64>this.inst.funcs.length) return -1;
    return <i64>changetype<usize>(this.inst.funcs[<i32>value - 1]);
  }
}

/** Whether `t` is a value type a checkpoint may hold (no v128). */
export function storableType(t: u32): bool {
  return t == ValType.I32 || t == ValType.I64 || t == ValType.F32 || t == ValType.F64 ||
    t == ValType.FuncRef || t == ValType.ExternRef;
}

/** Only the bits a value of type `t` owns: i32 and f32 live in the low half of a slot. */
export function ownedBits(t: u8, bits: u64): u64 {
  return t == ValType.I64 || t == ValType.F64 ? bits : bits & 0xffffffff;
}

export { FuncInst };
