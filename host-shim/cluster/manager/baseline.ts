/**
 * The cluster's EVC baseline (docs/evc.md), as the manager enforces it: a
 * host enrolls only if it can present it, a guest is admitted only if its
 * module fits it (narrowed by the guest's own baseline), and the baseline
 * changes only as the EVC rules allow: raised once every host supports the
 * new one, lowered only while no running guest uses what would go.
 */
import { VmmEngine, type VmmModule } from '../../engine/vmm.js';
import { usesOf } from '../../guest/baseline.js';
import { HttpError } from '../../host/http.js';
import { baselineNamed, BASELINES, canChange, canPresent, effectiveBaseline, fits, type Baseline, type Uses } from '../evc/index.js';
import type { Enrollment } from '../../client/cluster-types.js';
import type { Inventory } from './inventory.js';

export function namedBaseline(name: string): Baseline {
  const baseline = baselineNamed(name);
  if (!baseline) throw new HttpError(400, 'WASMOTION_ERR_USAGE', `no baseline named ${JSON.stringify(name)} (known: ${BASELINES.map((b) => b.name).join(', ')})`);
  return baseline;
}

/** Refuses the enrollment of a host that cannot present the cluster's baseline. */
export function admitHost(enrollment: Enrollment, clusterBaseline: string): void {
  const verdict = canPresent(enrollment, namedBaseline(clusterBaseline));
  if (!verdict.ok) throw new HttpError(409, 'WASMOTION_ERR_ENROLL_REFUSED', `${verdict.reason}, the cluster's baseline`, { missing: verdict.missing });
}

/** Refuses a change of the cluster's baseline that the EVC rules do not allow. */
export function checkBaselineChange(current: string, next: string, inventory: Inventory): void {
  const verdict = canChange(namedBaseline(current), namedBaseline(next), inventory.offers(), inventory.uses());
  if (!verdict.ok) throw new HttpError(409, 'WASMOTION_ERR_BASELINE_CHANGE', verdict.reason, { hosts: verdict.hosts, guests: verdict.guests });
}

/** What the modules uploaded to the manager use, decoded once per module. */
export class ModuleUses {
  private readonly engine = new VmmEngine();
  private readonly known = new Map<string, Uses>();

  of(digest: string, bytes: Uint8Array): Uses {
    let uses = this.known.get(digest);
    if (!uses) {
      uses = usesOf(this.engine.compile(bytes) as VmmModule);
      this.known.set(digest, uses);
    }
    return uses;
  }

  /**
   * The baseline a new guest runs under: the cluster's, narrowed by the
   * guest's own. Refuses a module that uses anything outside it.
   */
  admit(digest: string, bytes: Uint8Array, clusterBaseline: string, guestBaseline: string | undefined): Baseline {
    const baseline = effectiveBaseline(namedBaseline(clusterBaseline), guestBaseline === undefined ? undefined : namedBaseline(guestBaseline));
    const verdict = fits(this.of(digest, bytes), baseline);
    if (!verdict.ok) throw new HttpError(409, 'WASMOTION_ERR_FEATURES_MISSING', verdict.reason, { missing: verdict.missing });
    return baseline;
  }
}
