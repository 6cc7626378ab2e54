/**
 * Mutations of a snapshot directory, for the snapshot fuzzer. A directory is
 * a map from file name (module.wasm, NNNNNN.full|diff.wms) to bytes.
 *
 * Two families, because they promise different things:
 *
 *   corrupt   what storage, a copy or a transfer does to files: flipped bits,
 *             cut or inserted bytes, a lost sector, an edited length or
 *             version field, a file from another chain, a missing file. The
 *             format must catch all of it: a restore either refuses the
 *             directory or resumes exactly as the unmutated one would.
 *   resealed  an edit inside a section (or the header) with the checksums
 *             recomputed afterwards, as a buggy writer or a forger would
 *             produce. Checksums cannot catch these by design; they test
 *             the decoders behind them: refuse, or run to a well-defined
 *             guest outcome, never crash.
 */
import { checksum } from '../../host-shim/snapshot/checksum.js';
import { HEADER_BYTES, SECTION_HEADER_BYTES, SectionId, decode, encode } from '../../host-shim/snapshot/format.js';
import type { Prng } from './prng.js';

export type SnapshotFiles = Map<string, Buffer>;
export type MutationFamily = 'corrupt' | 'resealed';

export interface Mutation {
  family: MutationFamily;
  /** Which mutator made it (the keys of MUTATOR_WEIGHTS). */
  kind: MutatorKind;
  /** What was done, reproducibly enough to read: "flip 3 bits in 000002.diff.wms". */
  what: string;
  files: SnapshotFiles;
}

/** Other directories a mutation may take files from. */
export interface Donors {
  /** The same module stopped at other points. */
  sameModule: SnapshotFiles;
  /** Another module's chain. */
  otherModule: SnapshotFiles;
}

const MODULE = 'module.wasm';
const SNAPSHOT = /^\d{6}\.(full|diff)\.wms$/;

export function snapshotNames(files: SnapshotFiles): string[] {
  return [...files.keys()].filter((f) => SNAPSHOT.test(f)).sort();
}

function randomBytes(rng: Prng, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => rng.below(256)));
}

/** Byte offsets of each section header in a well-formed file. */
function sectionHeaderOffsets(file: Buffer): number[] {
  const count = file.readUInt32LE(12);
  const out: number[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < count && at + SECTION_HEADER_BYTES <= file.length; i++) {
    out.push(at);
    at += SECTION_HEADER_BYTES + Number(file.readBigUInt64LE(at + 8));
  }
  return out;
}

type Edit = (rng: Prng, bytes: Buffer) => { bytes: Buffer; what: string };

/** Byte-level edits; used on whole files (corrupt) and on payloads (resealed). */
const BYTE_EDITS: Record<string, Edit> = {
  flip: (rng, b) => {
    const out = Buffer.from(b);
    const n = rng.range(1, 8);
    for (let i = 0; i < n && out.length > 0; i++) out[rng.below(out.length)] ^= 1 << rng.below(8);
    return { bytes: out, what: `flip ${n} bits` };
  },
  truncate: (rng, b) => {
    const to = b.length === 0 ? 0 : rng.chance(0.5) ? rng.below(b.length) : Math.max(0, b.length - rng.range(1, 16));
    return { bytes: Buffer.from(b.subarray(0, to)), what: `truncate to ${to} of ${b.length} bytes` };
  },
  insert: (rng, b) => {
    const at = rng.below(b.length + 1);
    const n = rng.range(1, 16);
    return { bytes: Buffer.concat([b.subarray(0, at), randomBytes(rng, n), b.subarray(at)]), what: `insert ${n} bytes at ${at}` };
  },
  delete: (rng, b) => {
    if (b.length === 0) return { bytes: Buffer.from(b), what: 'delete nothing' };
    const at = rng.below(b.length);
    const n = Math.min(rng.range(1, 16), b.length - at);
    return { bytes: Buffer.concat([b.subarray(0, at), b.subarray(at + n)]), what: `delete ${n} bytes at ${at}` };
  },
  lostSector: (rng, b) => {
    const out = Buffer.from(b);
    const sector = rng.below(Math.max(1, Math.ceil(out.length / 512)));
    const fill = rng.chance(0.5) ? 0 : 0xff;
    out.fill(fill, sector * 512, Math.min(out.length, sector * 512 + 512));
    return { bytes: out, what: `sector ${sector} set to 0x${fill.toString(16)}` };
  },
};

