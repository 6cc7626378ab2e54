/**
 * Writing a paused guest into its snapshot directory: its state, its memory
 * pages and, for a guest with a disk, its disk blocks in a DISK section
 * (the state then holds the disk's size and descriptors only). The dirty
 * maps are cleared only once the snapshot is safely on disk: a snapshot
 * that fails to write leaves every dirty bit, so the next diff still
 * carries those pages and blocks. Snapshots take the VMM's dirty maps as
 * their own, as a migration does where it runs (a host's worker, whose
 * disk map is shared by migration and write-back, wasi/disk-dirty.ts, takes
 * no snapshots): the two never work on one guest at once.
 */
import type { GuestSession } from '../guest/session.js';
import { SnapshotDir, moduleDigest, type SnapshotKind } from './directory.js';
import { diskSection, memorySection } from './memory-section.js';

/** Version of the VMM's checkpoint state (assembly/checkpoint/index.ts). */
const STATE_VERSION = '1.0';

export interface Taken {
  sequence: number;
  kind: SnapshotKind;
  memoryBytes: number;
  /** Bytes of disk blocks written (0 without a DISK section). */
  diskBytes: number;
}

export function takeSnapshot(dir: SnapshotDir, session: GuestSession, module: Uint8Array, kind?: SnapshotKind): Taken {
  const chosen: SnapshotKind = kind ?? (dir.list().length === 0 ? 'full' : 'diff');
  const apart = session.disk().length > 0 && session.diskApartInSnapshots;
  const state = session.checkpointState({ diskImage: apart ? 'outside' : 'inside' });
  // Views of memory and disk are taken after the checkpoint, which may have grown the VMM's memory.
  const memory = memorySection({ vmm: session.engine.vmm, memoryAddr: session.memoryAddr, memory: session.memory() }, chosen === 'diff');
  const disk = apart ? diskSection(session.engine.vmm, session.disk(), chosen === 'diff') : undefined;
  const sequence = dir.write(chosen, { state, memory, disk }, {
    module: moduleDigest(module),
    imports: session.importsDigest(),
    limits: session.limits(),
    steps: session.steps().toString(),
    state: STATE_VERSION,
    createdAt: new Date().toISOString(),
    baseline: session.baseline(),
  });
  session.clearDirty();
  session.clearDiskDirty();
  return { sequence, kind: chosen, memoryBytes: memory.length, diskBytes: disk?.bytes ?? 0 };
}
