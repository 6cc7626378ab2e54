import { describe, expect, it } from 'vitest';
import {
  applyRecommendations,
  balancePass,
  divideByShares,
  entitlements,
  generateCluster,
  placeGuest,
  planEvacuation,
  simulate,
  validateCluster,
  type Cluster,
  type Guest,
  type Host,
} from '../../host-shim/cluster/drs/index.js';

const GIB = 1024 ** 3;

function host(id: string, cpu = 16, maintenance = false): Host {
  return { id, capacity: { cpu, memory: 64 * GIB }, ...(maintenance ? { maintenance } : {}) };
}

function guest(id: string, on: string, cpu = 2, extra: Partial<Guest> = {}): Guest {
  return { id, host: on, demand: { cpu, memory: 2 * GIB }, migration: { memoryBytes: 2 * GIB, dirtyRate: 1e6 }, ...extra };
}

/** n hosts; all guests piled on the first one. */
function piled(hosts: number, guests: number, cpu = 1): Cluster {
  return {
    hosts: Array.from({ length: hosts }, (_, i) => host(`h${i}`)),
    guests: Array.from({ length: guests }, (_, i) => guest(`g${i}`, 'h0', cpu)),
    rules: [],
  };
}

function hostOf(cluster: Cluster, id: string): string {
  return cluster.guests.find((g) => g.id === id)!.host;
}

describe('entitlement', () => {
  it('gives demand when the host is not contended, clamped to [reservation, limit]', () => {
    const e = entitlements({ cpu: 16, memory: 64 * GIB }, [
      guest('a', 'h', 1, { reservation: { cpu: 2, memory: 0 } }),
      guest('b', 'h', 8, { limit: { cpu: 4, memory: 64 * GIB } }),
    ]);
    expect(e[0].cpu).toBe(2);
    expect(e[1].cpu).toBe(4);
  });

  it('divides contended CPU by shares after reservations', () => {
    // 10 cores, A reserves 4; 6 left go 2:1 by shares to A (above its 4) and B.
    const e = divideByShares(10, [
      { reserve: 4, want: 20, shares: 2000 },
      { reserve: 0, want: 20, shares: 1000 },
    ]);
    expect(e[0]).toBeCloseTo(8);
    expect(e[1]).toBeCloseTo(2);
  });

  it('hands what a capped guest does not take to the others', () => {
    const e = divideByShares(12, [
      { reserve: 0, want: 1, shares: 1000 },
      { reserve: 0, want: 20, shares: 1000 },
      { reserve: 0, want: 20, shares: 1000 },
    ]);
    expect(e[0]).toBeCloseTo(1);
    expect(e[1]).toBeCloseTo(5.5);
    expect(e[2]).toBeCloseTo(5.5);
  });
});

describe('validation', () => {
  it('rejects unknown ids, keys and negative numbers', () => {
    expect(() => validateCluster({ hosts: [host('h0')], guests: [guest('g', 'nope')] })).toThrow(/unknown host "nope"/);
    expect(() => validateCluster({ hosts: [host('h0')], guests: [guest('g', 'h0', -1)] })).toThrow(/non-negative/);
    expect(() =>
      validateCluster({ hosts: [host('h0')], guests: [guest('g', 'h0')], rules: [{ kind: 'affinity', name: 'r', guests: ['g', 'x'] }] }),
    ).toThrow(/unknown guest "x"/);
    expect(() => validateCluster({ hosts: [{ ...host('h0'), colour: 'red' } as Host], guests: [] })).toThrow(/unknown key "colour"/);
  });
});

