/**
 * Writes assembly/cli/serve/exports.ts from build/vmm.wasm: the table by
 * which `vmm-cli.wasm serve` calls the VMM's entry points by index, as a host
 * shim asks for them (host-shim/vmm/wasmtime-binding.ts), and the export list
 * its READY frame announces. vmm.wasm's own export section is the source, so
 * the served VMM offers exactly what vmm.wasm offers, in the same order.
 *
 *   node dist/tools/wasmtime/serve-exports.js      (npm run build:vmm-cli runs it)
 *
 * The file is rewritten only when it would change.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModuleShape } from '../../host-shim/engine/native-shape.js';
import type { ValType } from '../../host-shim/engine/types.js';
import { repoRoot } from '../guests/layout.js';

interface Entry {
  name: string;
  params: ValType[];
  results: ValType[];
}

/** The most arguments one CALL frame carries (its argc byte; the shim's call buffer holds 8). */
export const MAX_ARGS = 8;

function entries(vmmWasm: Uint8Array): Entry[] {
  const list: Entry[] = [];
  for (const [name, type] of readModuleShape(vmmWasm).exports) {
    if (type.kind !== 'func') continue;
    const { params, results } = type.type;
    for (const t of [...params, ...results]) {
      if (t !== 'i32' && t !== 'i64' && t !== 'f32' && t !== 'f64') throw new Error(`vmm.wasm export ${name} has a ${t}, which a CALL frame cannot carry`);
    }
    if (params.length > MAX_ARGS || results.length > 1) throw new Error(`vmm.wasm export ${name} has ${params.length} parameters and ${results.length} results: a CALL frame carries up to ${MAX_ARGS} and 1`);
    list.push({ name, params, results });
  }
  return list;
}

/** The call of one entry, its arguments loaded from their 8-byte slots at `args`. */
function call(e: Entry): string {
  const args = e.params.map((t, i) => `load<${t}>(args, ${i * 8})`);
  const indirect = (t: string) => `call_indirect<${t}>(vmm.${e.name}.index${args.map((a) => `, ${a}`).join('')})`;
  const result = e.results[0];
  if (result === undefined) return `{ ${indirect('void')}; return 0; }`;
  if (result === 'i32') return `return <u64>${indirect('u32')};`;
  if (result === 'i64') return `return <u64>${indirect('i64')};`;
  if (result === 'f32') return `return <u64>reinterpret<u32>(${indirect('f32')});`;
  return `return reinterpret<u64>(${indirect('f64')});`;
}

export function serveExportsSource(vmmWasm: Uint8Array): string {
  const list = entries(vmmWasm);
  const json = JSON.stringify({ exports: list });
  return `// Generated from build/vmm.wasm by tools/wasmtime/serve-exports.ts (npm run build:vmm-cli): do not edit.
/**
 * vmm.wasm's entry points (assembly/index.ts), by their index in its export
 * section, for \`vmm-cli.wasm serve\`: a CALL frame names one by index. Each is
 * called through the function table, exactly as an embedder calls the export,
 * with its arguments' bits from 8-byte slots.
 */
import * as vmm from "../../index";

export const EXPORT_COUNT: i32 = ${list.length};

/** The body of the READY frame: the entry points, as vmm-server.py lists vmm.wasm's. */
export const EXPORT_LIST = ${JSON.stringify(json)};

const PARAM_COUNTS: StaticArray<u8> = [${list.map((e) => e.params.length).join(', ')}];
const RESULT_COUNTS: StaticArray<u8> = [${list.map((e) => e.results.length).join(', ')}];

/** How many arguments entry \`index\` (below EXPORT_COUNT) takes. */
export function paramCount(index: i32): i32 { return PARAM_COUNTS[index]; }

/** Whether entry \`index\` (below EXPORT_COUNT) returns a value. */
export function hasResult(index: i32): bool { return RESULT_COUNTS[index] != 0; }

/** Calls entry \`index\` (below EXPORT_COUNT) with the argument slots at \`args\`; returns its result's bits (an i32 zero-extended). */
export function callExport(index: i32, args: usize): u64 {
  switch (index) {
${list.map((e, i) => `    case ${i}: ${call(e)}`).join('\n')}
  }
  return 0;
}
`;
}

function main(): void {
  const root = repoRoot();
  const vmmWasm = join(root, 'build', 'vmm.wasm');
  if (!existsSync(vmmWasm)) throw new Error(`${vmmWasm} is not built (npm run build:vmm)`);
  const out = join(root, 'assembly', 'cli', 'serve', 'exports.ts');
  const source = serveExportsSource(readFileSync(vmmWasm));
  if (!existsSync(out) || readFileSync(out, 'utf8') !== source) writeFileSync(out, source);
}

main();
