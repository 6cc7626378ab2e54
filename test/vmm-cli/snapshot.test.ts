// Snapshot directories shared by the two CLIs: a guest stopped by
// `wasmotion run` resumes under vmm-cli.wasm on wasmtime and the reverse,
// and what both print, concatenated, is what one uninterrupted run prints.
// Misuse and damaged directories give the same line and exit code in both.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { decode, encode, SectionId } from '../../host-shim/snapshot/format.js';
import { guests, onWasmtime, root, wasmotion, wasmtimeMissing, type Ran } from './support.js';

const guest = join(guests, 'compute.wasm');
const tmp = mkdtempSync(join(tmpdir(), 'wasmotion-vmmcli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const missing = wasmtimeMissing() ?? (existsSync(guest) ? null : `${guest} is not built (npm run build:guests)`);

const cli = (args: string[]): Ran => onWasmtime(args, [root, tmp]);

/** A copy of snapshot directory `dir` whose full snapshot's META has `baseline` (re-encoded, checksums and all). */
function withBaseline(dir: string, name: string, baseline: unknown): string {
  const to = copyOf(dir, name);
  const file = join(to, '000001.full.wms');
  const sections = decode(readFileSync(file), file);
  const meta = JSON.parse(Buffer.from(sections.get(SectionId.Meta)!).toString()) as Record<string, unknown>;
  meta.baseline = baseline;
  for (const f of readdirSync(to).filter((n) => n.endsWith('.diff.wms'))) rmSync(join(to, f));
  writeFileSync(file, encode([
    { id: SectionId.Meta, payload: Buffer.from(JSON.stringify(meta)) },
    { id: SectionId.State, payload: sections.get(SectionId.State)! },
    { id: SectionId.Memory, payload: sections.get(SectionId.Memory)! },
  ]));
  return to;
}

/** A copy of snapshot directory `dir` whose file `file` has its DISK section changed by `change` (undefined: dropped). */
function withDisk(dir: string, name: string, file: string, change: (disk: Buffer) => Buffer | undefined): string {
  const to = copyOf(dir, name);
  const path = join(to, file);
  const sections = decode(readFileSync(path), path);
  const disk = change(Buffer.from(sections.get(SectionId.Disk)!));
  const ids = [SectionId.Meta, SectionId.State, SectionId.Memory];
  writeFileSync(path, encode([...ids.map((id) => ({ id, payload: sections.get(id)! })), ...(disk ? [{ id: SectionId.Disk, payload: disk }] : [])]));
  return to;
}

/** A copy of snapshot directory `dir` under another name. */
function copyOf(dir: string, name: string): string {
  const to = join(tmp, name);
  cpSync(dir, to, { recursive: true });
  return to;
}

/** Runs each step with the CLI it names; returns everything the guest printed. */
function chain(dir: string, steps: ['ts' | 'cli', string[], number][]): string {
  let out = '';
  for (const [who, args, code] of steps) {
    const r = who === 'ts' ? wasmotion(args) : cli(args);
    expect(r.code, `${who} ${args.join(' ')}: ${r.stderr.toString()}`).toBe(code);
    if (code === 75) expect(r.stderr.toString()).toMatch(new RegExp(`^wasmotion: stopped after \\d+ steps; snapshot \\d+ \\((full|diff)\\) in ${dir}; continue with: wasmotion resume ${dir}\\n$`));
    out += r.stdout.toString('latin1');
  }
  return out;
}

describe('snapshots between wasmotion and vmm-cli.wasm on wasmtime', () => {
  test('wasmotion stops, vmm-cli resumes, and back, to the end of the guest', (ctx) => {
    if (missing) return ctx.skip(missing);
    const whole = wasmotion(['run', guest]).stdout.toString('latin1');
    const dir = join(tmp, 'ts-first');
    const out = chain(dir, [
      ['ts', ['run', '--snapshot-dir', dir, '--stop-after', '150000', '--snapshot-every', '40000', guest], 75],
      ['cli', ['resume', dir, '--stop-after', '123457'], 75],
      ['ts', ['resume', dir, '--stop-after', '123457', '--snapshot-every', '50000'], 75],
      ['cli', ['resume', dir], 0],
    ]);
    expect(out).toBe(whole);
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.full.wms'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.diff.wms')).length).toBeGreaterThan(5);
  });

  test('vmm-cli stops (with diffs on the way), wasmotion resumes, and back', (ctx) => {
    if (missing) return ctx.skip(missing);
    const whole = wasmotion(['run', guest]).stdout.toString('latin1');
    const dir = join(tmp, 'cli-first');
    const out = chain(dir, [
      ['cli', ['run', '--snapshot-dir', dir, '--stop-after', '200000', '--snapshot-every', '30000', guest], 75],
      ['ts', ['resume', dir, '--stop-after', '100000'], 75],
      ['cli', ['resume', dir, '--stop-after', '100000', '--snapshot-every', '25000'], 75],
      ['ts', ['resume', dir], 0],
    ]);
    expect(out).toBe(whole);
    expect(readdirSync(dir).filter((f) => f.endsWith('.diff.wms')).length).toBeGreaterThan(8);
  });

  test('a guest with a disk: its blocks in DISK sections, resumed by either CLI in turn, to the end of the guest', (ctx) => {
    const appender = join(guests, 'appender.wasm');
    if (missing) return ctx.skip(missing);
    if (!existsSync(appender)) return ctx.skip(`${appender} is not built (npm run build:guests)`);
    const args = ['/data', '200', '6'];
    const whole = wasmotion(['run', '--disk', '1MiB', appender, '--', ...args]).stdout.toString('latin1');
    expect(whole).toMatch(/checksum [0-9a-f]{8}\n$/);
    const dir = join(tmp, 'disk');
    const out = chain(dir, [
      ['ts', ['run', '--disk', '1MiB', '--snapshot-dir', dir, '--stop-after', '400000', '--snapshot-every', '150000', appender, '--', ...args], 75],
      ['cli', ['resume', dir, '--stop-after', '300000', '--snapshot-every', '100000'], 75],
      ['ts', ['resume', dir, '--stop-after', '300000', '--snapshot-every', '100000'], 75],
      ['cli', ['resume', dir], 0],
    ]);
    expect(out).toBe(whole);
    // Every file holds the disk apart from the state, the full one every written block, each diff fewer.
    const files = readdirSync(dir).filter((f) => f.endsWith('.wms')).sort();
    expect(files.length).toBeGreaterThan(6);
    const dataBlocks = files.map((f) => {
      const disk = decode(readFileSync(join(dir, f)), f).get(SectionId.Disk);
      expect(disk, f).toBeDefined();
      return Buffer.from(disk!).readUInt32LE(disk!.length - 12);
    });
    expect(Math.max(...dataBlocks.slice(1))).toBeLessThan(dataBlocks[0]);
  });

  test('the fuel left travels in the snapshot: out of fuel at the same step under either CLI', (ctx) => {
    if (missing) return ctx.skip(missing);
    const a = join(tmp, 'fuel-a');
    const b = join(tmp, 'fuel-b');
    expect(wasmotion(['run', '--fuel', '300000', '--snapshot-dir', a, '--stop-after', '100000', guest]).code).toBe(75);
    expect(cli(['run', '--fuel', '300000', '--snapshot-dir', b, '--stop-after', '100000', guest]).code).toBe(75);
    const ts = wasmotion(['resume', b]);
    const vc = cli(['resume', a]);
    expect(ts.code).toBe(134);
    expect(vc.code).toBe(134);
    expect(vc.stdout.equals(ts.stdout)).toBe(true);
    expect(vc.stderr.toString().startsWith(ts.stderr.toString())).toBe(true);
    expect(ts.stderr.toString()).toBe('wasmotion: guest trapped: out of fuel [WASMOTION_ERR_TRAP]\n');
  });

  test('the baseline travels in the snapshot: the guest sees the same features under either CLI', (ctx) => {
    const features = join(guests, 'features.wasm');
    if (missing) return ctx.skip(missing);
    if (!existsSync(features)) return ctx.skip(`${features} is not built (npm run build:guests)`);
    const whole = wasmotion(['run', features]);
    expect(cli(['run', features]).stdout.toString()).toBe(whole.stdout.toString());
    const dir = join(tmp, 'features');
    expect(wasmotion(['run', '--snapshot-dir', dir, '--stop-after', '10', features]).code).toBe(75);
    const wasm1 = withBaseline(dir, 'features-wasm1', { name: 'wasm1', features: ['mutable-globals'], capabilities: ['wasi-preview1'] });
    const ts = wasmotion(['resume', wasm1, '--stop-after', '1000000']);
    const vc = cli(['resume', wasm1, '--stop-after', '1000000']);
    expect(ts.code, ts.stderr.toString()).toBe(0);
    expect(vc.code, vc.stderr.toString()).toBe(0);
    expect(ts.stdout.toString()).toMatch(/^features 0x40: mutable-globals\n$/);
    expect(vc.stdout.toString()).toBe(ts.stdout.toString());
  });

  test('misuse and damaged directories: the same line on stderr and the same exit code', (ctx) => {
    if (missing) return ctx.skip(missing);
    const good = join(tmp, 'good');
    expect(wasmotion(['run', '--snapshot-dir', good, '--stop-after', '50000', '--snapshot-every', '20000', guest]).code).toBe(75);
    const damaged = join(tmp, 'damaged');
    expect(cli(['run', '--snapshot-dir', damaged, '--stop-after', '50000', '--snapshot-every', '20000', guest]).code).toBe(75);
    const diff = join(damaged, '000002.diff.wms');
    const bytes = readFileSync(diff);
    bytes[bytes.length - 20] ^= 1;
    writeFileSync(diff, bytes);
    const otherModule = join(tmp, 'other-module');
    expect(wasmotion(['run', '--snapshot-dir', otherModule, '--stop-after', '50000', guest]).code).toBe(75);
    writeFileSync(join(otherModule, 'module.wasm'), readFileSync(join(guests, 'hello.wasm')));
    const truncated = copyOf(good, 'truncated');
    writeFileSync(join(truncated, '000001.full.wms'), readFileSync(join(good, '000001.full.wms')).subarray(0, 20));
    const garbage = copyOf(good, 'garbage');
    writeFileSync(join(garbage, '000001.full.wms'), Buffer.alloc(100, 7));
    const foreign = copyOf(good, 'foreign');
    writeFileSync(join(foreign, '000002.diff.wms'), readFileSync(join(damaged, '000003.diff.wms')));
    const wasm1 = withBaseline(good, 'wasm1', { name: 'wasm1', features: ['mutable-globals'], capabilities: [] });
    const future = withBaseline(good, 'future', { name: 'wasm9', features: ['simd999', 'sign-ext'], capabilities: ['wasi-preview1'] });
    const malformed = withBaseline(good, 'malformed', { name: 'x', features: 'all', capabilities: [] });
    const nullBaseline = withBaseline(good, 'null-baseline', null);
    const notWasm = join(tmp, 'not.wasm');
    writeFileSync(notWasm, 'hello');
    const appender = join(guests, 'appender.wasm');
    const diskDir = join(tmp, 'good-disk');
    expect(wasmotion(['run', '--disk', '1MiB', '--snapshot-dir', diskDir, '--stop-after', '200000', '--snapshot-every', '80000', appender, '--', '/data', '200', '4']).code).toBe(75);
    const diskDropped = withDisk(diskDir, 'disk-dropped', '000003.diff.wms', () => undefined);
    const diskBadHeader = withDisk(diskDir, 'disk-bad-header', '000001.full.wms', (d) => (d.writeUInt32LE(512, 0), d));
    const diskTiny = withDisk(diskDir, 'disk-tiny', '000001.full.wms', (d) => (d.writeUInt32LE(5, 4), d));
    for (const f of readdirSync(diskTiny).filter((n) => n.endsWith('.diff.wms'))) rmSync(join(diskTiny, f));
    const cases: [string[], number, string?][] = [
      [['run', '--stop-after', '5', guest], 2],
      [['run', '--max-memory', 'lots', guest], 2],
      [['run', '--max-memory', '1000', guest], 2],
      [['run', '--fuel', '0', guest], 2],
      [['run', '--env', 'NOVALUE', guest], 2],
      [['run', join(tmp, 'missing.wasm')], 2],
      [['run', notWasm], 1],
      [['run', '--snapshot-dir', good, guest], 1],
      [['resume', join(tmp, 'nothing-here')], 1],
      [['resume', damaged], 1],
      [['resume', otherModule], 1],
      [['resume', truncated], 1],
      [['resume', garbage], 1],
      [['resume', foreign], 1],
      [['resume', wasm1], 1, 'outside wasm1 [WASMOTION_ERR_FEATURES_MISSING]'],
      [['resume', future], 1, 'cannot present wasm9: it lacks simd999 [WASMOTION_ERR_BASELINE_UNSUPPORTED]'],
      [['resume', malformed], 1, 'the baseline in its metadata is malformed [WASMOTION_ERR_SNAPSHOT_CORRUPT]'],
      [['resume', nullBaseline], 1, 'the baseline in its metadata is malformed [WASMOTION_ERR_SNAPSHOT_CORRUPT]'],
      [['resume', diskDropped], 1, 'holds a disk other than the snapshot before it [WASMOTION_ERR_SNAPSHOT_CHAIN]'],
      [['resume', diskBadHeader], 1, 'snapshot 1: disk: bad memory section [WASMOTION_ERR_SNAPSHOT_CORRUPT]'],
      [['resume', diskTiny], 1, 'snapshot 1: a disk of 5 blocks [WASMOTION_ERR_SNAPSHOT_CORRUPT]'],
    ];
    for (const [args, code, text] of cases) {
      const ts = wasmotion(args);
      const vc = cli(args);
      expect(ts.code, args.join(' ')).toBe(code);
      expect(vc.code, args.join(' ')).toBe(code);
      expect(vc.stderr.toString(), args.join(' ')).toBe(ts.stderr.toString());
      expect(vc.stdout.length).toBe(0);
      expect(ts.stderr.toString()).toMatch(/^wasmotion: .* \[WASMOTION_ERR_[A-Z_]+\]\n$/);
      if (text) expect(ts.stderr.toString(), args.join(' ')).toContain(text);
    }
  });
});
