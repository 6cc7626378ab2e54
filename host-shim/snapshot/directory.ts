/**
 * A snapshot directory: the guest module and a chain of snapshots.
 *
 *   DIR/module.wasm          the guest module; every snapshot names its sha256
 *   DIR/000001.full.wms      a full snapshot: state, every non-zero page and disk block
 *   DIR/000002.diff.wms      a diff: state, the pages and disk blocks dirtied since 000001
 *   ...
 *
 * Restoring reads the newest full snapshot, then every diff after it in order;
 * the state comes from the newest file. Files are written to a temporary name
 * and renamed, so a crash never leaves half a snapshot under a real name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, existsSync, openSync, writevSync, fsyncSync, closeSync, rmSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { SnapshotError } from '../errors.js';
import { CAPS, HEADER_BYTES, SECTION_HEADER_BYTES, SectionId, decode, encodeHeaders, type PiecedSection, type Section } from './format.js';
import { checksum } from './checksum.js';
import { memoryPagesOf } from './memory.js';
import { parseBaseline, type Baseline } from '../cluster/evc/index.js';

export const MODULE_FILE = 'module.wasm';
const NAME = /^(\d{6})\.(full|diff)\.wms$/;

export type SnapshotKind = 'full' | 'diff';

/** The META section, as JSON. */
export interface SnapshotMeta {
  kind: SnapshotKind;
  sequence: number;
  /** The snapshot this diff applies on top of; null for a full one. */
  parent: number | null;
  /** Random id of the chain: given by its full snapshot, kept by every diff on top of it. */
  chain: string;
  /** sha256 of the guest module, hex. */
  module: string;
  /** sha256 of what the guest imports and who provides it (see GuestSession.importsDigest). */
  imports: string;
  /** The limits the guest ran under; a resume keeps them unless told otherwise. */
  limits: { maxMemoryPages?: number; maxCallDepth?: number; fuelLeft?: string };
  /** Steps the guest has run since it started. */
  steps: string;
  /** Version of the VMM state inside, MAJOR.MINOR. */
  state: string;
  createdAt: string;
  /**
   * The baseline the guest runs under (format 1.1): a resume keeps it and
   * refuses a host that cannot present it. Absent in 1.0 files: such a
   * guest resumes under everything the resuming VMM runs.
   */
  baseline?: Baseline;
}

export interface SnapshotFile {
  meta: SnapshotMeta;
  state: Uint8Array;
  memory: Uint8Array;
  /** The DISK section (format 1.2), when the guest's disk image is held apart from its state. */
  disk?: Uint8Array;
}

/** What a snapshot is written from: the memory and disk sections may come in pieces (pages in place). */
export interface SnapshotContent {
  state: Uint8Array;
  memory: Uint8Array | PiecedSection;
  disk?: Uint8Array | PiecedSection;
}

