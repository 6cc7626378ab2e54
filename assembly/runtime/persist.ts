import { ByteReader, ByteWriter } from "../checkpoint/bytes";
import { RefCodec, ownedBits } from "../checkpoint/refs";
import { growMemory } from "./memory";
import { tableGrow } from "../exec/bulk";
import { ModuleInst } from "./store";

/**
 * Save and restore of an instance's own globals, memory sizes, tables and
 * segment state. Memory bytes are not here: the embedder moves pages itself
 * (they are most of a checkpoint, and it reads them in place).
 *
 *   u32 global count,  then (u8 type, u64 value) per defined global
 *   u32 memory count,  then u32 pages per defined memory
 *   u32 table count,   then per defined table: u8 element type, u32 size,
 *                      u64 per element (a checkpoint reference, see refs.ts)
 *   u32 data count,    then u8 dropped per data segment
 *   u32 elem count,    then u8 dropped per element segment
 */

export function saveInstance(w: ByteWriter, inst: ModuleInst): string | null {
  let m = inst.module;
  let refs = new RefCodec(inst);
  w.u32(<u32>m.globals.length);
  for (let i = <i32>m.importedGlobals; i < inst.globals.length; i++) {
    let g = inst.globals[i];
    let bits = ownedBits(g.type, load<u64>(g.cell));
    if (!refs.canEncode(g.type, bits)) return "a global holds a function reference of another instance";
    w.u8(g.type);
    w.u64(refs.encode(g.type, bits));
  }
  w.u32(<u32>m.memories.length);
  for (let i = <i32>m.importedMemories; i < inst.memories.length; i++) w.u32(inst.memories[i].pages);
  w.u32(<u32>m.tables.length);
  for (let i = <i32>m.importedTables; i < inst.tables.length; i++) {
    let t = inst.tables[i];
    w.u8(t.elemType);
    w.u32(t.size);
    for (let k: u32 = 0; k < t.size; k++) {
      let bits = <u64>load<u32>(t.elements + (<usize>k << 2));
      if (!refs.canEncode(t.elemType, bits)) return "a table holds a function reference of another instance";
      w.u64(refs.encode(t.elemType, bits));
    }
  }
  w.u32(<u32>inst.datas.length);
  for (let i = 0; i < inst.datas.length; i++) w.u8(inst.datas[i].length == 0 && m.datas[i].length != 0 ? 1 : 0);
  w.u32(<u32>inst.elems.length);
  for (let i = 0; i < inst.elems.length; i++) w.u8(inst.elems[i].length == 0 && m.elems[i].length != 0 ? 1 : 0);
  return null;
}

/** Restores into an instance created without running its segments. */
export function restoreInstance(r: ByteReader, inst: ModuleInst): string | null {
  let m = inst.module;
  let refs = new RefCodec(inst);
  if (r.u32() != <u32>m.globals.length) return r.failed ? r.error : "the global count does not match the module";
  for (let i = <i32>m.importedGlobals; i < inst.globals.length; i++) {
    let g = inst.globals[i];
    let t = <u8>r.u8();
    let v = r.u64();
    if (r.failed) return r.error;
    if (t != g.type) return "a global's type does not match the module";
    if (!refs.canDecode(t, v)) return "a function reference names no function";
    store<u64>(g.cell, refs.decode(t, v));
  }
  if (r.u32() != <u32>m.memories.length) return r.failed ? r.error : "the memory count does not match the module";
  for (let i = <i32>m.importedMemories; i < inst.memories.length; i++) {
    let mem = inst.memories[i];
    let pages = r.u32();
    if (r.failed) return r.error;
    if (pages < mem.pages) return "a memory is smaller than the module's minimum";
    if (pages > mem.pages && growMemory(mem, pages - mem.pages) < 0) return "a memory is larger than this host allows";
  }
  if (r.u32() != <u32>m.tables.length) return r.failed ? r.error : "the table count does not match the module";
  for (let i = <i32>m.importedTables; i < inst.tables.length; i++) {
    let t = inst.tables[i];
    let elemType = r.u8();
    let size = r.count(8);
    if (r.failed) return r.error;
    if (elemType != t.elemType) return "a table's element type does not match the module";
    if (size < t.size) return "a table is smaller than the module's minimum";
    if (size > t.size && tableGrow(t, 0, size - t.size) < 0) return "a table is larger than its maximum";
    for (let k: u32 = 0; k < size; k++) {
      let v = r.u64();
      if (!refs.canDecode(t.elemType, v) || (t.elemType == 0x6f && v > 0xffffffff)) return "a table element names nothing";
      // SAFETY: k < size == t.size after the growth above.
      store<u32>(t.elements + (<usize>k << 2), <u32>refs.decode(t.elemType, v));
    }
    if (r.failed) return r.error;
  }
  if (r.u32() != <u32>inst.datas.length) return r.failed ? r.error : "the data segment count does not match the module";
  for (let i = 0; i < inst.datas.length; i++) if (r.u8() != 0) inst.datas[i].length = 0;
  if (r.u32() != <u32>inst.elems.length) return r.failed ? r.error : "the element segment count does not match the module";
  for (let i = 0; i < inst.elems.length; i++) if (r.u8() != 0) inst.elems[i].length = 0;
  return r.failed ? r.error : null;
}
