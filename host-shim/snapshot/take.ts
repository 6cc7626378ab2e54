/**
 * Writing a paused guest into its snapshot directory. The dirty map is
 * cleared only once the snapshot is safely on disk: a snapshot that fails to
 * write leaves every dirty bit, so the next diff still carries those pages.
 */
import type { GuestSession } from '../guest/session.js';
import { SnapshotDir, moduleDigest, type SnapshotKind } from './directory.js';
import { memorySection } from './memory-section.js';

/** Version of the VMM's checkpoint state (assembly/checkpoint/index.ts). */
const STATE_VERSION = '1.0';

export interface Taken {
  sequence: number;
  kind: SnapshotKind;
  memoryBytes: number;
}

export function takeSnapshot(dir: SnapshotDir, session: GuestSession, module: Uint8Array, kind?: SnapshotKind): Taken {
  const chosen: SnapshotKind = kind ?? (dir.list().length === 0 ? 'full' : 'diff');
  const state = session.checkpointState();
  const memory = memorySection({ vmm: session.engine.vmm, memoryAddr: session.memoryAddr, memory: session.memory() }, chosen === 'diff');
  const sequence = dir.write(chosen, { state, memory }, {
    module: moduleDigest(module),
    imports: session.importsDigest(),
    limits: session.limits(),
    steps: session.steps().toString(),
    state: STATE_VERSION,
    createdAt: new Date().toISOString(),
    baseline: session.baseline(),
  });
  session.clearDirty();
  return { sequence, kind: chosen, memoryBytes: memory.length };
}
