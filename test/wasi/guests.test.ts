// Every WASI guest of test/guests/wasi-cases.ts under the VMM's own WASI,
// held to what node:wasi produces for the same program: byte for byte where
// the output is deterministic, line structure where it holds times or
// random draws. Guests the builder skipped are reported as skipped.
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runUnderNodeWasi } from '../guests/node-wasi.js';
import { CAT_INPUT, WASI_CASES, wasiMismatches, type WasiCase } from '../guests/wasi-cases.js';
import { runUnderVmm } from './vmm-wasi.js';

const exactOutput = (c: WasiCase) => typeof c.stdout === 'string' && typeof c.stderr === 'string';

describe('WASI guests: VMM against node:wasi', () => {
  for (const c of WASI_CASES) {
    it.skipIf(!existsSync(c.wasmPath))(c.name, async () => {
      const vmm = await runUnderVmm(c);
      const node = runUnderNodeWasi(c);
      expect(wasiMismatches(c, vmm)).toEqual([]);
      expect(wasiMismatches(c, node)).toEqual([]);
      expect(vmm.exit).toBe(node.exit);
      if (exactOutput(c)) {
        expect(vmm.stdout).toBe(node.stdout);
        expect(vmm.stderr).toBe(node.stderr);
      } else {
        expect(vmm.stdout.split('\n').length).toBe(node.stdout.split('\n').length);
        expect(vmm.stderr).toBe(node.stderr);
      }
    });
  }
});

const clock = WASI_CASES.find((c) => c.name.startsWith('clock:'))!;

describe.skipIf(!existsSync(clock.wasmPath))('WASI clocks under the VMM', () => {
  // The guest allows hosts a millisecond early (node:wasi's timers count whole milliseconds); the VMM owes the full sleep.
  it('nanosleep lasts at least as long as asked on the monotonic clock', async () => {
    const run = await runUnderVmm(clock);
    const micros = Number(/^monotonic delta us=(\d+)$/m.exec(run.stdout)?.[1]);
    expect(micros).toBeGreaterThanOrEqual(5000);
  });
});

const cat = WASI_CASES.find((c) => c.name.startsWith('cat: copies'))!;

/** CAT_INPUT in uneven pieces, each after a pause: the guest blocks on stdin between them. */
async function* trickle(): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < CAT_INPUT.length; ) {
    const n = 1 + ((at * 7919) % 3001);
    yield CAT_INPUT.subarray(at, at + n);
    at += n;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('WASI stdin from streams', () => {
  it.skipIf(!existsSync(cat.wasmPath))('cat copies input that arrives in pieces, blocking in between', async () => {
    const run = await runUnderVmm(cat, trickle());
    expect(wasiMismatches(cat, run)).toEqual([]);
  });

  it.skipIf(!existsSync(cat.wasmPath))('cat reads a Readable', async () => {
    const run = await runUnderVmm(cat, Readable.from([Buffer.from(CAT_INPUT.subarray(0, 5000)), Buffer.from(CAT_INPUT.subarray(5000))]));
    expect(wasiMismatches(cat, run)).toEqual([]);
  });
});
