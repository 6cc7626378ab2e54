/**
 * What a host offers guests (its `--features` baseline, docs/evc.md) and the
 * baseline a guest starting here runs under.
 */
import { UsageError } from '../errors.js';
import { BASELINES, MAX, baselineNamed, canPresent, offerNamed, type Baseline } from '../cluster/evc/index.js';
import { HttpError } from './http.js';

/** The offer of a host told to offer `name` (wasm1, wasm2 or max; max when absent). */
export function hostOffer(name: string | undefined): Baseline {
  if (name === undefined) return MAX;
  const offer = offerNamed(name);
  if (!offer) throw new UsageError(`unknown feature set ${JSON.stringify(name)} (known: ${[...BASELINES.map((b) => b.name), MAX.name].join(', ')})`);
  return offer;
}

/**
 * The baseline of a guest starting here: the named one it asks for, which
 * this host must be able to present, else everything this host offers.
 */
export function startBaseline(requested: unknown, host: string, offer: Baseline): Baseline {
  if (requested === undefined) return offer;
  const known = BASELINES.map((b) => b.name).join(', ');
  if (typeof requested !== 'string') throw new HttpError(400, 'WASMOTION_ERR_USAGE', `"baseline" must be the name of a baseline (${known})`);
  const baseline = baselineNamed(requested);
  if (!baseline) throw new HttpError(400, 'WASMOTION_ERR_USAGE', `unknown baseline ${JSON.stringify(requested)} (known: ${known})`);
  const present = canPresent({ name: host, features: offer.features, capabilities: offer.capabilities }, baseline);
  if (!present.ok) throw new HttpError(409, 'WASMOTION_ERR_BASELINE_UNSUPPORTED', present.reason);
  return baseline;
}
