/**
 * EVC for wasm: named baselines over wasm features and host capabilities,
 * and the pure rules a cluster manager applies with them (docs/evc.md).
 */
export { FEATURE_BITS, WASM_FEATURES, VMM_FEATURES, isWasmFeature, featureMask, featureNames, type WasmFeature } from './features.js';
export { CAPABILITIES, capabilitiesUsed, type Capability } from './capabilities.js';
export {
  WASM1, WASM2, MAX, BASELINES, baselineNamed, offerNamed, intersect, effectiveBaseline, includes, missingFrom, describeMissing,
  presentable, parseBaseline, type Baseline, type FeatureSet, type Missing,
} from './baseline.js';
export { canPresent, fits, type HostOffer, type Uses, type GuestUses } from './fit.js';
export { canRaise, canLower, canChange, type RaiseVerdict, type LowerVerdict, type ChangeVerdict } from './change.js';
export type { Verdict, Refusal } from './verdict.js';
