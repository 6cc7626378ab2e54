/**
 * The disk's dirty map, shared by the users that each need "blocks written
 * since I last took them": a migration copying blocks to another host, and
 * the write-back to the guest's image file (host/disk-write-back.ts). The
 * VMM sets a block's byte on every write (assembly/wasi/disk.ts) and each
 * user clears what it took, so no user may clear the VMM's map under
 * another: the VMM's marks are moved (or-ed) into a map per user, then
 * cleared in the VMM, and each user takes from and clears its own map.
 * Guest memory does not need this: its one clearing user is a migration,
 * and the dirty rate counts marks without clearing (session.ts).
 */
export interface DiskDirtySource {
  /** The VMM's map, a byte per block (a copy on wasmtime). */
  diskDirtyMap(): Uint8Array;
  /** Hands a changed map back to the VMM. */
  commitDiskDirty(map: Uint8Array): void;
}

export class DiskDirtyUsers {
  private readonly maps = new Map<string, Uint8Array>();

  constructor(private readonly source: DiskDirtySource) {}

  /**
   * The map of `user`, up to date: a byte per block, non-zero once written
   * since the user cleared it. A user's map starts clean at its first call:
   * blocks written before then are the user's to know about (a migration's
   * first round takes every block).
   */
  of(user: string): Uint8Array {
    this.harvest();
    let map = this.maps.get(user);
    if (!map) this.maps.set(user, (map = new Uint8Array(this.source.diskDirtyMap().length)));
    return map;
  }

  /** Moves the VMM's marks into every user's map and clears them in the VMM. */
  harvest(): void {
    const vmm = this.source.diskDirtyMap();
    let any = false;
    for (let b = 0; b < vmm.length; b++) {
      if (!vmm[b]) continue;
      any = true;
      for (const map of this.maps.values()) map[b] = 1;
      vmm[b] = 0;
    }
    if (any) this.source.commitDiskDirty(vmm);
  }

  /** Clears every mark, the VMM's and each user's: the image was just replaced whole, and every user knows it. */
  clear(): void {
    const vmm = this.source.diskDirtyMap();
    vmm.fill(0);
    this.source.commitDiskDirty(vmm);
    for (const map of this.maps.values()) map.fill(0);
  }
}
