// build/vmm-cli.component.wasm, the WASI preview2 command component made by
// `jco new --wasi-command`: under `jco run` on Node, and under wasmtime's
// Python embedding when it is installed. WASI preview2's exit takes only
// success or failure, so every non-zero exit code arrives as 1; output is
// what `wasmotion run` prints, byte for byte.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CAT_INPUT } from '../guests/wasi-cases.js';
import { guests, jcoMissing, onWasmtime, root, underJco, vmmCliComponent, wasmotion, wasmtimeMissing } from './support.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmotion-component-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const hello = join(guests, 'hello.wasm');
const cat = join(guests, 'cat.wasm');
const compute = join(guests, 'compute.wasm');
const guestsMissing = existsSync(compute) && existsSync(hello) ? null : 'the guests are not built (npm run build:guests)';

describe('vmm-cli.component.wasm under jco run (Node)', () => {
  test('runs a guest with its arguments and stdin as wasmotion run does', (ctx) => {
    const missing = jcoMissing() ?? guestsMissing;
    if (missing) return ctx.skip(missing);
    const args = ['run', '--env', 'GREETING=hi', hello, '--', 'one', 'two words'];
    const ts = wasmotion(args);
    const c = underJco(args, [root]);
    expect(ts.code).toBe(0);
    expect(c.code, c.stderr.toString()).toBe(0);
    expect(c.stdout.equals(ts.stdout)).toBe(true);
    const catTs = wasmotion(['run', cat], CAT_INPUT);
    const catC = underJco(['run', cat], [root], CAT_INPUT);
    expect(catC.stdout.equals(catTs.stdout)).toBe(true);
    expect(catC.stderr.toString()).toBe('cat: 10000 bytes\n');
  });

  test('a non-zero exit code arrives as 1; a snapshot it writes resumes under wasmotion', (ctx) => {
    const missing = jcoMissing() ?? guestsMissing;
    if (missing) return ctx.skip(missing);
    const exit = underJco(['run', hello, '--', '--exit=3'], [root]);
    expect(exit.code).toBe(1);
    expect(exit.stdout.toString()).toContain('argv[1]=--exit=3');
    const whole = wasmotion(['run', compute]).stdout.toString('latin1');
    const dir = join(tmp, 'jco');
    const stop = underJco(['run', '--snapshot-dir', dir, '--stop-after', '150000', '--snapshot-every', '60000', compute], [root, tmp]);
    expect(stop.code, stop.stderr.toString()).toBe(1);
    expect(stop.stderr.toString()).toMatch(/^wasmotion: stopped after 150000 steps; snapshot 3 \(diff\)/);
    const rest = wasmotion(['resume', dir]);
    expect(rest.code, rest.stderr.toString()).toBe(0);
    expect(stop.stdout.toString('latin1') + rest.stdout.toString('latin1')).toBe(whole);
  });
});

describe('vmm-cli.component.wasm on wasmtime (Python embedding, WASI preview2)', () => {
  test('runs a guest, and resumes a snapshot that wasmotion wrote', (ctx) => {
    const missing = wasmtimeMissing() ?? (existsSync(vmmCliComponent) ? null : `${vmmCliComponent} is not built`) ?? guestsMissing;
    if (missing) return ctx.skip(missing);
    const args = ['run', hello, '--', 'x'];
    const ts = wasmotion(args);
    const c = onWasmtime(args, [root], undefined, vmmCliComponent);
    expect(c.code, c.stderr.toString()).toBe(0);
    expect(c.stdout.equals(ts.stdout)).toBe(true);
    const whole = wasmotion(['run', compute]).stdout.toString('latin1');
    const dir = join(tmp, 'wasmtime');
    const stop = wasmotion(['run', '--snapshot-dir', dir, '--stop-after', '120000', compute]);
    expect(stop.code).toBe(75);
    const rest = onWasmtime(['resume', dir], [root, tmp], undefined, vmmCliComponent);
    expect(rest.code, rest.stderr.toString()).toBe(0);
    expect(stop.stdout.toString('latin1') + rest.stdout.toString('latin1')).toBe(whole);
  });
});
