// Stops and resumes across processes: each `wasmotion run|resume` is a fresh
// process; the guest's output, concatenated, equals one uninterrupted run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'wasmotion.js');
const guest = join(root, 'build', 'guests', 'compute.wasm');
const tmp = mkdtempSync(join(tmpdir(), 'wasmotion-snap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function wasmotion(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!existsSync(guest))('wasmotion run --snapshot-dir and resume', () => {
  test('a chain of stops in separate processes prints what one run prints', () => {
    const whole = wasmotion(['run', guest]);
    expect(whole.code).toBe(0);
    const dir = join(tmp, 'chain');
    let out = '';
    let r = wasmotion(['run', '--snapshot-dir', dir, '--stop-after', '150000', '--snapshot-every', '40000', guest]);
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/stopped after 150000 steps; snapshot \d+ \(diff\) in .*; continue with: wasmotion resume/);
    out += r.stdout;
    for (let i = 0; i < 3; i++) {
      r = wasmotion(['resume', dir, '--stop-after', '123457']);
      expect(r.code).toBe(75);
      out += r.stdout;
    }
    r = wasmotion(['resume', dir]);
    expect(r.code).toBe(0);
    out += r.stdout;
    expect(out).toBe(whole.stdout);
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.full.wms'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.diff.wms')).length).toBeGreaterThan(4);
  });

  test('a guest that finishes first exits as run does; misuse is refused clearly', () => {
    const dir = join(tmp, 'short');
    expect(wasmotion(['run', '--snapshot-dir', dir, '--stop-after', '999999999999', guest]).code).toBe(0);
    const again = wasmotion(['run', '--snapshot-dir', join(tmp, 'chain'), guest]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('WASMOTION_ERR_SNAPSHOT_CHAIN');
    const none = wasmotion(['resume', join(tmp, 'nothing-here')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('WASMOTION_ERR_SNAPSHOT');
    expect(wasmotion(['run', '--stop-after', '5', guest]).stderr).toContain('--stop-after and --snapshot-every need --snapshot-dir');
  });
});
