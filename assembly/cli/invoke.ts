/**
 * `run --invoke NAME GUEST.wasm ARGS`: calls one export of a guest without
 * imports and prints its results one per line, as host-shim/cli/run.ts
 * (invoke) does with the embedding API: arguments read as values.ts reads
 * them, results written as JavaScript's String() writes numbers.
 */
import { lastError } from "../errors";
import { call_begin, instance_new, instance_start, results_ptr } from "../index";
import { ValType } from "../module/types";
import { theStore } from "../runtime/store";
import { fail, usageError } from "./failure";
import { EngineOptions, KIND_FUNC, applyLimits, compile, exportOf, finishCall, instantiationError } from "./session";
import { STDOUT, jsonString, print } from "./text";

const SLOT: usize = 8;

function typeName(t: u8): string {
  switch (t) {
    case ValType.I32: return "i32";
    case ValType.I64: return "i64";
    case ValType.F32: return "f32";
    case ValType.F64: return "f64";
    case ValType.FuncRef: return "funcref";
    case ValType.ExternRef: return "externref";
    default: return "v128";
  }
}

/** An integer as values.ts takes it: [-+]?(0x[0-9a-f]+|digits); sets `magnitude`, `negative`; false if it is not one or passes 2^64. */
class Integer {
  magnitude: u64 = 0;
  negative: bool = false;
  tooLarge: bool = false;
}

function parseInteger(text: string): Integer | null {
  let r = new Integer();
  let i = 0;
  if (text.startsWith("-") || text.startsWith("+")) { r.negative = text.charCodeAt(0) == 0x2d; i = 1; }
  let radix: u64 = 10;
  if (text.length > i + 2 && text.charCodeAt(i) == 0x30 && (text.charCodeAt(i + 1) | 0x20) == 0x78) { radix = 16; i += 2; }
  if (i >= text.length) return null;
  for (; i < text.length; i++) {
    let c = text.charCodeAt(i) | (radix == 16 ? 0x20 : 0);
    let d: i32 = c >= 0x30 && c <= 0x39 ? c - 0x30 : radix == 16 && c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) return null;
    if (r.magnitude > (u64.MAX_VALUE - <u64>d) / radix) r.tooLarge = true;
    else r.magnitude = r.magnitude * radix + <u64>d;
  }
  return r;
}

