import { ExternKind, FuncType, Module } from "./types";

/**
 * A module's imports, exports and features as JSON, for the embedder, which
 * resolves imports by name and converts values by type. Types are given as
 * their binary codes.
 */
export function describeModule(m: Module): string {
  let s = '{"features":' + m.features.toString() + ',"imports":[';
  for (let i = 0; i < m.imports.length; i++) {
    let imp = m.imports[i];
    if (i > 0) s += ",";
    s += '{"module":' + quote(imp.module) + ',"name":' + quote(imp.name) + ',"kind":' + imp.kind.toString();
    if (imp.kind == ExternKind.Func) s += ',"type":' + funcType(m.types[imp.typeIndex]);
    else if (imp.kind == ExternKind.Global) s += ',"valtype":' + imp.global!.type.toString() + ',"mutable":' + (imp.global!.mutable ? "true" : "false");
    else if (imp.kind == ExternKind.Table) s += ',"elem":' + imp.table!.elem.toString() + limits(imp.table!.limits.min, imp.table!.limits.hasMax, imp.table!.limits.max);
    else s += limits(imp.memory!.min, imp.memory!.hasMax, imp.memory!.max);
    s += "}";
  }
  s += '],"exports":[';
  for (let i = 0; i < m.exports.length; i++) {
    let e = m.exports[i];
    if (i > 0) s += ",";
    s += '{"name":' + quote(e.name) + ',"kind":' + e.kind.toString();
    if (e.kind == ExternKind.Func) s += ',"type":' + funcType(m.funcType(e.index));
    else if (e.kind == ExternKind.Global) s += ',"valtype":' + m.allGlobals[e.index].type.toString();
    s += "}";
  }
  return s + "]}";
}

function limits(min: u32, hasMax: bool, max: u32): string {
  return ',"min":' + min.toString() + (hasMax ? ',"max":' + max.toString() : "");
}

function funcType(t: FuncType): string {
  let s = '{"params":[';
  for (let i = 0; i < t.params.length; i++) s += (i > 0 ? "," : "") + t.params[i].toString();
  s += '],"results":[';
  for (let i = 0; i < t.results.length; i++) s += (i > 0 ? "," : "") + t.results[i].toString();
  return s + "]}";
}

function quote(x: string): string {
  let s = '"';
  for (let i = 0; i < x.length; i++) {
    let c = x.charCodeAt(i);
    if (c == 0x22) s += '\\"';
    else if (c == 0x5c) s += "\\\\";
    else if (c < 0x20) s += "\\u" + c.toString(16).padStart(4, "0");
    else s += String.fromCharCode(c);
  }
  return s + '"';
}
