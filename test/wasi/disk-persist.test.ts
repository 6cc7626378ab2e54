// The disk in a checkpoint state: with the image inside (WASI state 1.2
// and 1.3), or held outside (1.3), where the guest that loads the state
// keeps the disk image already put into its VMM, as a migration's
// pre-copy or a snapshot's DISK sections put it there.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GuestSession } from '../../host-shim/guest/session.js';
import { cGuestWasmPath } from '../../tools/guests/layout.js';

const APPENDER = cGuestWasmPath('appender');
const ARGS = ['/data', '120', '4'];
const DISK = 1 << 20;
const missing = !existsSync(APPENDER);

function output() {
  const out = { text: '' };
  const sink = { write: (b: Uint8Array) => void (out.text += Buffer.from(b).toString()) };
  return { out, stdout: sink, stderr: sink };
}

/** The appender stopped after `steps`, with what it printed so far. */
async function stopped(steps: bigint) {
  const o = output();
  const s = GuestSession.start(readFileSync(APPENDER), { programName: 'appender', args: ARGS, disk: { bytes: DISK }, stdout: o.stdout, stderr: o.stderr });
  expect((await s.run({ stopAfter: steps })).state).toBe('stopped');
  return { s, o };
}

/** A prepared guest holding `memory` and, if given, a disk of `diskBytes` filled with `image`. */
function prepared(memory: Uint8Array, diskBytes: number | undefined, image: Uint8Array | undefined, o: ReturnType<typeof output>): GuestSession {
  const next = GuestSession.prepare(readFileSync(APPENDER), { stdout: o.stdout, stderr: o.stderr, disk: diskBytes ? { bytes: diskBytes } : undefined });
  next.ensurePages(memory.length / 65536);
  next.memory().write(0, memory);
  if (image) next.disk().write(0, image);
  return next;
}

/** The WASI state version in a checkpoint state of the appender run with ARGS: the u32 before its argv length. */
function wasiVersionAt(state: Uint8Array): number {
  const argv = ['appender', ...ARGS].reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
  const buf = Buffer.from(state);
  const needle = Buffer.alloc(8);
  needle.writeUInt32LE(1 | (3 << 16), 0);
  needle.writeUInt32LE(argv, 4);
  const at = buf.indexOf(needle);
  expect(at).toBeGreaterThan(0);
  expect(buf.indexOf(needle, at + 1)).toBe(-1);
  return at;
}

async function wholeRun(): Promise<{ text: string; steps: bigint }> {
  const o = output();
  const s = GuestSession.start(readFileSync(APPENDER), { programName: 'appender', args: ARGS, disk: { bytes: DISK }, stdout: o.stdout, stderr: o.stderr });
  await s.run();
  const steps = s.steps();
  s.dispose();
  return { text: o.out.text, steps };
}

describe.skipIf(missing)('the disk in a checkpoint state', () => {
  it('held outside: the state is small, and the guest loaded over the image already there ends as an unmoved one', async () => {
    const whole = await wholeRun();
    const { s, o } = await stopped(whole.steps / 2n);
    const outside = s.checkpointState({ diskImage: 'outside' });
    const inside = s.checkpointState();
    // The image (tens of KiB written here) is what the inside state has in addition.
    expect(inside.length - outside.length).toBeGreaterThan(8 * 4096);
    const memory = Uint8Array.from(s.memory().read(0, s.memoryBytes()));
    const image = Uint8Array.from(s.disk().read(0, DISK));
    s.dispose();
    const next = prepared(memory, DISK, image, o);
    next.load(outside);
    expect(await next.run()).toEqual({ state: 'exited', exitCode: 0 });
    next.dispose();
    expect(o.out.text).toBe(whole.text);
  });

  it('held outside: refused without a disk, with a disk of another size, and with a disk that holds no file system', async () => {
    const { s, o } = await stopped(200_000n);
    const outside = s.checkpointState({ diskImage: 'outside' });
    const memory = Uint8Array.from(s.memory().read(0, s.memoryBytes()));
    const image = Uint8Array.from(s.disk().read(0, DISK));
    s.dispose();
    const cases: [number | undefined, Uint8Array | undefined, RegExp][] = [
      [undefined, undefined, /the disk image is held outside the state, and no disk is present/],
      [DISK * 2, undefined, /the disk present has 512 blocks, the state says 256/],
      [DISK, undefined, /bad disk image: not a wasmotion disk image/],
    ];
    for (const [bytes, img, message] of cases) {
      const next = prepared(memory, bytes, img, o);
      let caught: unknown;
      try {
        next.load(outside);
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ code: 'WASMOTION_ERR_BAD_CHECKPOINT' });
      expect((caught as Error).message).toMatch(message);
      // Refused without side effects: the disk put there is still there, untouched.
      if (bytes === DISK) expect(next.disk().length).toBe(DISK);
      next.dispose();
    }
    // The same state loads once the image is there.
    const next = prepared(memory, DISK, image, o);
    next.load(outside);
    next.dispose();
  });

  it('a 1.2 state (the image inside) still restores, replacing whatever disk was there', async () => {
    const whole = await wholeRun();
    const { s, o } = await stopped(whole.steps / 3n);
    const state = s.checkpointState();
    const memory = Uint8Array.from(s.memory().read(0, s.memoryBytes()));
    s.dispose();
    const v12 = Uint8Array.from(state);
    const at = wasiVersionAt(v12);
    new DataView(v12.buffer).setUint32(at, 1 | (2 << 16), true);
    // The 1.3 layout with the image inside is the 1.2 layout: only the version differs.
    const next = prepared(memory, DISK, undefined, o);
    next.load(v12);
    expect(await next.run()).toEqual({ state: 'exited', exitCode: 0 });
    next.dispose();
    expect(o.out.text).toBe(whole.text);
  });

  it('a 1.2 state cannot say the image is held outside', async () => {
    const { s, o } = await stopped(200_000n);
    const outside = Uint8Array.from(s.checkpointState({ diskImage: 'outside' }));
    const memory = Uint8Array.from(s.memory().read(0, s.memoryBytes()));
    const image = Uint8Array.from(s.disk().read(0, DISK));
    s.dispose();
    new DataView(outside.buffer).setUint32(wasiVersionAt(outside), 1 | (2 << 16), true);
    const next = prepared(memory, DISK, image, o);
    expect(() => next.load(outside)).toThrow(/bad disk presence/);
    next.dispose();
  });
});
