/**
 * The feature query: the import ("wasmotion" "features") of type [] -> [i64],
 * which the VMM implements itself (FuncKind.Vmm), so that a call to it is one
 * step of the guest like any instruction and never stands in a checkpoint.
 * It returns the feature bits of module/features.ts that the guest may see:
 * its baseline, which the embedder sets before the guest runs. A guest that
 * picks code paths at run time sees only its baseline, as an x86 guest sees
 * only the CPUID bits its EVC mode leaves.
 *
 * The mask is not part of a checkpoint: the guest's baseline travels in the
 * snapshot META and the migration handshake, where hosts check it before
 * anything moves, and the embedder sets the mask from it again on restore.
 */
import { FuncType, ValType } from "../module/types";
import { SUPPORTED_FEATURES } from "../module/features";

/** Ids of the functions the VMM implements outside WASI, imported from module "wasmotion". */
export namespace VmmFuncId {
  export const features: u32 = 0;
}

/** What the guest sees; every feature the VMM runs until the embedder says otherwise. */
let visibleFeatures: u32 = SUPPORTED_FEATURES;

/** Sets the mask the guest sees; bits of features the VMM does not run are dropped. */
export function setVisibleFeatures(mask: u32): void {
  visibleFeatures = mask & SUPPORTED_FEATURES;
}

export function visibleFeatureMask(): u32 {
  return visibleFeatures;
}

/** The id of VMM function `name` of the "wasmotion" import module, or -1. */
export function vmmFuncIdOf(name: string): i32 {
  return name == "features" ? <i32>VmmFuncId.features : -1;
}

/** The signature of VMM function `id`: the feature query is [] -> [i64]. */
export function vmmFuncType(id: u32): FuncType {
  let results = new StaticArray<u8>(1);
  results[0] = ValType.I64;
  return new FuncType(new StaticArray<u8>(0), results);
}

/**
 * Runs VMM function `id`; its results go to the 8-byte slots at `args` (the
 * callee's frame, as for every call).
 */
// SAFETY: the interpreter hands over a frame with room for the callee's results (at least one slot).
export function vmmCall(id: u32, args: usize): void {
  if (id == VmmFuncId.features) store<u64>(args, <u64>visibleFeatures);
}
