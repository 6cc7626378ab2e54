// `run --invoke` under vmm-cli.wasm on wasmtime against `wasmotion run
// --invoke`: arguments read the same way, results printed the same way,
// the same errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { wat } from '../support/wat.js';
import { onWasmtime, wasmotion, wasmtimeMissing } from './support.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmotion-invoke-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const missing = wasmtimeMissing();

const MODULE = `(module
  (func (export "divmod") (param i64 i64) (result i64 i64) (i64.div_s (local.get 0) (local.get 1)) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "floats") (param f32 f64 i32) (result f32 f64 i32 f64 f64)
    (local.get 0) (local.get 1) (local.get 2) (f64.const 1e21) (f64.const -0))
  (func (export "trap") unreachable)
  (func (export "spin") (loop (br 0)))
  (func (export "ref") (param externref) (result externref) (local.get 0)))`;

describe('vmm-cli.wasm run --invoke on wasmtime', () => {
  test('prints and refuses exactly as wasmotion run --invoke', (ctx) => {
    if (missing) return ctx.skip(missing);
    const path = join(tmp, 'calls.wasm');
    writeFileSync(path, wat(MODULE));
    const cases: [string[], number][] = [
      [['--invoke', 'divmod', path, '-17', '5'], 0],
      [['--invoke', 'divmod', path, '0x7fffffffffffffff', '-0x10'], 2],
      [['--invoke', 'divmod', path, '-9223372036854775808', '7'], 0],
      [['--invoke', 'divmod', path, '18446744073709551615', '7'], 0],
      [['--invoke', 'divmod', path, '-9223372036854775808', '-1'], 134],
      [['--invoke', 'floats', path, '0.1', '1e-7', '-2147483648'], 0],
      [['--invoke', 'floats', path, 'nan', 'inf', '4294967295'], 0],
      [['--invoke', 'floats', path, '0x10', '123456789.125', '+7'], 0],
      [['--invoke', 'floats', path, '1e-320', '5e-324', '-1'], 0],
      [['--invoke', 'floats', path, '2.5', '-.5', '4294967296'], 2],
      [['--invoke', 'floats', path, 'abc', '1', '1'], 2],
      [['--invoke', 'divmod', path, '1'], 2],
      [['--invoke', 'divmod', path, 'x', '1'], 2],
      [['--invoke', 'ref', path, 'null'], 2],
      [['--invoke', 'nope', path], 2],
      [['--invoke', 'trap', path], 134],
      [['--fuel', '1000', '--invoke', 'spin', path], 134],
      [['--invoke', 'divmod', '--snapshot-dir', join(tmp, 's'), path, '1', '2'], 2],
    ];
    for (const [args, code] of cases) {
      const ts = wasmotion(['run', ...args]);
      const vc = onWasmtime(['run', ...args], [tmp]);
      const what = args.join(' ');
      expect(ts.code, what).toBe(code);
      expect(vc.code, what).toBe(code);
      expect(vc.stdout.toString(), what).toBe(ts.stdout.toString());
      const tsErr = ts.stderr.toString();
      if (code === 134) expect(vc.stderr.toString().startsWith(tsErr), what).toBe(true);
      // A command-line error: commander's line, then each program's own usage text.
      else if (tsErr.startsWith('error: ')) expect(vc.stderr.toString().split('\n')[0], what).toBe(tsErr.split('\n')[0]);
      else expect(vc.stderr.toString(), what).toBe(tsErr);
    }
  });
});