export function moduleDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class SnapshotDir {
  constructor(readonly path: string) {}

  /** Snapshot files in sequence order. */
  list(): { sequence: number; kind: SnapshotKind; file: string }[] {
    if (!existsSync(this.path)) return [];
    let names: string[];
    try {
      names = readdirSync(this.path);
    } catch (err) {
      throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_IO', `cannot list ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    return names
      .map((f) => NAME.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ sequence: Number(m[1]), kind: m[2] as SnapshotKind, file: join(this.path, m[0]) }))
      .sort((a, b) => a.sequence - b.sequence);
  }

  /** Prepares the directory for a new chain of `module`; refuses one that holds snapshots. */
  init(module: Uint8Array): void {
    try {
      mkdirSync(this.path, { recursive: true });
    } catch (err) {
      throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_IO', `cannot create ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    if (this.list().length > 0) {
      throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CHAIN', `${this.path} already holds snapshots: resume from it, or choose an empty directory`);
    }
    this.atomicWrite(join(this.path, MODULE_FILE), [module]);
  }

  readModule(): Uint8Array {
    const path = join(this.path, MODULE_FILE);
    try {
      return readFileSync(path);
    } catch (err) {
      throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Writes the next snapshot of the chain; returns its sequence number. */
  write(kind: SnapshotKind, content: SnapshotContent, meta: Omit<SnapshotMeta, 'kind' | 'sequence' | 'parent' | 'chain'>): number {
    const last = this.list().at(-1);
    if (kind === 'diff' && !last) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CHAIN', 'a diff snapshot needs a snapshot before it');
    const sequence = (last?.sequence ?? 0) + 1;
    // A diff belongs to the chain of the file before it: a file from another chain never fits in.
    const chain = kind === 'diff' ? readMeta(last!.file).chain : randomBytes(16).toString('hex');
    const full: SnapshotMeta = { kind, sequence, parent: kind === 'diff' ? last!.sequence : null, chain, ...meta };
    const memory = content.memory;
    const sections: (Section | PiecedSection)[] = [
      { id: SectionId.Meta, payload: Buffer.from(JSON.stringify(full)) },
      { id: SectionId.State, payload: content.state },
      'pieces' in memory ? memory : { id: SectionId.Memory, payload: memory },
    ];
    const disk = content.disk;
    if (disk) sections.push('pieces' in disk ? disk : { id: SectionId.Disk, payload: disk });
    const name = `${String(sequence).padStart(6, '0')}.${kind}.wms`;
    this.atomicWrite(join(this.path, name), encodeHeaders(sections));
    return sequence;
  }

  private atomicWrite(path: string, parts: Uint8Array[]): void {
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      const fd = openSync(tmp, 'w');
      try {
        // Pieces may be many (runs of guest pages): write them in groups.
        for (let i = 0; i < parts.length; i += WRITE_GROUP) writevAll(fd, parts.slice(i, i + WRITE_GROUP));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } catch (err) {
      removeQuietly(tmp);
      throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_IO', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * The chain to restore: the newest full snapshot and the diffs after it,
   * each verified, in order. Refuses a chain with gaps or another module.
   */
  readChain(): SnapshotFile[] {
    const files = this.list();
    let base = files.length - 1;
    while (base >= 0 && files[base].kind !== 'full') base--;
    if (base < 0) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CHAIN', `${this.path} holds no full snapshot`);
    const module = moduleDigest(this.readModule());
    const chain: SnapshotFile[] = [];
    for (const f of files.slice(base)) {
      const snap = readSnapshot(f.file);
      const prev = chain.at(-1);
      if (snap.meta.sequence !== f.sequence || snap.meta.kind !== f.kind) {
        throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CHAIN', `${f.file}: its contents do not match its name`);
      }
      if (prev && snap.meta.parent !== prev.meta.sequence) {
        throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CHAIN', `${f.file}: applies on top of ${snap.meta.parent}, not ${prev.meta.sequence}`);
      }
      if (prev && snap.meta.chain !== prev.meta.chain) {
        throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CHAIN', `${f.file}: belongs to another chain of snapshots`);
      }
      if (snap.meta.module !== module) {
        throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_MODULE', `${f.file}: taken of another module than ${MODULE_FILE}`);
      }
      if (prev && diskBlocks(snap) !== diskBlocks(prev)) {
        throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CHAIN', `${f.file}: holds a disk other than the snapshot before it`);
      }
      chain.push(snap);
    }
    return chain;
  }
}

const WRITE_GROUP = 512;

function writevAll(fd: number, parts: Uint8Array[]): void {
  let left = parts.filter((p) => p.length > 0);
  while (left.length > 0) {
    let written = writevSync(fd, left);
    // A short write: drop what went out and carry on with the rest.
    while (left.length > 0 && written >= left[0].length) {
      written -= left[0].length;
      left = left.slice(1);
    }
    if (left.length > 0 && written > 0) left[0] = left[0].subarray(written);
  }
}

/** Blocks of the disk a snapshot's DISK section holds; -1 without one. */
export function diskBlocks(snap: SnapshotFile): number {
  return snap.disk ? memoryPagesOf(snap.disk, `snapshot ${snap.meta.sequence}: disk`) : -1;
}

/** The META of a snapshot file (its first section), without reading the rest. */
export function readMeta(file: string): SnapshotMeta {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_IO', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const head = Buffer.alloc(HEADER_BYTES + SECTION_HEADER_BYTES);
    readSync(fd, head, 0, head.length, 0);
    const length = Number(head.readBigUInt64LE(HEADER_BYTES + 8));
    if (head.readUInt32LE(HEADER_BYTES) !== SectionId.Meta || length > CAPS.metaBytes) {
      throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${file}: does not start with its metadata`);
    }
    const whole = Buffer.alloc(head.length + length);
    readSync(fd, whole, 0, whole.length, 0);
    // Verify as a one-section file: header fields are checked, then the META checksum.
    const check = Buffer.from(whole);
    check.writeUInt32LE(1, 12);
    Buffer.from(checksum(check.subarray(0, 16))).copy(check, 16);
    return parseMeta(decode(check, file).get(SectionId.Meta)!, file);
  } finally {
    closeSync(fd);
  }
}

/** Best-effort cleanup of a temporary file; what it cannot remove stays, under a name no reader takes. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // The original error is the one worth reporting.
  }
}

export function readSnapshot(file: string): SnapshotFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_IO', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const sections = decode(bytes, file);
  const meta = sections.get(SectionId.Meta);
  const state = sections.get(SectionId.State);
  const memory = sections.get(SectionId.Memory);
  if (!meta || !state || !memory) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${file}: a section is missing`);
  const disk = sections.get(SectionId.Disk);
  return { meta: parseMeta(meta, file), state, memory, ...(disk ? { disk } : {}) };
}

function parseMeta(meta: Uint8Array, file: string): SnapshotMeta {
  let parsed: SnapshotMeta;
  try {
    parsed = JSON.parse(Buffer.from(meta).toString('utf8')) as SnapshotMeta;
  } catch (err) {
    throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${file}: metadata is not JSON`, { cause: err });
  }
  if (
    typeof parsed !== 'object' || parsed === null || typeof parsed.sequence !== 'number' ||
    typeof parsed.module !== 'string' || typeof parsed.imports !== 'string' || typeof parsed.chain !== 'string' ||
    typeof parsed.limits !== 'object' || parsed.limits === null
  ) {
    throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${file}: metadata lacks its fields`);
  }
  if (parsed.baseline !== undefined) {
    const baseline = parseBaseline(parsed.baseline);
    if (!baseline) throw new SnapshotError('WASMOTION_ERR_SNAPSHOT_CORRUPT', `${file}: the baseline in its metadata is malformed`);
    parsed.baseline = baseline;
  }
  return parsed;
}

