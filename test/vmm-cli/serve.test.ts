// `vmm-cli.wasm serve` on wasmtime: the VMM protocol of the wasmtime engine
// (docs/vmm.md) on stdin and stdout, fed whole here: the READY frame lists
// vmm.wasm's entry points, requests get their replies, and a malformed
// request ends the program with a FAULT frame that says what was wrong.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readModuleShape } from '../../host-shim/engine/native-shape.js';
import { onWasmtime, root, wasmtimeMissing } from './support.js';

const missing = wasmtimeMissing();

const CALL = 1, READ = 2, WRITE = 3;
const RESULT = 1, BYTES = 2, FAULT = 4, READY = 5;

function frame(op: number, body: Buffer, argc = 0, index = 0): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt8(op, 0);
  head.writeUInt8(argc, 1);
  head.writeUInt16LE(index, 2);
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

function slots(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), i * 8));
  return b;
}

function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32LE(v, i * 4));
  return b;
}

/** The frames in `out`, as kind and body. */
function frames(out: Buffer): { kind: number; body: Buffer }[] {
  const list: { kind: number; body: Buffer }[] = [];
  for (let at = 0; at < out.length; ) {
    const length = out.readUInt32LE(at + 4);
    list.push({ kind: out[at], body: out.subarray(at + 8, at + 8 + length) });
    at += 8 + length;
  }
  return list;
}

const serve = (requests: Buffer[]) => onWasmtime(['serve'], [], Buffer.concat(requests));

describe('vmm-cli.wasm serve on wasmtime', () => {
  test('announces exactly the entry points of vmm.wasm, in order, and answers calls, reads and writes', (ctx) => {
    if (missing) return ctx.skip(missing);
    const shape = readModuleShape(readFileSync(join(root, 'build', 'vmm.wasm')));
    const fromVmm = [...shape.exports].filter(([, t]) => t.kind === 'func').map(([name, t]) => ({ name, ...(t as { type: object }).type }));
    const probe = serve([]);
    expect(probe.code).toBe(0);
    const [ready] = frames(probe.stdout);
    expect(ready.kind).toBe(READY);
    const exports = JSON.parse(ready.body.toString()).exports as { name: string }[];
    expect(exports).toEqual(fromVmm);
    const index = (name: string) => exports.findIndex((e) => e.name === name);

    // vmm_alloc(16), and the pointer it gives is where the bytes go.
    const first = serve([frame(CALL, slots(16), 1, index('vmm_alloc'))]);
    const ptr = Number(frames(first.stdout)[1].body.readBigUInt64LE(0));
    expect(ptr).toBeGreaterThan(0);
    const ran = serve([
      frame(CALL, slots(16), 1, index('vmm_alloc')),
      frame(WRITE, Buffer.concat([u32s(ptr), Buffer.from('hello, VMM')])),
      frame(READ, u32s(ptr, 10)),
      frame(CALL, Buffer.alloc(0), 0, index('error_status')),
      frame(CALL, slots(ptr), 1, index('vmm_free')),
    ]);
    expect(ran.stderr.toString()).toBe('');
    expect(ran.code).toBe(0);
    const replies = frames(ran.stdout).slice(1);
    expect(replies.map((r) => r.kind)).toEqual([RESULT, RESULT, BYTES, RESULT, RESULT]);
    expect(Number(replies[0].body.readBigUInt64LE(0))).toBe(ptr);
    expect(replies[1].body.length).toBe(0);
    expect(replies[2].body.toString()).toBe('hello, VMM');
    expect(replies[3].body.readBigUInt64LE(0)).toBe(0n);
    // vmm_free returns nothing: an empty RESULT.
    expect(replies[4].body.length).toBe(0);
  }, 60_000);

  test('a malformed request or a range beyond VMM memory ends it with a FAULT frame and exit code 1', (ctx) => {
    if (missing) return ctx.skip(missing);
    const cases: [Buffer, string][] = [
      [frame(CALL, Buffer.alloc(0), 0, 9999), 'malformed CALL request: entry 9999 with 0 arguments in 0 bytes'],
      [frame(CALL, slots(1, 2), 2, 0), 'malformed CALL request: entry 0 with 2 arguments in 16 bytes'],
      [frame(READ, u32s(0xfffffff0, 64)), 'READ of 4294967280+64 is beyond VMM memory'],
      [frame(WRITE, Buffer.concat([u32s(0xffffff00), Buffer.alloc(512)])), 'WRITE of 4294967040+512 is beyond VMM memory'],
      [frame(READ, u32s(0)), 'malformed READ request: a body of 4 bytes'],
      [frame(9, Buffer.alloc(0)), 'unknown request 9'],
    ];
    for (const [request, message] of cases) {
      const ran = serve([request]);
      expect(ran.code, message).toBe(1);
      const replies = frames(ran.stdout);
      expect(replies.map((r) => r.kind)).toEqual([READY, FAULT]);
      expect(replies[1].body.toString()).toBe(message);
    }
  }, 120_000);

  test('serve takes no arguments', (ctx) => {
    if (missing) return ctx.skip(missing);
    const ran = onWasmtime(['serve', 'extra'], []);
    expect(ran.code).toBe(2);
    expect(ran.stdout.length).toBe(0);
    expect(ran.stderr.toString()).toMatch(/^error: too many arguments for 'serve'\. Expected 0 arguments but got 1\./);
  }, 60_000);
});
