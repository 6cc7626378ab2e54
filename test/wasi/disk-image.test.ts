// Hostile disk images: an image the appender wrote, damaged in each way the
// file system's layout allows (test names say how), is refused with
// WASMOTION_ERR_DISK_IMAGE and a message naming what is wrong, when given
// to a guest, and with WASMOTION_ERR_BAD_CHECKPOINT when a checkpoint state
// restores over it; random damage either mounts (and the appender then runs
// on it without breaking the VMM) or is refused the same way.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GuestSession } from '../../host-shim/guest/session.js';
import { attachDisk, diskAddresses } from '../../host-shim/wasi/disk.js';
import { WasiHarness } from './harness.js';
import { Errno } from './preview1.js';
import { cGuestWasmPath } from '../../tools/guests/layout.js';

const APPENDER = cGuestWasmPath('appender');
const DISK = 1 << 20;
const BLOCK = 4096;
const missing = !existsSync(APPENDER);

/** The layout of an image (assembly/wasi/disk.ts) and accessors over a copy of it. */
class Image {
  readonly b: Buffer;
  constructor(bytes: Uint8Array) {
    this.b = Buffer.from(bytes);
  }
  get blocks() { return this.b.readUInt32LE(8); }
  get inodes() { return this.b.readUInt32LE(12); }
  get bitmapStart() { return this.b.readUInt32LE(16); }
  get inodeStart() { return this.b.readUInt32LE(20); }
  get dataStart() { return this.b.readUInt32LE(24); }
  inode(ino: number) { return this.inodeStart * BLOCK + ino * 128; }
  type(ino: number) { return this.b.readUInt16LE(this.inode(ino)); }
  links(ino: number) { return this.b.readUInt16LE(this.inode(ino) + 2); }
  setLinks(ino: number, n: number) { this.b.writeUInt16LE(n, this.inode(ino) + 2); }
  setParent(ino: number, p: number) { this.b.writeUInt32LE(p, this.inode(ino) + 4); }
  size(ino: number) { return Number(this.b.readBigUInt64LE(this.inode(ino) + 8)); }
  setSize(ino: number, n: bigint) { this.b.writeBigUInt64LE(n, this.inode(ino) + 8); }
  direct(ino: number, i: number) { return this.b.readUInt32LE(this.inode(ino) + 40 + i * 4); }
  setDirect(ino: number, i: number, blk: number) { this.b.writeUInt32LE(blk, this.inode(ino) + 40 + i * 4); }
  setFree(blk: number) { this.b[this.bitmapStart * BLOCK + (blk >> 3)] &= ~(1 << (blk & 7)); }
  /** The records of directory `dir` (small directories: in its first direct block): offset in the image, inode, name. */
  records(dir: number) {
    const at = this.direct(dir, 0) * BLOCK;
    const out: { at: number; ino: number; name: string }[] = [];
    for (let i = 0; i < this.size(dir) / 64; i++) {
      const r = at + i * 64;
      out.push({ at: r, ino: this.b.readUInt32LE(r), name: this.b.subarray(r + 8, r + 8 + this.b[r + 4]).toString('latin1') });
    }
    return out;
  }
  named(dir: number, name: string) { return this.records(dir).find((r) => r.ino !== 0 && r.name === name)!; }
}

const ROOT = 1;
const sink = { write: () => undefined };

/** An image the appender left behind: /logs with renamed.txt and file1..3.txt. */
async function written(): Promise<Uint8Array> {
  const s = GuestSession.start(readFileSync(APPENDER), { programName: 'appender', args: ['/data', '40', '4'], disk: { bytes: DISK }, stdout: sink, stderr: sink });
  expect(await s.run()).toEqual({ state: 'exited', exitCode: 0 });
  const image = Uint8Array.from(s.disk().read(0, DISK));
  s.dispose();
  return image;
}

