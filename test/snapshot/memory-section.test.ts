// The memory section built in the VMM (pages scanned and checksummed in place,
// with SIMD) must equal, byte for byte and checksum for checksum, the one the
// host builds by copying: the reader verifies with the host's checksum.
import { viewMemory } from '../../host-shim/vmm/guest-memory.js';
import { describe, expect, test } from 'vitest';
import { Vmm } from '../../host-shim/index.js';
import type { VmmExtern } from '../../host-shim/engine/vmm.js';
import { checksum } from '../../host-shim/snapshot/checksum.js';
import { memorySection } from '../../host-shim/snapshot/memory-section.js';
import { encodeMemory, PAGE } from '../../host-shim/snapshot/memory.js';
import { wat } from '../support/wat.js';

describe('memory section built in the VMM', () => {
  test('equals the copied encoding, full and diff, and its checksum is the host checksum', () => {
    const vmm = new Vmm();
    const guest = vmm.load(wat('(module (memory (export "memory") 8))'));
    const memory = guest.memory();
    let seed = 99;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed);
    for (let i = 0; i < 300; i++) memory[random() % memory.length] = 1 + (random() % 255);
    memory.fill(0, 3 * PAGE, 9 * PAGE); // a run of zero pages between data
    const addr = (guest.export('memory') as VmmExtern).address;
    const x = vmm.engine.vmm.x;
    const dirty = vmm.engine.vmm.bytes(x.memory_dirty(addr), memory.length / PAGE);
    dirty.fill(0);
    for (const p of [0, 4, 5, 17, 100, 127]) dirty[p] = 1;
    for (const diff of [false, true]) {
      const section = memorySection({ vmm: vmm.engine.vmm, memoryAddr: addr, memory: viewMemory(memory) }, diff);
      const joined = Buffer.concat(section.pieces);
      expect(section.length).toBe(joined.length);
      expect(Buffer.compare(joined, encodeMemory(memory, diff ? dirty : null))).toBe(0);
      expect(Buffer.from(section.checksum).toString('hex')).toBe(Buffer.from(checksum(joined)).toString('hex'));
    }
  });
});
