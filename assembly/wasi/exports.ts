/**
 * Entry points of the VMM's WASI layer, re-exported by assembly/index.ts.
 */
