import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type EngineName } from '../../host-shim/engine/index.js';
import type { Engine } from '../../host-shim/engine/types.js';
import { decodeCase, decodeInput, loadGuestCorpus, type DecodeVerdict } from '../../tools/fuzz/mutate.js';

const VMM_PRESENT = existsSync(new URL('../../host-shim/engine/vmm.ts', import.meta.url));
const INPUTS = 2000;
const SEED = 20240611;

/**
 * In-process, so guest code that could hang (start functions, exports) is not
 * run here; `npm run fuzz` runs it in a child process under a watchdog.
 */
function fuzz(engine: Engine): { crashes: string[]; verdicts: Partial<Record<DecodeVerdict, number>> } {
  const guests = loadGuestCorpus();
  const crashes: string[] = [];
  const verdicts: Partial<Record<DecodeVerdict, number>> = {};
  for (let i = 0; i < INPUTS; i++) {
    const r = decodeCase(engine, decodeInput(SEED, i, guests), { run: false });
    if (r.crash) crashes.push(`input ${i}: ${r.crash}`);
    else verdicts[r.verdict!] = (verdicts[r.verdict!] ?? 0) + 1;
  }
  return { crashes, verdicts };
}

function decodeSuite(name: EngineName, present: boolean, why: string): void {
  describe.skipIf(!present)(`decoder fuzz: ${name}${present ? '' : ` (skipped: ${why})`}`, () => {
    let engine: Engine;
    beforeAll(async () => {
      engine = await createEngine(name);
    });
    afterAll(() => engine?.dispose());

    it(`ends ${INPUTS} mutated modules in a module, or a clean ModuleError/LinkError/GuestTrap`, () => {
      const { crashes, verdicts } = fuzz(engine);
      expect(crashes).toEqual([]);
      // The mutations must leave some modules loadable and break others both ways.
      expect(verdicts.malformed ?? 0).toBeGreaterThan(INPUTS / 10);
      expect(verdicts.invalid ?? 0).toBeGreaterThan(INPUTS / 50);
      expect((verdicts.instantiated ?? 0) + (verdicts.compiled ?? 0) + (verdicts.unlinkable ?? 0)).toBeGreaterThan(INPUTS / 100);
    });
  });
}

describe('mutated inputs', () => {
  it('are reproducible from seed and index', () => {
    expect(decodeInput(SEED, 7, [])).toEqual(decodeInput(SEED, 7, []));
    expect(decodeInput(SEED, 7, [])).not.toEqual(decodeInput(SEED, 8, []));
  });
});

decodeSuite('native', true, '');
decodeSuite('vmm', VMM_PRESENT, 'host-shim/engine/vmm.ts is absent');
