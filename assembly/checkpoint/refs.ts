import { ValType } from "../module/types";
import { ModuleInst } from "../runtime/store";

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

  /** Whether a slot's bits of type `t` can be written down: not a function of another instance. */
  canEncode(t: u8, bits: u64): bool {
    return t != ValType.FuncRef || bits == 0 || this.indexOf.has(<usize>(bits & 0xffffffff));
  }

  /** The checkpoint form of a slot's bits of type `t` (check canEncode first). */
  encode(t: u8, bits: u64): u64 {
    if (t != ValType.FuncRef || bits == 0) return bits;
    return <u64>this.indexOf.get(<usize>(bits & 0xffffffff)) + 1;
  }

  /** Whether a checkpoint value of type `t` names something: a funcref must name a function. */
  canDecode(t: u8, value: u64): bool {
    return t != ValType.FuncRef || value <= <u64>this.inst.funcs.length;
  }

  /** The slot bits for a checkpoint value of type `t` (check canDecode first). */
  decode(t: u8, value: u64): u64 {
    if (t != ValType.FuncRef || value == 0) return value;
    return <u64>changetype<usize>(this.inst.funcs[<i32>value - 1]);
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

