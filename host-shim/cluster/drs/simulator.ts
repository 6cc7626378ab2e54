/**
 * Seeded cluster simulator: generates skewed clusters, applies recommendations
 * and runs repeated passes, so the scheduler can be tested and benchmarked
 * without real hosts.
 */
import { balancePass, type BalanceOptions, type PassResult } from './balance.js';
import type { Cluster, Guest, Host } from './model.js';
import type { Recommendation } from './recommendation.js';

const GIB = 1024 ** 3;

/** mulberry32: small, fast, good enough for simulations; same seed, same cluster. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateOptions {
  hosts: number;
  guests: number;
  seed?: number;
  /** Share of guests piled onto the first 20% of hosts, on top of a uniform spread (default 0.35). */
  skew?: number;
}

function makeHost(i: number, rnd: () => number): Host {
  const cores = [32, 48, 64][Math.floor(rnd() * 3)];
  return { id: `h${i}`, capacity: { cpu: cores, memory: cores * 4 * GIB } };
}

function makeGuest(i: number, host: string, rnd: () => number): Guest {
  const cpu = 0.1 + rnd() * rnd() * 1.6;
  const memory = Math.round((0.25 + rnd() * rnd() * 6) * GIB);
  const guest: Guest = {
    id: `g${i}`,
    host,
    demand: { cpu, memory },
    migration: { memoryBytes: memory, dirtyRate: rnd() * 50e6 },
  };
  if (rnd() < 0.2) guest.reservation = { cpu: cpu / 4, memory: memory / 4 };
  return guest;
}

/** A cluster whose first 20% of hosts carry extra guests according to `skew`. */
export function generateCluster(options: GenerateOptions): Cluster {
  const rnd = seededRandom(options.seed ?? 1);
  const skew = options.skew ?? 0.35;
  const hot = Math.max(1, Math.floor(options.hosts / 5));
  const hosts = Array.from({ length: options.hosts }, (_, i) => makeHost(i, rnd));
  const guests: Guest[] = [];
  for (let i = 0; i < options.guests; i++) {
    const h = rnd() < skew ? Math.floor(rnd() * hot) : Math.floor(rnd() * options.hosts);
    guests.push(makeGuest(i, hosts[h].id, rnd));
  }
  return { hosts, guests, rules: [] };
}

/** A new Cluster with each recommended move carried out (input untouched). */
export function applyRecommendations(cluster: Cluster, recs: Recommendation[]): Cluster {
  const target = new Map(recs.map((r) => [r.guest, r.to]));
  const guests = cluster.guests.map((g) => (target.has(g.id) ? { ...g, host: target.get(g.id)! } : g));
  return { ...cluster, guests };
}

export interface SimulationStep {
  pass: number;
  result: PassResult;
}

/** Runs `passes` passes, executing each pass's moves and feeding the history back. */
export function simulate(cluster: Cluster, passes: number, options: BalanceOptions = {}): { cluster: Cluster; steps: SimulationStep[] } {
  const history: string[][] = [...(options.history ?? [])];
  const steps: SimulationStep[] = [];
  let current = cluster;
  for (let pass = 0; pass < passes; pass++) {
    const result = balancePass(current, { ...options, history });
    steps.push({ pass, result });
    current = applyRecommendations(current, result.recommendations);
    history.push(result.recommendations.map((r) => r.guest));
  }
  return { cluster: current, steps };
}