/** Starts the appender on `image`; the error it was refused with, or null once it ran to its end. */
async function mount(image: Uint8Array, rounds = '5'): Promise<{ code: string; message: string } | null> {
  let s: GuestSession | undefined;
  try {
    s = GuestSession.start(readFileSync(APPENDER), { programName: 'appender', args: ['/data', rounds, '4'], disk: { image }, stdout: sink, stderr: sink });
  } catch (err) {
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  try {
    // On a damaged image that mounted, the guest may fail (its files are odd), never the VMM.
    await s.run({ stopAfter: 50_000_000n });
    return null;
  } finally {
    s.dispose();
  }
}

type Damage = (img: Image) => void;

const damages: [string, Damage, RegExp][] = [
  ['inode 0 in use', (i) => i.b.writeUInt16LE(4, i.inode(0)), /inode 0 is in use/],
  ['a metadata block marked free', (i) => i.setFree(i.inodeStart), /metadata block \d+ is marked free/],
  ['an inode of an unknown type', (i) => i.b.writeUInt16LE(7, i.inode(i.named(ROOT, 'logs').ino)), /has an unknown type/],
  ['a file larger than a file can be', (i) => i.setSize(fileOf(i), 1n << 40n), /larger than a file can be/],
  ['a directory with holes', (i) => i.setSize(logsOf(i), BigInt(64 * 1024 * 1024)), /directory with holes/],
  ['a directory of a partial record', (i) => i.setSize(ROOT, BigInt(i.size(ROOT) + 3)), /directory of a partial record/],
  ['a block beyond the disk', (i) => i.setDirect(fileOf(i), 0, i.blocks + 5), /outside the data blocks/],
  ['a block among the inode blocks', (i) => i.setDirect(fileOf(i), 0, i.inodeStart), /outside the data blocks/],
  ['a block marked free', (i) => i.setFree(i.direct(fileOf(i), 0)), /which is marked free/],
  ['a block shared by two files', (i) => { const [a, b] = filesOf(i); i.setDirect(b, 0, i.direct(a, 0)); }, /is named twice/],
  ['a block past the file size', (i) => i.setSize(fileOf(i), 0n), /past its size/],
  ['a record naming an inode beyond the table', (i) => i.b.writeUInt32LE(i.inodes + 3, i.named(logsOf(i), 'file2.txt').at), /names a free or missing inode/],
  ['a record naming a free inode', (i) => i.b.writeUInt32LE(i.inodes - 1, i.named(logsOf(i), 'file2.txt').at), /names a free or missing inode/],
  ['a record naming the root', (i) => i.b.writeUInt32LE(ROOT, i.named(logsOf(i), 'file2.txt').at), /names the root/],
  ['a name with a slash', (i) => { i.b[i.named(logsOf(i), 'file2.txt').at + 9] = 0x2f; }, /has a bad name/],
  ['an empty name', (i) => { i.b[i.named(logsOf(i), 'file2.txt').at + 4] = 0; }, /has a bad name/],
  ['a name longer than a record holds', (i) => { i.b[i.named(logsOf(i), 'file2.txt').at + 4] = 200; }, /has a bad name/],
  ['a name ".."', (i) => { const r = i.named(logsOf(i), 'file2.txt').at; i.b[r + 4] = 2; i.b.write('..', r + 8, 'latin1'); }, /has a bad name/],
  ['a file with more links than names', (i) => i.setLinks(fileOf(i), 3), /has 3 links and 1 names/],
  ['a directory with a wrong link count', (i) => i.setLinks(logsOf(i), 5), /directory with 5 links, not 2/],
  ['a directory whose parent is another', (i) => i.setParent(logsOf(i), logsOf(i)), /names a directory whose parent is another/],
  ['a directory named twice', (i) => {
    const at = freeRecordOf(i, ROOT);
    i.b.writeUInt32LE(logsOf(i), at);
    i.b[at + 4] = 1;
    i.b[at + 8] = 0x78;
    // The root's link count agrees: the second name is all that is wrong.
    i.setLinks(ROOT, i.links(ROOT) + 1);
  }, /named 2 times/],
  ['a directory cycle cut off from the root', (i) => {
    const logs = logsOf(i);
    const rec = i.named(logs, 'file2.txt');
    // logs names itself instead of file2.txt (now an open-file orphan), and the root no longer names logs.
    i.setLinks(rec.ino, 0);
    i.b.writeUInt32LE(logs, rec.at);
    i.setParent(logs, logs);
    i.setLinks(logs, 3);
    i.b.writeUInt32LE(0, i.named(ROOT, 'logs').at);
    i.setLinks(ROOT, 2);
  }, /a directory the root does not reach/],
];

const logsOf = (i: Image) => i.named(ROOT, 'logs').ino;
const fileOf = (i: Image) => i.named(logsOf(i), 'file1.txt').ino;
const filesOf = (i: Image) => [i.named(logsOf(i), 'file1.txt').ino, i.named(logsOf(i), 'file3.txt').ino];

/** A free record of directory `dir` (one made so, for the test, if none is): its offset. */
function freeRecordOf(i: Image, dir: number): number {
  const free = i.records(dir).find((r) => r.ino === 0);
  if (free) return free.at;
  // Grow the directory by a record inside its first block.
  const at = i.direct(dir, 0) * BLOCK + i.size(dir);
  i.setSize(dir, BigInt(i.size(dir) + 64));
  return at;
}

describe.skipIf(missing)('hostile disk images', () => {
  it('the image as written mounts, and the appender goes on on it', async () => {
    expect(await mount(await written())).toBeNull();
  });

  for (const [name, damage, message] of damages) {
    it(`refuses ${name}`, async () => {
      const img = new Image(await written());
      damage(img);
      const refused = await mount(img.b);
      expect(refused?.code, refused?.message).toBe('WASMOTION_ERR_DISK_IMAGE');
      expect(refused!.message).toMatch(/^bad disk image: /);
      expect(refused!.message).toMatch(message);
    });
  }

  it('accepts what the file calls leave: a file and a directory removed while open, a directory made in the removed one', async () => {
    const h = new WasiHarness();
    const { vmm } = h.engine;
    const root = attachDisk(vmm, { bytes: DISK });
    const at = (text: string, ptr: number): [number, number] => {
      h.memory().set(Buffer.from(text), ptr);
      return [ptr, Buffer.byteLength(text)];
    };
    const open = (dir: number, path: string, oflags: number): number => {
      // A directory is opened without the right to write (EISDIR otherwise).
      const rights = oflags & 2 ? 0n : 0x1fffffffn;
      expect(h.call('path_open', dir, 0, ...at(path, 0x100), oflags, rights, rights, 0, 0x10)).toBe(Errno.success);
      return h.view().getUint32(0x10, true);
    };
    expect(h.call('path_create_directory', root, ...at('gone', 0x100))).toBe(Errno.success);
    const gone = open(root, 'gone', 2);
    const file = open(root, 'f', 1);
    // 5,000 bytes: the file holds two blocks.
    h.memory().fill(0x61, 0x1000, 0x1000 + 5000);
    h.view().setUint32(0x20, 0x1000, true);
    h.view().setUint32(0x24, 5000, true);
    expect(h.call('fd_write', file, 0x20, 1, 0x30)).toBe(Errno.success);
    expect(h.call('path_unlink_file', root, ...at('f', 0x100))).toBe(Errno.success);
    expect(h.call('path_remove_directory', root, ...at('gone', 0x100))).toBe(Errno.success);
    expect(h.call('path_create_directory', gone, ...at('inner', 0x100))).toBe(Errno.success);
    const image = Uint8Array.from(vmm.guestMemory(diskAddresses(vmm).base, DISK).read(0, DISK));
    const img = new Image(image);
    expect(img.records(ROOT).every((r) => r.ino === 0)).toBe(true);
    expect(await mount(image)).toBeNull();
  });

  it('refuses a damaged image held outside a checkpoint state, and keeps the disk for a sound one', async () => {
    const module = readFileSync(APPENDER);
    const s = GuestSession.start(module, { programName: 'appender', args: ['/data', '40', '4'], disk: { bytes: DISK }, stdout: sink, stderr: sink });
    expect((await s.run({ stopAfter: 300_000n })).state).toBe('stopped');
    const state = s.checkpointState({ diskImage: 'outside' });
    const memory = Uint8Array.from(s.memory().read(0, s.memoryBytes()));
    const sound = new Image(s.disk().read(0, DISK));
    s.dispose();
    const damaged = new Image(sound.b);
    damaged.setDirect(damaged.named(ROOT, 'logs').ino, 0, damaged.blocks + 1);
    for (const [img, ok] of [[damaged, false], [sound, true]] as const) {
      const next = GuestSession.prepare(module, { disk: { bytes: DISK }, stdout: sink, stderr: sink });
      next.ensurePages(memory.length / 65536);
      next.memory().write(0, memory);
      next.disk().write(0, img.b);
      if (ok) next.load(state);
      else expect(() => next.load(state)).toThrow(expect.objectContaining({ code: 'WASMOTION_ERR_BAD_CHECKPOINT', message: expect.stringMatching(/bad disk image: inode \d+ names block \d+, outside the data blocks/) }));
      next.dispose();
    }
  });

  it('random damage to the metadata and directories: refused with the image code, or mounted and run without breaking the VMM', async () => {
    const base = await written();
    const layout = new Image(base);
    // Superblock, bitmap, inode table and the first data blocks (the directories and the first file blocks).
    const span = (layout.dataStart + 8) * BLOCK;
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    let refused = 0;
    let mounted = 0;
    for (let round = 0; round < 60; round++) {
      const img = Buffer.from(base);
      const flips = 1 + (next() % 6);
      for (let k = 0; k < flips; k++) {
        // Mostly the inode table and directories, where the checks matter.
        const at = next() % 4 === 0 ? next() % span : layout.inodeStart * BLOCK + (next() % ((layout.dataStart + 8 - layout.inodeStart) * BLOCK));
        img[at] ^= 1 << (next() % 8);
      }
      const r = await mount(img, '2');
      if (r === null) mounted++;
      else {
        expect(r.code, r.message).toBe('WASMOTION_ERR_DISK_IMAGE');
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(refused + mounted).toBe(60);
  }, 120_000);
});