describe('balancing', () => {
  it('lowers imbalance on skewed clusters and never raises it', () => {
    for (const seed of [1, 2, 3]) {
      const cluster = generateCluster({ hosts: 40, guests: 1500, seed });
      const { steps } = simulate(cluster, 10, { threshold: 4 });
      expect(steps[0].result.imbalanceAfter).toBeLessThan(steps[0].result.imbalanceBefore);
      for (const { result } of steps) {
        expect(result.imbalanceAfter).toBeLessThanOrEqual(result.imbalanceBefore + 1e-12);
        for (const r of result.recommendations) expect(r.benefit).toBeGreaterThan(0);
      }
    }
  });

  it('settles: no ping-pong over 50 passes of a stable cluster', () => {
    const cluster = generateCluster({ hosts: 20, guests: 600, seed: 7 });
    const { steps } = simulate(cluster, 50, { threshold: 5, coolDownPasses: 0 });
    const counts = steps.map((s) => s.result.recommendations.length);
    const firstEmpty = counts.indexOf(0);
    expect(firstEmpty).toBeGreaterThan(0);
    expect(counts.slice(firstEmpty).every((c) => c === 0)).toBe(true);
    // Nobody returns to a host it just left.
    const seen = new Set<string>();
    for (const s of steps) for (const r of s.result.recommendations) {
      expect(seen.has(`${r.guest}:${r.to}:${r.from}`)).toBe(false);
      seen.add(`${r.guest}:${r.from}:${r.to}`);
    }
  });

  it('respects per-host and per-pass caps', () => {
    const cluster = piled(6, 60);
    const r = balancePass(cluster, { threshold: 5, maxMovesPerHost: 3 });
    expect(r.recommendations.filter((m) => m.from === 'h0').length).toBe(3);
    const intoEach = new Map<string, number>();
    for (const m of r.recommendations) intoEach.set(m.to, (intoEach.get(m.to) ?? 0) + 1);
    for (const n of intoEach.values()) expect(n).toBeLessThanOrEqual(3);
    expect(balancePass(cluster, { threshold: 5, maxMovesPerPass: 2 }).recommendations.length).toBe(2);
  });

  it('does not move guests still cooling down', () => {
    const cluster = piled(4, 20);
    const cooling = cluster.guests.slice(0, 15).map((g) => g.id);
    const r = balancePass(cluster, { threshold: 5, history: [cooling, []], coolDownPasses: 2 });
    expect(r.recommendations.length).toBeGreaterThan(0);
    for (const m of r.recommendations) expect(cooling).not.toContain(m.guest);
    const expired = balancePass(cluster, { threshold: 5, history: [cooling, [], []], coolDownPasses: 2 });
    expect(expired.recommendations.some((m) => cooling.includes(m.guest))).toBe(true);
  });

  it('threshold 1 only fixes rules; automation levels set their flags', () => {
    const cluster = piled(4, 20);
    expect(balancePass(cluster, { threshold: 1 }).recommendations).toEqual([]);
    expect(balancePass(cluster, { automation: 'manual' })).toMatchObject({ executeMoves: false, autoPlace: false });
    expect(balancePass(cluster, { automation: 'partially-automated' })).toMatchObject({ executeMoves: false, autoPlace: true });
    expect(balancePass(cluster, { automation: 'fully-automated' })).toMatchObject({ executeMoves: true, autoPlace: true });
  });
});

describe('rules', () => {
  it('never breaks affinity, anti-affinity or host-must while balancing', () => {
    const cluster = piled(5, 30);
    cluster.rules = [
      { kind: 'affinity', name: 'pair', guests: ['g0', 'g1'] },
      { kind: 'anti-affinity', name: 'apart', guests: ['g2', 'g3'] },
      { kind: 'host-must', name: 'pin', guests: ['g4', 'g5'], hosts: ['h0'] },
    ];
    const { steps } = simulate(cluster, 10, { threshold: 5 });
    let current = cluster;
    for (const s of steps) {
      current = applyRecommendations(current, s.result.recommendations);
      expect(hostOf(current, 'g0')).toBe(hostOf(current, 'g1'));
      expect(hostOf(current, 'g4')).toBe('h0');
      expect(hostOf(current, 'g5')).toBe('h0');
    }
    expect(hostOf(current, 'g2')).not.toBe(hostOf(current, 'g3'));
    // The cluster did get balanced around the rules.
    expect(steps[steps.length - 1].result.imbalanceAfter).toBeLessThan(steps[0].result.imbalanceBefore / 2);
    const first = steps[0].result.recommendations[0];
    expect(first.reason).toMatch(/^rule apart/);
  });

  it('moves an affinity group as one unit', () => {
    const cluster: Cluster = {
      hosts: [host('h0'), host('h1')],
      guests: [guest('p', 'h0', 3), guest('q', 'h0', 3), guest('x', 'h0', 6)],
      rules: [
        { kind: 'affinity', name: 'pq', guests: ['p', 'q'] },
        { kind: 'host-must', name: 'x-home', guests: ['x'], hosts: ['h0'] },
      ],
    };
    const moves = balancePass(cluster, { threshold: 5 }).recommendations;
    expect(moves.map((m) => `${m.guest}->${m.to}`).sort()).toEqual(['p->h1', 'q->h1']);
  });

  it('fixes must-rule violations first and reports those it cannot fix', () => {
    const cluster: Cluster = {
      hosts: [host('h0'), host('h1')],
      guests: [guest('a', 'h0'), guest('b', 'h0'), guest('c', 'h0'), guest('d', 'h0')],
      rules: [
        { kind: 'host-must', name: 'pin-a', guests: ['a'], hosts: ['h1'] },
        { kind: 'anti-affinity', name: 'three', guests: ['b', 'c', 'd'] },
      ],
    };
    const r = balancePass(cluster, { threshold: 1 });
    expect(r.recommendations.find((m) => m.guest === 'a')).toMatchObject({ to: 'h1', reason: expect.stringMatching(/^rule pin-a/) });
    expect(r.violations.some((v) => v.rule === 'three')).toBe(true);
  });

  it('prefers should rules', () => {
    const cluster = piled(4, 12, 2);
    cluster.rules = [{ kind: 'host-should', name: 'likes-h3', guests: cluster.guests.map((g) => g.id), hosts: ['h3'] }];
    const r = balancePass(cluster, { threshold: 5 });
    expect(r.recommendations.length).toBeGreaterThan(0);
    expect(r.recommendations[0].to).toBe('h3');
    expect(r.violations.some((v) => v.rule === 'likes-h3')).toBe(true);
    // A guest on its preferred host is not moved off it for balance.
    const onPreferred = piled(4, 12, 2);
    onPreferred.rules = [{ kind: 'host-should', name: 'stay', guests: ['g0', 'g1'], hosts: ['h0'] }];
    const moved = balancePass(onPreferred, { threshold: 5 }).recommendations.map((m) => m.guest);
    expect(moved).not.toContain('g0');
    expect(moved).not.toContain('g1');
  });
});

