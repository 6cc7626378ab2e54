/**
 * Baselines: a named set of wasm features and host capabilities. A host
 * presents a baseline when it offers all of it; a guest fits one when it
 * uses nothing outside it; the guest then sees only the baseline (its
 * feature query returns exactly its features).
 *
 * Feature and capability lists are plain strings, not only the names this
 * VMM knows: a baseline that arrives from a newer host may name a feature
 * this one lacks, and must then be refused as missing, not misread.
 */
import { CAPABILITIES } from './capabilities.js';
import { VMM_FEATURES, WASM_FEATURES } from './features.js';

/** Features and capabilities: what a host offers or a guest uses. */
export interface FeatureSet {
  features: readonly string[];
  capabilities: readonly string[];
}

export interface Baseline extends FeatureSet {
  name: string;
}

/** Wasm 1.0: the MVP and the import and export of mutable globals, which the 1.0 standard includes. */
export const WASM1: Baseline = {
  name: 'wasm1',
  features: ['mutable-globals'],
  capabilities: ['wasi-preview1'],
};

/** Wasm 2.0 as the VMM runs it: without simd128. */
export const WASM2: Baseline = {
  name: 'wasm2',
  features: ['sign-ext', 'sat-float-to-int', 'multi-value', 'bulk-memory', 'reference-types', 'mutable-globals'],
  capabilities: ['wasi-preview1'],
};

/** The named cluster baselines, oldest first. */
export const BASELINES: readonly Baseline[] = [WASM1, WASM2];

/**
 * Everything this VMM offers: what a host offers unless told otherwise. Not
 * a cluster baseline: it grows with the VMM, so two hosts may mean different
 * things by it.
 */
export const MAX: Baseline = { name: 'max', features: VMM_FEATURES, capabilities: CAPABILITIES };

/** A named cluster baseline (wasm1, wasm2), or undefined. */
export function baselineNamed(name: string): Baseline | undefined {
  return BASELINES.find((b) => b.name === name);
}

/** What a host may be told to offer: a named baseline, or max. */
export function offerNamed(name: string): Baseline | undefined {
  return name === MAX.name ? MAX : baselineNamed(name);
}

export interface Missing {
  features: string[];
  capabilities: string[];
}

/** What `wanted` has that `offer` lacks. */
export function missingFrom(offer: FeatureSet, wanted: FeatureSet): Missing {
  return {
    features: wanted.features.filter((f) => !offer.features.includes(f)),
    capabilities: wanted.capabilities.filter((c) => !offer.capabilities.includes(c)),
  };
}

export function isEmpty(m: Missing): boolean {
  return m.features.length === 0 && m.capabilities.length === 0;
}

/** Whether `outer` has everything `inner` has. */
export function includes(outer: FeatureSet, inner: FeatureSet): boolean {
  return isEmpty(missingFrom(outer, inner));
}

/** "bulk-memory, sign-ext and the capability wasi-preview1". */
export function describeMissing(m: Missing): string {
  const parts = [...m.features, ...m.capabilities.map((c) => `the capability ${c}`)];
  return parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** Known names in bit order first, then unknown ones sorted: one spelling for every set. */
function canonical(list: Iterable<string>, order: readonly string[]): string[] {
  const set = new Set(list);
  const known = order.filter((n) => set.has(n));
  const unknown = [...set].filter((n) => !order.includes(n)).sort();
  return [...known, ...unknown];
}

/**
 * What both baselines allow: a guest that carries its own stricter baseline
 * runs under the intersection of it and the cluster's. The result takes the
 * name of the operand it equals, else "A&B".
 */
export function intersect(a: Baseline, b: Baseline): Baseline {
  const features = canonical(a.features.filter((f) => b.features.includes(f)), WASM_FEATURES);
  const capabilities = canonical(a.capabilities.filter((c) => b.capabilities.includes(c)), CAPABILITIES);
  const both = { features, capabilities };
  const name = includes(both, a) ? a.name : includes(both, b) ? b.name : `${a.name}&${b.name}`;
  return { name, features, capabilities };
}

/** The baseline a guest runs under: the cluster's, narrowed by the guest's own if it has one. */
export function effectiveBaseline(cluster: Baseline, guest?: Baseline): Baseline {
  return guest ? intersect(cluster, guest) : cluster;
}

/** The named baselines `offer` can present, oldest first. */
export function presentable(offer: FeatureSet): string[] {
  return BASELINES.filter((b) => includes(offer, b)).map((b) => b.name);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._&-]{0,63}$/;

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length > 64) return undefined;
  if (!value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 64)) return undefined;
  return value as string[];
}

/**
 * A baseline read from JSON a peer or a file wrote (the migration handshake,
 * a snapshot's META), or undefined when it is not one.
 */
export function parseBaseline(value: unknown): Baseline | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (Object.keys(v).some((k) => k !== 'name' && k !== 'features' && k !== 'capabilities')) return undefined;
  const features = stringList(v.features);
  const capabilities = stringList(v.capabilities);
  if (typeof v.name !== 'string' || !NAME.test(v.name) || !features || !capabilities) return undefined;
  return { name: v.name, features: canonical(features, WASM_FEATURES), capabilities: canonical(capabilities, CAPABILITIES) };
}