const LENGTH_EDITS = [
  (n: bigint) => n + 1n,
  (n: bigint) => n - 1n,
  (n: bigint) => n + 4096n,
  (n: bigint) => n - 4096n,
  () => 0n,
  () => 2n ** 32n + 16n,
  () => 2n ** 63n,
  () => 2n ** 64n - 1n,
];

/** Sets a section's length field to a nearby or absurd value; its payload checksum is left as it was. */
function editSectionLength(rng: Prng, file: Buffer): { bytes: Buffer; what: string } {
  const out = Buffer.from(file);
  const offsets = sectionHeaderOffsets(out);
  const at = rng.pick(offsets);
  const old = out.readBigUInt64LE(at + 8);
  const edit = rng.below(LENGTH_EDITS.length);
  const value = BigInt.asUintN(64, LENGTH_EDITS[edit](old));
  out.writeBigUInt64LE(value, at + 8);
  return { bytes: out, what: `section at ${at}: length ${old} -> ${value}` };
}

const VERSIONS = [0, 1, 2, 3, 0x7fff, 0xffff];

function editVersion(rng: Prng, file: Buffer, reseal: boolean): { bytes: Buffer; what: string } {
  const out = Buffer.from(file);
  const major = rng.chance(0.5) ? rng.pick(VERSIONS) : out.readUInt16LE(8);
  const minor = rng.pick(VERSIONS);
  out.writeUInt16LE(major, 8);
  out.writeUInt16LE(minor, 10);
  if (reseal) checksum(out.subarray(0, 16)).forEach((v, i) => (out[16 + i] = v));
  return { bytes: out, what: `version -> ${major}.${minor}${reseal ? ', header checksum recomputed' : ''}` };
}

function editSectionCount(rng: Prng, file: Buffer): { bytes: Buffer; what: string } {
  const out = Buffer.from(file);
  const count = rng.pick([0, 1, 2, 4, 16, 17, 0xffffffff]);
  out.writeUInt32LE(count, 12);
  checksum(out.subarray(0, 16)).forEach((v, i) => (out[16 + i] = v));
  return { bytes: out, what: `section count -> ${count}, header checksum recomputed` };
}

const SECTION_NAMES: Record<number, string> = { [SectionId.Meta]: 'META', [SectionId.State]: 'STATE', [SectionId.Memory]: 'MEMORY' };

/** Odd values for META fields. */
const META_VALUES: unknown[] = [null, -1, 0, 1, 2, 999999, 1.5, '', 'x', '1', '-1', '99.99', [], {}, true, 2 ** 53];
const META_FIELDS = ['kind', 'sequence', 'parent', 'module', 'steps', 'state', 'createdAt'];

function editMeta(rng: Prng, payload: Buffer): { bytes: Buffer; what: string } {
  const meta = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
  const field = rng.pick(META_FIELDS);
  if (rng.chance(0.15)) {
    delete meta[field];
    return { bytes: Buffer.from(JSON.stringify(meta)), what: `META: ${field} removed` };
  }
  const value = field === 'kind' && rng.chance(0.5) ? rng.pick(['full', 'diff']) : rng.pick(META_VALUES);
  meta[field] = value;
  return { bytes: Buffer.from(JSON.stringify(meta)), what: `META: ${field} = ${JSON.stringify(value)}` };
}

/** Edits one record word (page index and zero flag) or a header word of a MEMORY payload. */
function editMemoryWord(rng: Prng, payload: Buffer): { bytes: Buffer; what: string } {
  const out = Buffer.from(payload);
  const count = out.length >= 12 ? out.readUInt32LE(8) : 0;
  // Record words sit at 12 + k * (4 + 4096) for data records; zero records make
  // the walk irregular, so walk it.
  const words = [0, 4, 8];
  let at = 12;
  for (let i = 0; i < count && at + 4 <= out.length; i++) {
    words.push(at);
    at += 4 + (out.readUInt32LE(at) & 0x8000_0000 ? 0 : 4096);
  }
  const w = rng.pick(words);
  const old = out.readUInt32LE(w);
  const value = rng.pick([old ^ 0x8000_0000, old + 1, old - 1, 0, 4095, 4097, 0x7fffffff, 0xffffffff, old * 2, rng.u32()]) >>> 0;
  out.writeUInt32LE(value, w);
  return { bytes: out, what: `MEMORY word at ${w}: ${old} -> ${value}` };
}

