/**
 * The WebAssembly 2.0 validator (without SIMD) of decoded modules, in the
 * order of the spec's reference interpreter: declarations, initializers and
 * segments, function bodies, start function, exports. Also recovers the
 * operand stack types at an instruction of a body, for checkpoints.
 */
import { Reader } from "../binary/reader";
import { Status, fail } from "../errors";
import { Module } from "../module/types";
import { BodyValidator, NO_STOP, Walk } from "./body";
import { stackError } from "./stacks";
import { FuncSet } from "./funcrefs";
import { checkDeclarations, checkExports, checkInitializers, checkStart, declareExports } from "./module";

/**
 * One validator, unmanaged and never freed, reused by every call: its stack
 * buffers keep their grown size. The VMM is single-threaded and neither entry
 * point re-enters the other.
 */
const VALIDATOR = new BodyValidator();

/**
 * Returns Status.Ok, or Status.Invalid with lastError holding the spec's
 * message and the module offset of the offending instruction or item
 * (Status.LimitExceeded for a body beyond the validator's stack limits).
 */
export function validateModule(m: Module): Status {
  if (!checkDeclarations(m)) return Status.Invalid;
  let declared = new FuncSet(<u32>m.funcTypeIndices.length);
  let r = new Reader(m.bytes, m.bytes + m.length);
  if (!checkInitializers(m, r, declared)) return Status.Invalid;
  declareExports(m, declared);
  let v = VALIDATOR;
  v.bind(m, declared);
  for (let i = 0, n = m.codes.length; i < n; i++) {
    if (v.walk(i, NO_STOP) == Walk.Failed) {
      return fail(v.s.limitHit ? Status.LimitExceeded : Status.Invalid, stackError, v.s.errorAt);
    }
  }
  v.bind(m, null); // drop the raw reference to `declared`
  if (!checkStart(m) || !checkExports(m)) return Status.Invalid;
  return Status.Ok;
}

/**
 * Operand stack types (value type bytes, bottom first) of function
 * `funcIndex` (index space, imports first) just before the instruction at
 * module offset `offset`; at the body's end offset, after its final `end`.
 * Returns null for an imported function, an offset outside the body or not at
 * an instruction boundary, or a body that does not validate up to there.
 * Types in unreachable code may be 0: not known (never executed).
 * The module is expected to have passed validateModule.
 */
export function operandTypesAt(m: Module, funcIndex: u32, offset: u32): StaticArray<u8> | null {
  if (funcIndex < m.importedFuncs) return null;
  let defIndex = funcIndex - m.importedFuncs;
  if (defIndex >= <u32>m.codes.length || defIndex >= <u32>m.funcs.length) return null;
  let code = m.codes[defIndex];
  if (offset < code.start || offset > code.end) return null;
  let v = VALIDATOR;
  v.bind(m, null);
  if (v.walk(<i32>defIndex, offset) != Walk.Stopped) return null;
  return v.s.snapshot();
}
