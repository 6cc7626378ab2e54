/**
 * A guest under its baseline (docs/evc.md): the VMM must be able to present
 * the baseline, the module may use nothing outside it, and the guest's
 * feature query then returns exactly the baseline's features.
 */
import { WasmotionError } from '../errors.js';
import type { VmmEngine, VmmModule } from '../engine/vmm.js';
import {
  CAPABILITIES, capabilitiesUsed, describeMissing, featureMask, featureNames, fits, includes, missingFrom, type Baseline, type Uses,
} from '../cluster/evc/index.js';

/** What a compiled module uses: the features the decoder saw, the capabilities its imports need. */
export function usesOf(module: VmmModule): Uses {
  const d = module.description;
  return { features: featureNames(d.features), capabilities: capabilitiesUsed(d.imports.map((i) => i.module)) };
}

/**
 * Puts the guest of `engine` under `baseline`: refuses a baseline this VMM
 * cannot present (WASMOTION_ERR_BASELINE_UNSUPPORTED) and a module that uses
 * something outside it (WASMOTION_ERR_FEATURES_MISSING), then sets the mask
 * its feature query returns. Returns what the module uses.
 */
export function applyBaseline(engine: VmmEngine, module: VmmModule, baseline: Baseline): Uses {
  const vmm = { features: featureNames(engine.supportedFeatures()), capabilities: CAPABILITIES };
  if (!includes(vmm, baseline)) {
    const lacks = describeMissing(missingFrom(vmm, baseline));
    throw new WasmotionError('WASMOTION_ERR_BASELINE_UNSUPPORTED', `this VMM cannot present ${baseline.name}: it lacks ${lacks}`);
  }
  const uses = usesOf(module);
  const fit = fits(uses, baseline);
  if (!fit.ok) throw new WasmotionError('WASMOTION_ERR_FEATURES_MISSING', fit.reason);
  engine.setVisibleFeatures(featureMask(baseline.features));
  return uses;
}
