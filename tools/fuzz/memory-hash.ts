/**
 * The `memhash` function every generated module exports: an FNV-style hash of
 * all of linear memory, xor'ed with its page count. The Engine interface has no
 * way to read guest memory, so the guest hashes itself; both engines run the
 * same hash code, so only the memory contents decide the result.
 */
import { OP } from './opcodes.js';
import type { FunctionDef, ModuleWriter } from './wasm-writer.js';
import { CodeWriter } from './wasm-writer.js';

export function writeMemoryHash(writer: ModuleWriter): FunctionDef {
  const [i, end, h] = [0, 1, 2];
  const c = new CodeWriter();
  c.op(OP.memorySize, 0x00, OP.i32Const).s32(16).op(0x74, OP.localSet).u32(end); // end = size << 16
  c.op(OP.i64Const).s64(0xcbf29ce484222325n).op(OP.localSet).u32(h);
  c.op(OP.block, 0x40, OP.loop, 0x40);
  c.op(OP.localGet).u32(i).op(OP.localGet).u32(end).op(0x4f, OP.brIf, 1); // i >= end: exit
  c.op(OP.localGet).u32(h).op(OP.localGet).u32(i).op(0x29).memarg(3, 0).op(0x85); // h ^ load64(i)
  c.op(OP.i64Const).s64(0x100000001b3n).op(0x7e, OP.i64Const).s64(29n).op(0x89, OP.localSet).u32(h); // * prime, rotl 29
  c.op(OP.localGet).u32(i).op(OP.i32Const).s32(8).op(0x6a, OP.localSet).u32(i);
  c.op(OP.br, 0, OP.end, OP.end);
  c.op(OP.localGet).u32(h).op(OP.memorySize, 0x00, 0xad, 0x85); // h ^ i64(size)
  return { typeIndex: writer.addType({ params: [], results: ['i64'] }), locals: ['i32', 'i32', 'i64'], body: c.bytes };
}
