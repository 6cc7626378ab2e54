/**
 * Wasm proposals, as bits of a FeatureSet. The decoder records which ones a
 * module uses; the cluster's baseline (EVC) masks which ones a host offers.
 * The bit numbers are part of the checkpoint and control API: never reuse one.
 */
export namespace Feature {
  export const SignExt: u32 = 1 << 0;
  export const SatFloatToInt: u32 = 1 << 1;
  export const MultiValue: u32 = 1 << 2;
  export const BulkMemory: u32 = 1 << 3;
  export const ReferenceTypes: u32 = 1 << 4;
  export const Simd128: u32 = 1 << 5;
  export const MutableGlobals: u32 = 1 << 6; // import/export of mutable globals
}

/** Everything the VMM executes today: Wasm 2.0 without SIMD. */
export const SUPPORTED_FEATURES: u32 =
  Feature.SignExt | Feature.SatFloatToInt | Feature.MultiValue | Feature.BulkMemory |
  Feature.ReferenceTypes | Feature.MutableGlobals;
