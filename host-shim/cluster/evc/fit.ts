/**
 * Whether a host can present a baseline, and whether a guest fits one: the
 * two checks behind every other EVC rule.
 */
import { describeMissing, isEmpty, missingFrom, type Baseline, type FeatureSet, type Missing } from './baseline.js';
import type { Verdict } from './verdict.js';

/** What a host offers, as GET /v1/host reports it (`name`, `features`, `capabilities`). */
export interface HostOffer extends FeatureSet {
  name: string;
}

/** What a guest uses, decoded from its module: GET /v1/guests/ID reports it as `uses`. */
export type Uses = FeatureSet;

/** A running guest as the rules need it: its id and what it uses. */
export interface GuestUses {
  id: string;
  uses: Uses;
}

/** A host can present a baseline when it offers every feature and capability in it. */
export function canPresent(host: HostOffer, baseline: Baseline): Verdict<{ missing: Missing }> {
  const missing = missingFrom(host, baseline);
  if (isEmpty(missing)) return { ok: true };
  return { ok: false, reason: `host ${host.name} cannot present ${baseline.name}: it lacks ${describeMissing(missing)}`, missing };
}

/**
 * A guest fits a baseline (or a host's offer) when it uses nothing outside
 * it. `id` names the guest in the reason.
 */
export function fits(uses: Uses, baseline: Baseline, id?: string): Verdict<{ missing: Missing }> {
  const missing = missingFrom(baseline, uses);
  if (isEmpty(missing)) return { ok: true };
  const who = id !== undefined ? `guest ${id}` : 'the guest';
  return { ok: false, reason: `${who} uses ${describeMissing(missing)}, outside ${baseline.name}`, missing };
}
