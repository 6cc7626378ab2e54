/**
 * The WebAssembly spec suite, one test per top-level .wast file, against the
 * engine named by WASMOTION_SPEC_ENGINE (default: the VMM). SIMD files are not
 * listed: the VMM does not implement simd128.
 */
import { basename } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { EngineName } from '../../host-shim/engine/index.js';
import { isSimdFile, listWastFiles } from '../../tools/spec/paths.js';
import { formatFailures, runSpecFile } from '../../tools/spec/run-file.js';

const engine = (process.env.WASMOTION_SPEC_ENGINE ?? 'vmm') as EngineName;
/** Budget per file; commands still pending when it runs out count as failures. */
const timeLimitMs = Number(process.env.WASMOTION_SPEC_TIME_LIMIT_MS ?? 20_000);
const MAX_FAILURES_SHOWN = 40;

const files = listWastFiles().filter((f) => !isSimdFile(f));

describe(`spec suite on ${engine}`, () => {
  test.each(files.map((f) => [basename(f), f]))(
    '%s',
    async (_name, path) => {
      const result = await runSpecFile(path, { engine, timeLimitMs });
      const lines = formatFailures(result);
      const shown = lines.slice(0, MAX_FAILURES_SHOWN).join('\n');
      const more = lines.length > MAX_FAILURES_SHOWN ? `\n  ... and ${lines.length - MAX_FAILURES_SHOWN} more` : '';
      expect(result.failed, `${result.failed} failures:\n${shown}${more}`).toBe(0);
      // Some files hold only text-format assertions, all skipped: the file must still have been read.
      expect(result.passed + result.skipped).toBeGreaterThan(0);
    },
    timeLimitMs + 10_000,
  );
});
