/**
 * Constant expressions: global initializers, segment offsets and element
 * items. Only t.const, ref.null, ref.func and global.get of an immutable
 * imported global may occur ("constant expression required"; the 2.0 suite
 * rejects global.get of a global the module defines as "unknown global"), and
 * the expression must leave exactly one value of the expected type.
 * ref.func indices are added to the module's declared-function set.
 */
import { Reader } from "../binary/reader";
import { Status, fail } from "../errors";
import { ConstExpr, Module } from "../module/types";
import { FuncSet } from "./funcrefs";
import {
  E_CONST_REQUIRED, E_TYPE_MISMATCH, E_UNKNOWN_FUNCTION, E_UNKNOWN_GLOBAL, unknownIndex,
} from "./messages";

/**
 * Checks `e` yields one value of type `expected`. Returns false after
 * recording the error with fail(). `declared` collects ref.func targets.
 */
export function checkConstExpr(m: Module, r: Reader, e: ConstExpr, expected: u8, declared: FuncSet): bool {
  r.pos = r.base + e.start;
  r.end = r.base + e.end;
  // As the reference interpreter: constness first, in order; typing errors
  // (an unknown function, the wrong result) only if everything is constant.
  let deferred: string | null = null;
  let deferredAt: u32 = 0;
  let count = 0;
  let type: u8 = 0;
  while (!r.atEnd()) {
    let at = <u32>(r.pos - r.base);
    let op = r.u8();
    let t: u8 = 0;
    switch (op) {
      case 0x0b: continue; // the final end: the decoder made sure it is last
      case 0x41: r.i32(); t = 0x7f; break;
      case 0x42: r.i64(); t = 0x7e; break;
      case 0x43: r.f32bits(); t = 0x7d; break;
      case 0x44: r.f64bits(); t = 0x7c; break;
      case 0xd0: t = <u8>r.u8(); break;
      case 0xd2: {
        let x = r.u32();
        if (x >= <u32>m.funcTypeIndices.length) {
          if (deferred === null) { deferred = unknownIndex(E_UNKNOWN_FUNCTION, x); deferredAt = at; }
        } else declared.add(x);
        t = 0x70;
        break;
      }
      case 0x23: {
        let x = r.u32();
        if (x >= m.importedGlobals) { fail(Status.Invalid, unknownIndex(E_UNKNOWN_GLOBAL, x), at); return false; }
        // SAFETY: x < importedGlobals <= allGlobals.length.
        let g = unchecked(m.allGlobals[x]);
        if (g.mutable) { fail(Status.Invalid, E_CONST_REQUIRED, at); return false; }
        t = g.type;
        break;
      }
      default: fail(Status.Invalid, E_CONST_REQUIRED, at); return false;
    }
    if (r.failed) { fail(Status.Invalid, E_CONST_REQUIRED, at); return false; }
    count++;
    type = t;
  }
  if (deferred !== null) { fail(Status.Invalid, deferred, deferredAt); return false; }
  if (count != 1 || type != expected) { fail(Status.Invalid, E_TYPE_MISMATCH, e.start); return false; }
  return true;
}