function isSpace(c: i32): bool {
  return c == 0x20 || (c >= 0x09 && c <= 0x0d) || c == 0xa0 || c == 0xfeff || c == 0x2028 || c == 0x2029 || (c >= 0x2000 && c <= 0x200a) ||
    c == 0x1680 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/** JavaScript's Number(text) for the forms a command line gives: decimals, exponents, Infinity, 0x/0o/0b; NaN otherwise. */
function jsNumber(text: string): f64 {
  let a = 0, b = text.length;
  while (a < b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
  let t = text.substring(a, b);
  if (t.length == 0) return 0;
  if (t == "Infinity" || t == "+Infinity") return Infinity;
  if (t == "-Infinity") return -Infinity;
  if (t.length > 2 && t.charCodeAt(0) == 0x30) {
    let p = t.charCodeAt(1) | 0x20;
    let radix = p == 0x78 ? 16 : p == 0x6f ? 8 : p == 0x62 ? 2 : 0;
    if (radix) {
      let v: f64 = 0;
      for (let i = 2; i < t.length; i++) {
        let c = t.charCodeAt(i) | 0x20;
        let d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x7a ? c - 0x57 : 99;
        if (d >= radix) return NaN;
        v = v * radix + d;
      }
      return v;
    }
  }
  // [+-]? (digits [. digits?] | . digits) ([eE][+-]?digits)?
  let i = 0;
  if (t.charCodeAt(0) == 0x2b || t.charCodeAt(0) == 0x2d) i++;
  let digits = 0;
  while (i < t.length && t.charCodeAt(i) >= 0x30 && t.charCodeAt(i) <= 0x39) { i++; digits++; }
  if (i < t.length && t.charCodeAt(i) == 0x2e) {
    i++;
    while (i < t.length && t.charCodeAt(i) >= 0x30 && t.charCodeAt(i) <= 0x39) { i++; digits++; }
  }
  if (digits == 0) return NaN;
  if (i < t.length && (t.charCodeAt(i) | 0x20) == 0x65) {
    i++;
    if (i < t.length && (t.charCodeAt(i) == 0x2b || t.charCodeAt(i) == 0x2d)) i++;
    let exp = i;
    while (i < t.length && t.charCodeAt(i) >= 0x30 && t.charCodeAt(i) <= 0x39) i++;
    if (i == exp) return NaN;
  }
  return i == t.length ? parseFloat(t) : NaN;
}

/** The slot bits of argument `index` of type `t`, or false after a usage error. */
function parseArg(t: u8, text: string, index: i32, slot: usize): bool {
  let where = "argument " + (index + 1).toString() + " (" + typeName(t) + ")";
  if (t == ValType.I32 || t == ValType.I64) {
    let n = parseInteger(text);
    if (n == null) { usageError(where + ": " + jsonString(text) + " is not an integer"); return false; }
    let bits: u32 = t == ValType.I32 ? 32 : 64;
    let limitNeg: u64 = <u64>1 << (bits - 1);
    let fits = !n.tooLarge && (n.negative ? n.magnitude <= limitNeg : bits == 64 || n.magnitude < (<u64>1 << 32));
    if (!fits) { usageError(where + ": " + text + " does not fit in " + bits.toString() + " bits"); return false; }
    let v = n.negative ? 0 - n.magnitude : n.magnitude;
    store<u64>(slot, t == ValType.I32 ? <u64><u32>v : v);
    return true;
  }
  if (t == ValType.F32 || t == ValType.F64) {
    let v = text == "nan" ? NaN : text == "inf" ? Infinity : text == "-inf" ? -Infinity : jsNumber(text);
    if (isNaN(v) && text != "nan") { usageError(where + ": " + jsonString(text) + " is not a number"); return false; }
    if (t == ValType.F32) store<u64>(slot, <u64>reinterpret<u32>(<f32>v));
    else store<u64>(slot, reinterpret<u64>(v));
    return true;
  }
  usageError(where + ": values of type " + typeName(t) + " cannot be given on the command line");
  return false;
}

/** JavaScript's String(number), with NaN as "nan" (values.ts, formatResult). */
function formatNumber(v: f64): string {
  if (isNaN(v)) return "nan";
  if (v == 0) return "0";
  if (v == Infinity) return "Infinity";
  if (v == -Infinity) return "-Infinity";
  let s = v.toString();
  return s.endsWith(".0") ? s.substring(0, s.length - 2) : s;
}

function formatResult(t: u8, bits: u64): string {
  if (t == ValType.I32) return (<i32>bits).toString();
  if (t == ValType.I64) return (<i64>bits).toString();
  if (t == ValType.F32) return formatNumber(<f64>reinterpret<f32>(<u32>bits));
  if (t == ValType.F64) return formatNumber(reinterpret<f64>(bits));
  return (bits & 0xffffffff) == 0 ? "null" : "[object Object]";
}

/** The process exit code (0), or -1 after a failure. */
export function invokeCommand(ptr: usize, len: usize, name: string, args: Array<string>, options: EngineOptions): i32 {
  applyLimits(options);
  let id = compile(ptr, len);
  if (id < 0) return -1;
  let imports = theStore.modules[id].imports;
  // The embedding API's load() with no import object: every import is unknown.
  if (imports.length > 0) { fail("WASMOTION_ERR_UNLINKABLE", "unknown import: " + imports[0].module + "." + imports[0].name); return -1; }
  let inst = instance_new(id, 0, 0);
  if (inst < 0) { instantiationError(); return -1; }
  let start = instance_start(inst);
  if (start >= 0) {
    if (!call_begin(<u32>start)) { usageError(lastError.message); return -1; }
    if (!finishCall(options.fuel)) return -1;
  }
  let f = exportOf(inst, name);
  if (f < 0 || <u32>(f >> 32) != KIND_FUNC) { usageError("the guest exports no function named " + jsonString(name)); return -1; }
  let addr = <u32>(f & 0xffffffff);
  let type = theStore.funcs[addr].type;
  if (args.length != type.params.length) {
    let names = new Array<string>();
    for (let i = 0; i < type.params.length; i++) names.push(typeName(type.params[i]));
    usageError(name + " takes " + type.params.length.toString() + " arguments (" + (names.length > 0 ? names.join(", ") : "none") + "), got " + args.length.toString());
    return -1;
  }
  let slots = heap.alloc(<usize>(args.length > 0 ? args.length : 1) * SLOT);
  for (let i = 0; i < args.length; i++) {
    if (!parseArg(type.params[i], args[i], i, slots + <usize>i * SLOT)) { heap.free(slots); return -1; }
  }
  let base = call_begin(addr);
  if (!base) { heap.free(slots); usageError(lastError.message); return -1; }
  memory.copy(base, slots, <usize>args.length * SLOT);
  heap.free(slots);
  if (!finishCall(options.fuel)) return -1;
  let results = results_ptr();
  let out = "";
  for (let i = 0; i < type.results.length; i++) out += formatResult(type.results[i], load<u64>(results + <usize>i * SLOT)) + "\n";
  print(STDOUT, out);
  return 0;
}