describe('maintenance and placement', () => {
  it('plans an evacuation that empties the host', () => {
    const cluster = generateCluster({ hosts: 6, guests: 60, seed: 3 });
    const plan = planEvacuation(cluster, 'h0');
    const on = cluster.guests.filter((g) => g.host === 'h0').map((g) => g.id).sort();
    expect(plan.complete).toBe(true);
    expect(plan.moves.map((m) => m.guest).sort()).toEqual(on);
    expect(plan.moves.every((m) => m.to !== 'h0')).toBe(true);
  });

  it('says why a guest cannot leave', () => {
    const cluster: Cluster = {
      hosts: [host('h0'), host('h1'), host('h2', 16, true)],
      guests: [guest('pinned', 'h0'), guest('free', 'h0'), guest('big', 'h0', 2, { reservation: { cpu: 20, memory: 0 } })],
      rules: [{ kind: 'host-must', name: 'pin', guests: ['pinned'], hosts: ['h0'] }],
    };
    const plan = planEvacuation({ ...cluster, hosts: [host('h0', 32), host('h1'), host('h2', 16, true)] }, 'h0');
    expect(plan.complete).toBe(false);
    expect(plan.moves.map((m) => m.guest)).toEqual(['free']);
    expect(plan.moves[0].to).toBe('h1');
    const stuck = new Map(plan.stuck.map((s) => [s.guest, s.reason]));
    expect(stuck.get('pinned')).toMatch(/pin/);
    expect(stuck.get('big')).toMatch(/reservations do not fit|maintenance/);
  });

  it('places a new guest on the least loaded host and refuses one whose reservation fits nowhere', () => {
    const cluster: Cluster = { hosts: [host('h0'), host('h1')], guests: [guest('a', 'h0', 8)], rules: [] };
    expect(placeGuest(cluster, guest('n', 'h0', 2))).toMatchObject({ ok: true, host: 'h1' });
    const huge = guest('huge', 'h0', 2, { reservation: { cpu: 17, memory: 0 } });
    const refused = placeGuest(cluster, huge);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reason).toMatch(/reservations do not fit/);
  });

  it('places next to affinity partners and away from anti-affinity partners', () => {
    const base: Cluster = { hosts: [host('h0'), host('h1'), host('h2')], guests: [guest('a', 'h0', 8), guest('b', 'h1', 0.5), guest('c', 'h2', 1)] };
    // Rules naming the new guest are checked once it joins the model.
    const withA: Cluster = { ...base, rules: [{ kind: 'affinity', name: 'with-a', guests: ['a', 'n'] }] };
    expect(placeGuest(withA, guest('n', 'h0', 1))).toMatchObject({ ok: true, host: 'h0' });
    const notB: Cluster = { ...base, rules: [{ kind: 'anti-affinity', name: 'not-b', guests: ['b', 'm'] }] };
    expect(placeGuest(notB, guest('m', 'h0', 1))).toMatchObject({ ok: true, host: 'h2' });
    // Without the rule, h1 (lightest) would win.
    expect(placeGuest(base, guest('m', 'h0', 1))).toMatchObject({ ok: true, host: 'h1' });
  });
});
