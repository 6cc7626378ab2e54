/**
 * Host capabilities: what a host offers guests besides wasm itself. Today
 * one: WASI preview1 as docs/wasi.md describes it (stdio, clocks, random,
 * poll, args and environment). A guest uses a capability by importing from
 * the module that provides it.
 */
export const CAPABILITIES = ['wasi-preview1'] as const;

export type Capability = (typeof CAPABILITIES)[number];

/** The import module through which a guest uses each capability. */
const IMPORT_MODULES: Record<string, Capability> = {
  wasi_snapshot_preview1: 'wasi-preview1',
};

/**
 * The capabilities a module uses, from the modules it imports from. Imports
 * from other modules (the VMM's own "wasmotion" feature query, or anything a
 * host cannot link) need no capability.
 */
export function capabilitiesUsed(importModules: Iterable<string>): Capability[] {
  const used = new Set<Capability>();
  for (const m of importModules) {
    const c = Object.hasOwn(IMPORT_MODULES, m) ? IMPORT_MODULES[m] : undefined;
    if (c) used.add(c);
  }
  return CAPABILITIES.filter((c) => used.has(c));
}