/** Re-encodes a file with one section's payload replaced: lengths and checksums match the new payload. */
function resealSection(rng: Prng, name: string, file: Buffer): { bytes: Buffer; what: string } {
  const sections: { id: number; payload: Uint8Array }[] = [...decode(file, name).entries()].map(([id, payload]) => ({ id, payload }));
  const target = rng.pick(sections);
  let edited: { bytes: Buffer; what: string };
  const pick = rng.below(10);
  const payload = Buffer.from(target.payload);
  if (target.id === SectionId.Meta && pick < 5) edited = editMeta(rng, payload);
  else if (target.id === SectionId.Memory && pick < 5) edited = editMemoryWord(rng, payload);
  else {
    const kind = rng.pick(Object.keys(BYTE_EDITS));
    edited = BYTE_EDITS[kind](rng, payload);
  }
  target.payload = edited.bytes;
  return { bytes: Buffer.from(encode(sections)), what: `${SECTION_NAMES[target.id] ?? target.id}: ${edited.what}, resealed` };
}

const MUTATOR_WEIGHTS = {
  bytes: 8, length: 2, version: 1, fromSameModule: 1, fromOtherModule: 0.5, drop: 0.5, rename: 0.5, module: 0.5,
  resealVersion: 0.5, resealCount: 0.5, resealSection: 6,
};
export type MutatorKind = keyof typeof MUTATOR_WEIGHTS;

/** One random mutation of `files` (never changes `files` itself). */
export function mutate(rng: Prng, files: SnapshotFiles, donors: Donors): Mutation {
  return mutateAs(rng, rng.weighted(MUTATOR_WEIGHTS), files, donors);
}

/** A mutation of the given kind. */
export function mutateAs(rng: Prng, kind: MutatorKind, files: SnapshotFiles, donors: Donors): Mutation {
  const out: SnapshotFiles = new Map(files);
  const names = snapshotNames(files);
  const name = rng.pick(names);
  const file = files.get(name)!;
  const corrupt = (what: string): Mutation => ({ family: 'corrupt', kind, what, files: out });
  const set = (edit: { bytes: Buffer; what: string }, family: MutationFamily): Mutation => {
    out.set(name, edit.bytes);
    return { family, kind, what: `${name}: ${edit.what}`, files: out };
  };
  switch (kind) {
    case 'bytes': {
      const edit = rng.pick(Object.keys(BYTE_EDITS));
      return set(BYTE_EDITS[edit](rng, file), 'corrupt');
    }
    case 'length':
      return set(editSectionLength(rng, file), 'corrupt');
    case 'version':
      return set(editVersion(rng, file, false), 'corrupt');
    case 'fromSameModule':
    case 'fromOtherModule': {
      const donor = kind === 'fromSameModule' ? donors.sameModule : donors.otherModule;
      const theirs = snapshotNames(donor);
      const from = theirs.includes(name) && rng.chance(0.7) ? name : rng.pick(theirs);
      out.set(name, donor.get(from)!);
      return corrupt(`${name} replaced by ${from} of ${kind === 'fromSameModule' ? 'a chain of the same module stopped elsewhere' : "another module's chain"}`);
    }
    case 'drop': {
      // The newest one dropped leaves a valid, older chain: not a corruption.
      const older = names.slice(0, -1);
      const victim = older.length > 0 ? rng.pick(older) : MODULE;
      out.delete(victim);
      return corrupt(`${victim} deleted`);
    }
    case 'rename': {
      const renamed = name.includes('.full.') ? name.replace('.full.', '.diff.') : name.replace('.diff.', '.full.');
      out.delete(name);
      out.set(renamed, file);
      return corrupt(`${name} renamed ${renamed}`);
    }
    case 'module': {
      if (rng.chance(0.5)) {
        out.set(MODULE, donors.otherModule.get(MODULE)!);
        return corrupt('module.wasm replaced by another module');
      }
      const edit = BYTE_EDITS.flip(rng, files.get(MODULE)!);
      out.set(MODULE, edit.bytes);
      return corrupt(`module.wasm: ${edit.what}`);
    }
    case 'resealVersion':
      return set(editVersion(rng, file, true), 'resealed');
    case 'resealCount':
      return set(editSectionCount(rng, file), 'resealed');
    case 'resealSection':
      return set(resealSection(rng, name, file), 'resealed');
  }
}
