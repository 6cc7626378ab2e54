/**
 * For `jco run --jco-import dist/tools/component/preopens.js`: preopens the
 * directories named in $WASMOTION_PREOPENS (separated by ':'), each under
 * its own path, as `wasmtime run --dir DIR` does. The WASI shim that jco run
 * hands a component (@bytecodealliance/preview2-shim 0.26) grants no
 * filesystem by default, and jco 1.35's `run` has no flag for preopens.
 *
 * The shim is found as jco finds it, so that this configures the very
 * module instance the component is linked against.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface FilesystemShim {
  _setPreopens(preopens: Record<string, string>): void;
}

const jco = createRequire(import.meta.url).resolve('@bytecodealliance/jco');
const shimPath = createRequire(jco).resolve('@bytecodealliance/preview2-shim/filesystem');
const shim = (await import(pathToFileURL(shimPath).href)) as FilesystemShim;
const dirs = (process.env.WASMOTION_PREOPENS ?? '').split(':').filter((d) => d.length > 0);
shim._setPreopens(Object.fromEntries(dirs.map((d) => [d, resolve(d)])));
