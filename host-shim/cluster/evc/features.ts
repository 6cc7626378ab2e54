/**
 * Wasm features by name, each with its bit in assembly/module/features.ts.
 * The bits are what the guest's feature query returns and what the decoder
 * records; they are stable and never reused.
 */
export const FEATURE_BITS = {
  'sign-ext': 1 << 0,
  'sat-float-to-int': 1 << 1,
  'multi-value': 1 << 2,
  'bulk-memory': 1 << 3,
  'reference-types': 1 << 4,
  simd128: 1 << 5,
  /** Import and export of mutable globals (part of Wasm 1.0). */
  'mutable-globals': 1 << 6,
} as const;

export type WasmFeature = keyof typeof FEATURE_BITS;

/** Every feature name, in bit order. */
export const WASM_FEATURES = Object.keys(FEATURE_BITS) as WasmFeature[];

/**
 * What the VMM runs: Wasm 2.0 without simd128. Mirrors SUPPORTED_FEATURES
 * (assembly/module/features.ts); a test holds the two equal.
 */
export const VMM_FEATURES: readonly WasmFeature[] = WASM_FEATURES.filter((f) => f !== 'simd128');

export function isWasmFeature(name: string): name is WasmFeature {
  return Object.hasOwn(FEATURE_BITS, name);
}

/** The bits of `features`; a name this VMM does not know has no bit and adds nothing. */
export function featureMask(features: readonly string[]): number {
  let mask = 0;
  for (const f of features) if (isWasmFeature(f)) mask |= FEATURE_BITS[f];
  return mask >>> 0;
}

/** The names of the bits set in `mask`, in bit order; bits without a name are left out. */
export function featureNames(mask: number): WasmFeature[] {
  return WASM_FEATURES.filter((f) => (mask & FEATURE_BITS[f]) !== 0);
}
