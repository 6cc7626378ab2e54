// The CPU scheduler's parts without threads: how the capacity is divided
// into duty cycles, how a worker's pacer holds a guest to its share on a
// simulated clock, and how usage is measured from worker reports.
import { describe, expect, test } from 'vitest';
import { dutyCycles, type CpuClaim } from '../../host-shim/host/cpu-scheduler.js';
import { MAX_CREDIT_MS, Pacer } from '../../host-shim/host/pacer.js';
import { UsageMeter } from '../../host-shim/host/usage-meter.js';

const busy = (fields: Partial<CpuClaim> = {}): CpuClaim => ({ reservation: 0, limit: null, shares: 1000, demand: Infinity, ...fields });

function close(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a, `guest ${i}: ${actual.join(', ')}`).toBeCloseTo(expected[i], 9));
}

describe('duty cycles', () => {
  test('busy guests split a short capacity by shares', () => {
    close(dutyCycles(0.6, [busy({ shares: 2000 }), busy()]), [0.4, 0.2]);
    close(dutyCycles(0.9, [busy(), busy(), busy()]), [0.3, 0.3, 0.3]);
  });

  test('a reservation is given first, the rest by shares', () => {
    // Without its reservation the first would get 0.6 * 1/5 = 0.12.
    close(dutyCycles(0.6, [busy({ reservation: 0.4 }), busy({ shares: 4000 })]), [0.44, 0.16]);
  });

  test('a limit caps a guest and what it leaves goes to the others', () => {
    close(dutyCycles(1, [busy({ limit: 0.1 }), busy(), busy()]), [0.1, 0.45, 0.45]);
  });

  test('a guest is one thread: never more than one core', () => {
    close(dutyCycles(4, [busy()]), [1]);
    close(dutyCycles(1.5, [busy(), busy({ limit: 0.2 })]), [1, 0.2]);
  });

  test('an idle guest keeps neither its share nor its reservation from a busy one', () => {
    close(dutyCycles(0.5, [busy({ demand: 0, reservation: 0.3 }), busy()]), [0.05, 0.45]);
    // It asks for more once it runs again: its pacing shows it (demand Infinity).
    close(dutyCycles(0.5, [busy({ reservation: 0.3 }), busy()]), [0.4, 0.1]);
  });

  test('a guest using little gets what it uses with headroom; the others share the rest', () => {
    close(dutyCycles(1, [busy({ demand: 0.1 }), busy(), busy()]), [0.125, 0.4375, 0.4375]);
  });

  test('on a host with room, every ceiling is the guest\'s cap, whatever it uses', () => {
    close(dutyCycles(2, [busy({ demand: 0.1 }), busy({ demand: 0.2, limit: 0.5 })]), [1, 0.5]);
  });

  test('a guest squeezed out by reservations still runs a little', () => {
    close(dutyCycles(1, [busy({ reservation: 1 }), busy()]), [1, 0.01]);
  });
});

/** Runs a guest in slices on a simulated clock; every sleep ends `late` ms after it should. */
function simulate(pacer: Pacer, clock: { now: number; ran: number }, ms: number, slice: number, late: number): void {
  const end = clock.now + ms;
  while (clock.now < end) {
    clock.now += slice;
    clock.ran += slice;
    const owed = pacer.owed(clock.now, clock.ran);
    if (owed > 0) clock.now += owed + late;
  }
}

describe('pacer', () => {
  test('holds a guest to its duty cycle, paying back late timers', () => {
    const clock = { now: 0, ran: 0 };
    const pacer = new Pacer(0, 0);
    pacer.setDuty(0.3, 0, 0);
    simulate(pacer, clock, 10_000, 2, 1.5);
    expect(clock.ran / clock.now).toBeGreaterThan(0.297);
    expect(clock.ran / clock.now).toBeLessThanOrEqual(0.3 + 1e-3);
  });

  test('a migration throttle slows the guest from its duty cycle, not from a whole core', () => {
    const clock = { now: 0, ran: 0 };
    const pacer = new Pacer(0, 0);
    pacer.setDuty(0.4, 0, 0);
    pacer.setThrottle(0.5, 0, 0);
    expect(pacer.share()).toBeCloseTo(0.2, 9);
    simulate(pacer, clock, 10_000, 2, 0);
    expect(clock.ran / clock.now).toBeCloseTo(0.2, 2);
  });

  test('a guest that was idle cannot bank more than MAX_CREDIT_MS of wall time', () => {
    const share = 0.5;
    const pacer = new Pacer(0, 0);
    pacer.setDuty(share, 0, 0);
    // Ten idle seconds, then it runs flat out: it must sleep again once its credit is spent.
    let now = 10_000;
    let ran = 0;
    while (pacer.owed(now, ran) === 0) {
      now += 1;
      ran += 1;
    }
    // Running r ms without sleeping costs r / share of wall time, of which r passed.
    expect(ran).toBeLessThanOrEqual((MAX_CREDIT_MS * share) / (1 - share) + 1);
    expect(ran).toBeGreaterThan(0);
  });

  test('a sleep owed is carried over a change of duty cycle', () => {
    const pacer = new Pacer(0, 0);
    pacer.setDuty(0.5, 0, 0);
    expect(pacer.owed(10, 10)).toBeCloseTo(10, 9);
    pacer.setDuty(0.25, 10, 10);
    expect(pacer.owed(10, 10)).toBeCloseTo(10, 9);
    // And the new share applies to what it runs next.
    expect(pacer.owed(20, 11)).toBeCloseTo(4, 9);
  });

  test('a whole core means no sleep at all', () => {
    const pacer = new Pacer(0, 0);
    expect(pacer.owed(100, 100)).toBe(0);
  });
});

describe('usage meter', () => {
  test('CPU in cores over the last second; demand from blocking and pacing', () => {
    const meter = new UsageMeter();
    expect(meter.demand()).toBe(Infinity);
    // 0.8 cores for a second, then 0.2 cores for two, blocked the rest: the window sees only the last second.
    for (let t = 0, run = 0; t <= 3000; t += 100, run += t <= 1000 ? 80 : 20) meter.add({ at: t, runMs: run, pacedMs: 0, blockedMs: t - run });
    expect(meter.cpu()).toBeCloseTo(0.2, 9);
    expect(meter.wantsMore()).toBe(false);
    expect(meter.demand()).toBeCloseTo(0.2, 9);
    meter.add({ at: 3100, runMs: 1000, pacedMs: 30, blockedMs: 2100 });
    expect(meter.wantsMore()).toBe(true);
    expect(meter.demand()).toBe(Infinity);
  });

  test('a guest that never blocks wants all it may have, whatever it got', () => {
    const meter = new UsageMeter();
    for (let t = 0; t <= 1000; t += 100) meter.add({ at: t, runMs: t * 0.1, pacedMs: 0, blockedMs: 0 });
    expect(meter.cpu()).toBeCloseTo(0.1, 9);
    expect(meter.demand()).toBe(Infinity);
  });

  test('a report without a new settled moment does not open a new sample', () => {
    const meter = new UsageMeter();
    meter.add({ at: 0, runMs: 0, pacedMs: 0, blockedMs: 0 });
    meter.add({ at: 100, runMs: 50, pacedMs: 0, blockedMs: 0 });
    meter.add({ at: 100, runMs: 50, pacedMs: 40, blockedMs: 0 });
    expect(meter.latest()).toEqual({ at: 100, runMs: 50, pacedMs: 40, blockedMs: 0 });
    expect(meter.cpu()).toBeCloseTo(0.5, 9);
    expect(meter.wantsMore()).toBe(true);
  });
});
