/**
 * Decoder fuzzing: valid modules (generated ones and the guest programs under
 * build/guests/) with bytes flipped, inserted, deleted, truncated, replaced by
 * LEB128 edge encodings, or with section lengths edited. Every input must end
 * in a compiled module (then instantiated, and its exports run when allowed) or
 * in a clean ModuleError, LinkError or GuestTrap (or a documented resource
 * limit, WASMOTION_ERR_LIMIT); anything else is a crash.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../host-shim/engine/types.js';
import { readExportSignatures, readSections, zeroValue } from './binary-reader.js';
import { generateModule } from './generate.js';
import { paddedUnsignedLeb, signedLeb, unsignedLeb } from './leb128.js';
import { outcomeOfError } from './outcome.js';
import { Prng } from './prng.js';

/** LEB128 encodings at and beyond the edges of what a u32/s32/s64 may hold. */
const LEB_EDGES: number[][] = [
  unsignedLeb(0),
  unsignedLeb(0x7f),
  unsignedLeb(0x80),
  unsignedLeb(0xffffffff),
  [0xff, 0xff, 0xff, 0xff, 0x1f], // u32 with a bit too many
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x00], // too long
  paddedUnsignedLeb(1, 5),
  paddedUnsignedLeb(0, 2),
  signedLeb(-1),
  signedLeb(-0x80000000),
  [0xff, 0xff, 0xff, 0xff, 0x4f], // s32 with bad unused bits
  signedLeb(0x7fffffffffffffffn),
  [0x80],
];

export function mutate(rng: Prng, input: Uint8Array): Uint8Array {
  let bytes = Array.from(input);
  const rounds = rng.range(1, 3);
  for (let i = 0; i < rounds; i++) bytes = mutateOnce(rng, bytes);
  return Uint8Array.from(bytes);
}

function mutateOnce(rng: Prng, bytes: number[]): number[] {
  if (bytes.length === 0) return [rng.below(256)];
  const at = rng.below(bytes.length);
  switch (rng.weighted({ flip: 4, set: 3, insert: 2, delete: 2, truncate: 1, leb: 2, sectionSize: 2, swapSections: 0.5 })) {
    case 'flip':
      bytes[at] ^= 1 << rng.below(8);
      return bytes;
    case 'set':
      bytes[at] = rng.pick([0x00, 0x01, 0x0b, 0x40, 0x60, 0x7f, 0x80, 0xff, 0xfc, 0xfd, rng.below(256)]);
      return bytes;
    case 'insert':
      bytes.splice(at, 0, ...Array.from({ length: rng.range(1, 4) }, () => rng.below(256)));
      return bytes;
    case 'delete':
      bytes.splice(at, rng.range(1, 4));
      return bytes;
    case 'truncate':
      return bytes.slice(0, at);
    case 'leb': {
      // Replace what may be a LEB at `at` (its continuation bytes included) by an edge encoding.
      let end = at;
      while (end < bytes.length && bytes[end] & 0x80 && end - at < 9) end++;
      bytes.splice(at, end - at + 1, ...rng.pick(LEB_EDGES));
      return bytes;
    }
    case 'sectionSize':
      return editSectionSize(rng, bytes);
    case 'swapSections':
      return swapSections(rng, bytes);
  }
}

function editSectionSize(rng: Prng, bytes: number[]): number[] {
  const sections = readSections(Uint8Array.from(bytes));
  if (!sections.length) return bytes;
  const s = rng.pick(sections);
  const size = rng.pick([0, s.size - 1, s.size + 1, s.size + rng.range(2, 40), Math.max(0, s.size - rng.range(2, 40)), 0xffffffff]);
  const encoding = rng.chance(0.3) ? paddedUnsignedLeb(Math.max(0, size), 5) : unsignedLeb(Math.max(0, size));
  bytes.splice(s.sizeAt, s.sizeBytes, ...encoding);
  return bytes;
}

function swapSections(rng: Prng, bytes: number[]): number[] {
  const sections = readSections(Uint8Array.from(bytes));
  if (sections.length < 2) return bytes;
  const i = rng.below(sections.length - 1);
  const [a, b] = [sections[i], sections[i + 1]];
  const end = b.contentAt + b.size;
  const first = bytes.slice(a.start, b.start);
  const second = bytes.slice(b.start, end);
  bytes.splice(a.start, end - a.start, ...second, ...first);
  return bytes;
}

/** The .wasm files of build/guests/, if they were built. */
export function loadGuestCorpus(dir = join('build', 'guests')): Uint8Array[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wasm'))
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

/** Input number `index` of the run seeded `seed`: the same bytes wherever it is recomputed. */
export function decodeInput(seed: number, index: number, guests: readonly Uint8Array[]): Uint8Array {
  const rng = new Prng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const base = guests.length && rng.chance(0.25) ? rng.pick(guests) : generateModule(rng.u32()).bytes;
  return mutate(rng, base);
}

export type DecodeVerdict = 'malformed' | 'invalid' | 'compiled' | 'instantiated' | 'unlinkable' | 'limited' | 'trapped' | 'ran';

export interface DecodeResult {
  verdict?: DecodeVerdict;
  /** Set when something other than a clean wasmotion error came out. */
  crash?: string;
}

export interface DecodeOptions {
  /**
   * Run guest code: the start function and every export. Only safe where a hang
   * can be stopped (a child process under a watchdog); without it, modules are
   * still instantiated when they have no start function.
   */
  run: boolean;
  /** Called just before guest code may run (instantiation, then the exports). */
  beforeGuestCode?: () => void;
}

/** Feeds one input through compile (and, when allowed, instantiate and the exports). */
export function decodeCase(engine: Engine, bytes: Uint8Array, options: DecodeOptions): DecodeResult {
  let compiled;
  try {
    compiled = engine.compile(bytes);
  } catch (err) {
    const o = outcomeOfError(err);
    if (o.kind !== 'module-error') return { crash: `compile threw ${describeError(err)}` };
    return { verdict: /WASMOTION_ERR_MALFORMED/.test((err as { code: string }).code) ? 'malformed' : 'invalid' };
  }
  // Instantiation runs no guest code unless there is a start function, so it cannot hang.
  const hasStart = readSections(bytes).some((s) => s.id === 8);
  if (!options.run && hasStart) return { verdict: 'compiled' };
  let instance;
  options.beforeGuestCode?.();
  try {
    instance = engine.instantiate(compiled, () => undefined);
  } catch (err) {
    const o = outcomeOfError(err);
    if (o.kind === 'link-error') return { verdict: 'unlinkable' };
    if (o.kind === 'trap') return { verdict: 'trapped' };
    if (o.kind === 'limit') return { verdict: 'limited' };
    return { crash: `instantiate threw ${describeError(err)}` };
  }
  if (!options.run) return { verdict: 'instantiated' };
  for (const [name, type] of readExportSignatures(bytes)) {
    try {
      instance.invoke(name, type.params.map(zeroValue));
    } catch (err) {
      const kind = outcomeOfError(err).kind;
      if (kind !== 'trap' && kind !== 'limit') return { crash: `invoke ${name} threw ${describeError(err)}` };
    }
  }
  return { verdict: 'ran' };
}

function describeError(err: unknown): string {
  const e = err as Error;
  return `${e?.constructor?.name ?? typeof err}: ${e?.message ?? String(err)}`;
}
