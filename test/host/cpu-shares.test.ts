// CPU-bound guests competing on one host, measured by the run time their
// workers account (wall time inside the VMM). The host's capacity is well
// below the machine's cores, so the host's scheduler, not the operating
// system's, decides the split; what is checked is ratios and bounds, not
// speed. Steps per second are printed beside them but not held to the same
// tolerance: on a loaded machine the operating system preempts one thread
// more than another, which slows its steps without changing its run time.
import { describe, expect, test } from 'vitest';
import type { HostAgent } from '../../host-shim/host/agent.js';
import { host, sleep, start } from './agents.js';
import { BUSY, SLEEPER } from './policy-guests.js';

/** Time for the scheduler to settle after the guests start, then the measured window. */
const SETTLE_MS = 800;
const WINDOW_MS = 2500;

interface Measured {
  /** Cores used, from accounted run time. */
  cores: number[];
  stepsPerSecond: number[];
}

/** Run time and steps of each guest over WINDOW_MS, each between two of its own worker's reports. */
async function measure(a: HostAgent, ids: string[]): Promise<Measured> {
  const read = () =>
    ids.map((id) => {
      const g = a.guests.get(id)!;
      const sample = g.meter.latest()!;
      return { at: sample.at, runMs: sample.runMs, steps: Number(g.steps) };
    });
  await sleep(SETTLE_MS);
  const before = read();
  await sleep(WINDOW_MS);
  const after = read();
  const span = (i: number) => after[i].at - before[i].at;
  return {
    cores: ids.map((_, i) => (after[i].runMs - before[i].runMs) / span(i)),
    stepsPerSecond: ids.map((_, i) => ((after[i].steps - before[i].steps) * 1000) / span(i)),
  };
}

async function busyGuests(a: HostAgent, policies: object[]): Promise<string[]> {
  const ids = [];
  for (const policy of policies) {
    const r = await start(a, BUSY, { policy });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    ids.push(r.body.id as string);
  }
  return ids;
}

const show = (what: string, m: Measured) =>
  console.log(`${what}: cores ${m.cores.map((c) => c.toFixed(3)).join(' : ')}, steps/s ${m.stepsPerSecond.map((s) => (s / 1e6).toFixed(1) + 'M').join(' : ')}`);

describe('the CPU scheduler, measured', () => {
  test('shares 2000:1000 on a host of 0.6 cores split 2:1 within 5%', async () => {
    const a = await host('shares', { capacity: { cpu: 0.6 } });
    const ids = await busyGuests(a, [{ cpu: { shares: 2000 } }, { cpu: { shares: 1000 } }]);
    const m = await measure(a, ids);
    show('shares 2000:1000', m);
    const ratio = m.cores[0] / m.cores[1];
    console.log(`shares 2000:1000: run time ratio ${ratio.toFixed(3)}, steps ratio ${(m.stepsPerSecond[0] / m.stepsPerSecond[1]).toFixed(3)}`);
    expect(ratio).toBeGreaterThan(2 * 0.95);
    expect(ratio).toBeLessThan(2 * 1.05);
    // Neither takes more than the host has.
    expect(m.cores[0] + m.cores[1]).toBeLessThan(0.6 * 1.05);
    // Both ran: the run time is the guest's, not a worker waiting.
    for (const s of m.stepsPerSecond) expect(s).toBeGreaterThan(0);
  });

  test('three equal guests split 1:1:1 within 5%', async () => {
    const a = await host('equal', { capacity: { cpu: 0.6 } });
    const ids = await busyGuests(a, [{}, {}, {}]);
    const m = await measure(a, ids);
    show('shares 1000:1000:1000', m);
    const mean = m.cores.reduce((s, c) => s + c, 0) / 3;
    for (const c of m.cores) expect(Math.abs(c / mean - 1)).toBeLessThan(0.05);
  });

  test('a reservation is met against a guest with four times its shares', async () => {
    const a = await host('reservation', { capacity: { cpu: 0.6 } });
    // By shares alone the first would get 0.12 cores; its reservation gives it 0.4, then 1/5 of the remaining 0.2.
    const ids = await busyGuests(a, [{ cpu: { reservation: 0.4 } }, { cpu: { shares: 4000 } }]);
    const m = await measure(a, ids);
    show('reservation 0.4 vs shares 4000', m);
    expect(m.cores[0]).toBeGreaterThanOrEqual(0.4 * 0.97);
    // The other gets its shares' part of what the reservation leaves, not more.
    expect(m.cores[1]).toBeLessThanOrEqual(0.16 * 1.05);
  });

  test('a limit is never exceeded, even with capacity to spare', async () => {
    const a = await host('limit', { capacity: { cpu: 1 } });
    // 0.35 cores stay unused: only the limits hold the guests back.
    const ids = await busyGuests(a, [{ cpu: { limit: 0.15 } }, { cpu: { limit: 0.5 } }]);
    const m = await measure(a, ids);
    show('limits 0.15 and 0.5, capacity 1', m);
    expect(m.cores[0]).toBeLessThanOrEqual(0.15 + 0.005);
    // It is held to its limit, not starved.
    expect(m.cores[0]).toBeGreaterThan(0.15 * 0.8);
    expect(m.cores[1]).toBeLessThanOrEqual(0.5 + 0.01);
    // What the API reports (the last second) stays within the limit too.
    expect(a.guests.get(ids[0])!.info().usage.cpu).toBeLessThanOrEqual(0.15 + 0.01);
  });

  test('an idle guest with a reservation leaves the CPU to a busy one', async () => {
    const a = await host('idle', { capacity: { cpu: 0.5 } });
    const sleeper = await start(a, SLEEPER, { policy: { cpu: { reservation: 0.3 } } });
    expect(sleeper.status).toBe(201);
    const [busy] = await busyGuests(a, [{}]);
    const m = await measure(a, [sleeper.body.id, busy]);
    show('idle (reservation 0.3) vs busy, capacity 0.5', m);
    expect(m.cores[0]).toBeLessThan(0.02);
    // The scheduler gives the busy guest nearly all of the 0.5 cores: held to its reservation, the idle guest would leave it 0.2.
    expect(a.guests.get(busy)!.duty).toBeGreaterThanOrEqual(0.4);
    // And the busy guest uses more than those 0.2 (on a machine busy with other work its thread gets less than its duty).
    expect(m.cores[1]).toBeGreaterThan(0.25);
    expect(m.cores[1]).toBeLessThanOrEqual(0.5 * 1.03);
  });
});
