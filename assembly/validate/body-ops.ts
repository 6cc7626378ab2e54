/**
 * Function bodies, continued: loads and stores (memory 0 must exist, the
 * alignment must not exceed the access size), memory.size/grow, the
 * reference instructions (ref.func needs a declared function), table
 * accesses, and the 0xfc instructions (saturating truncations, bulk memory,
 * table.init/copy/grow/size/fill, elem.drop, data.drop).
 */
import { ValType } from "../module/types";
import { isRefType } from "../module/types";
import { BodyValidator, applySig } from "./body";
import {
  E_ALIGNMENT, E_TYPE_MISMATCH, E_UNDECLARED_FUNC_REF, E_UNKNOWN_DATA, E_UNKNOWN_ELEM,
  E_UNKNOWN_FUNCTION, E_UNKNOWN_MEMORY, E_UNKNOWN_TABLE, unknownIndex,
} from "./messages";
import { MEMOPS, MEMOP_FIRST, MEMOP_LAST, TRUNC_SAT_SIGS } from "./opcodes";
import { FuncSet } from "./funcrefs";
import { UNKNOWN } from "./stacks";

const I32 = ValType.I32;

/** 0x28-0x3e loads and stores, 0x3f memory.size, 0x40 memory.grow. */
export function checkMemoryOp(v: BodyValidator, op: u32): void {
  let s = v.s;
  if (op > MEMOP_LAST) {
    v.byte(); // the reserved memory index byte, zero (checked by the decoder)
    if (!hasMemory(v)) return;
    if (op == 0x40) s.popExpect(I32);
    s.push(I32);
    return;
  }
  let align = v.u32();
  v.skipLeb(); // offset
  if (!hasMemory(v)) return;
  // SAFETY: MEMOP_FIRST <= op <= MEMOP_LAST (the caller's range and the test above).
  let info = unchecked(MEMOPS[op - MEMOP_FIRST]);
  if (align > ((info >> 8) & 0xff)) { s.error(E_ALIGNMENT); return; }
  let type = <u8>info;
  if (info >> 16) { // store
    s.popExpect(type);
    s.popExpect(I32);
  } else {
    s.popExpect(I32);
    s.push(type);
  }
}

function hasMemory(v: BodyValidator): bool {
  if (v.hasMemory) return true;
  v.s.error(unknownIndex(E_UNKNOWN_MEMORY, 0));
  return false;
}

/** 0xd0 ref.null, 0xd1 ref.is_null, 0xd2 ref.func. */
export function checkRefOp(v: BodyValidator, op: u32): void {
  let s = v.s;
  if (op == 0xd0) { s.push(<u8>v.byte()); return; }
  if (op == 0xd1) {
    let t = s.pop();
    if (t != UNKNOWN && !isRefType(t)) { s.error(E_TYPE_MISMATCH); return; }
    s.push(I32);
    return;
  }
  let x = v.u32();
  if (x >= <u32>v.m.funcTypeIndices.length) { s.error(unknownIndex(E_UNKNOWN_FUNCTION, x)); return; }
  let declared = changetype<FuncSet | null>(v.declared);
  if (declared && !declared.has(x)) { s.error(E_UNDECLARED_FUNC_REF); return; }
  s.push(ValType.FuncRef);
}

/** 0x25 table.get, 0x26 table.set. */
export function checkTableAccess(v: BodyValidator, op: u32): void {
  let s = v.s;
  let t = tableElem(v, v.u32());
  if (t == 0) return;
  if (op == 0x25) {
    s.popExpect(I32);
    s.push(t);
  } else {
    s.popExpect(t);
    s.popExpect(I32);
  }
}

/** Element type of table `x`, or 0 after reporting an unknown table. */
function tableElem(v: BodyValidator, x: u32): u8 {
  let tables = v.m.allTables;
  if (x >= <u32>tables.length) { v.s.error(unknownIndex(E_UNKNOWN_TABLE, x)); return 0; }
  // SAFETY: x < tables.length.
  return unchecked(tables[x]).elem;
}

/** Element type of element segment `x`, or 0 after reporting an unknown one. */
function elemType(v: BodyValidator, x: u32): u8 {
  let elems = v.m.elems;
  if (x >= <u32>elems.length) { v.s.error(unknownIndex(E_UNKNOWN_ELEM, x)); return 0; }
  // SAFETY: x < elems.length.
  return unchecked(elems[x]).type;
}

function hasData(v: BodyValidator, x: u32): bool {
  // The decoder made sure the data count section is there and matches datas.
  if (x < <u32>v.m.datas.length) return true;
  v.s.error(unknownIndex(E_UNKNOWN_DATA, x));
  return false;
}

function popI32s(v: BodyValidator, n: i32): void {
  for (let i = 0; i < n; i++) v.s.popExpect(I32);
}

/** The 0xfc instructions, by their sub-opcode. */
export function checkPrefixed(v: BodyValidator, sub: u32): void {
  let s = v.s;
  if (sub < 8) {
    // SAFETY: sub < 8 == TRUNC_SAT_SIGS.length.
    applySig(s, unchecked(TRUNC_SAT_SIGS[sub]));
    return;
  }
  switch (sub) {
    case 8: { // memory.init data 0
      let x = v.u32();
      v.byte();
      if (!hasMemory(v) || !hasData(v, x)) return;
      popI32s(v, 3);
      return;
    }
    case 9: hasData(v, v.u32()); return; // data.drop
    case 10: v.byte(); v.byte(); if (hasMemory(v)) popI32s(v, 3); return; // memory.copy
    case 11: v.byte(); if (hasMemory(v)) popI32s(v, 3); return; // memory.fill
    case 12: { // table.init elem table
      let y = v.u32();
      let t = tableElem(v, v.u32());
      if (t == 0) return;
      let e = elemType(v, y);
      if (e == 0) return;
      if (e != t) { s.error(E_TYPE_MISMATCH); return; }
      popI32s(v, 3);
      return;
    }
    case 13: elemType(v, v.u32()); return; // elem.drop
    case 14: { // table.copy dst src
      let dst = tableElem(v, v.u32());
      if (dst == 0) return;
      let src = tableElem(v, v.u32());
      if (src == 0) return;
      if (dst != src) { s.error(E_TYPE_MISMATCH); return; }
      popI32s(v, 3);
      return;
    }
    case 15: { // table.grow: [t i32] -> [i32]
      let t = tableElem(v, v.u32());
      if (t == 0) return;
      s.popExpect(I32);
      s.popExpect(t);
      s.push(I32);
      return;
    }
    case 16: if (tableElem(v, v.u32()) != 0) s.push(I32); return; // table.size
    case 17: { // table.fill: [i32 t i32] -> []
      let t = tableElem(v, v.u32());
      if (t == 0) return;
      s.popExpect(I32);
      s.popExpect(t);
      s.popExpect(I32);
      return;
    }
  }
  s.error(E_TYPE_MISMATCH); // not reached: the decoder rejects other sub-opcodes
}
