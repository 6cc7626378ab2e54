// What a shared-directory disk image file holds, read by a guest: the
// treesum guest (guests/c/treesum.c) lists every file with its size and
// checksum, on a disk made from the file's blocks.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { GuestSession } from '../../host-shim/guest/session.js';
import { HEADER_BYTES } from '../../host-shim/wasi/disk-image-file.js';
import { cGuestWasmPath } from '../../tools/guests/layout.js';

export const TREESUM = cGuestWasmPath('treesum');

/** Every file in the disk image file `imageFile`, one line each with its size and checksum. */
export async function filesIn(imageFile: string): Promise<string> {
  let out = '';
  const image = readFileSync(imageFile).subarray(HEADER_BYTES);
  const s = GuestSession.start(readFileSync(TREESUM), { args: ['/data'], disk: { image }, stdout: { write: (b) => void (out += Buffer.from(b).toString()) } });
  try {
    expect(await s.run()).toEqual({ state: 'exited', exitCode: 0 });
  } finally {
    s.dispose();
  }
  return out;
}
