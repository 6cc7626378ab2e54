/**
 * Changing a cluster's baseline. Raising it (adding features) is allowed once
 * every host can present the new one; lowering it (removing features) is
 * refused while a running guest uses something it removes. Either way,
 * running guests keep the baseline they started with until they restart:
 * what a guest was shown never changes under it.
 */
import { describeMissing, includes, missingFrom, type Baseline } from './baseline.js';
import { canPresent, fits, type GuestUses, type HostOffer } from './fit.js';
import type { Refusal, Verdict } from './verdict.js';

/** Which hosts stand in the way of a raise. */
export type RaiseVerdict = Verdict<{ hosts: string[] }>;
/** Which running guests stand in the way of a lower. */
export type LowerVerdict = Verdict<{ guests: string[] }>;
export type ChangeVerdict = Verdict<{ hosts: string[]; guests: string[] }>;

function refusal<D>(reasons: string[], details: D): Refusal<D> {
  return { ok: false, reason: reasons.join('; '), ...details };
}

function hostsBlocking(next: Baseline, hosts: readonly HostOffer[]): { reasons: string[]; hosts: string[] } {
  const blocking = hosts.map((h) => ({ h, v: canPresent(h, next) })).filter((x) => !x.v.ok);
  return { reasons: blocking.map((x) => (x.v as Refusal).reason), hosts: blocking.map((x) => x.h.name) };
}

function guestsBlocking(next: Baseline, guests: readonly GuestUses[]): { reasons: string[]; guests: string[] } {
  const blocking = guests.map((g) => ({ g, v: fits(g.uses, next, g.id) })).filter((x) => !x.v.ok);
  return { reasons: blocking.map((x) => (x.v as Refusal).reason), guests: blocking.map((x) => x.g.id) };
}

/** Raise `current` to `next` (which must include it): every host must present `next`. */
export function canRaise(current: Baseline, next: Baseline, hosts: readonly HostOffer[]): RaiseVerdict {
  if (!includes(next, current)) {
    return refusal([`${current.name} to ${next.name} is not a raise: it removes ${describeMissing(missingFrom(next, current))}`], { hosts: [] });
  }
  const b = hostsBlocking(next, hosts);
  return b.hosts.length ? refusal(b.reasons, { hosts: b.hosts }) : { ok: true };
}

/** Lower `current` to `next` (which it must include): no running guest may use what `next` lacks. */
export function canLower(current: Baseline, next: Baseline, guests: readonly GuestUses[]): LowerVerdict {
  if (!includes(current, next)) {
    return refusal([`${current.name} to ${next.name} is not a lower: it adds ${describeMissing(missingFrom(current, next))}`], { guests: [] });
  }
  const b = guestsBlocking(next, guests);
  return b.guests.length ? refusal(b.reasons, { guests: b.guests }) : { ok: true };
}

/**
 * Any change: a raise, a lower, or a sideways move (adds some, removes
 * others), which must pass both rules.
 */
export function canChange(current: Baseline, next: Baseline, hosts: readonly HostOffer[], guests: readonly GuestUses[]): ChangeVerdict {
  const h = includes(current, next) ? { reasons: [], hosts: [] } : hostsBlocking(next, hosts);
  const g = includes(next, current) ? { reasons: [], guests: [] } : guestsBlocking(next, guests);
  if (h.hosts.length === 0 && g.guests.length === 0) return { ok: true };
  return refusal([...h.reasons, ...g.reasons], { hosts: h.hosts, guests: g.guests });
}
