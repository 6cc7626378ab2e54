/**
 * How the CLI ends: results on stdout, errors as one line on stderr with the
 * error's stable code, never a stack trace. Exit codes are documented in
 * docs/cli.md.
 */
import { GuestTrap, WasmotionError } from '../errors.js';

export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
/** The guest stopped into a snapshot and can be resumed (BSD's EX_TEMPFAIL: try again). */
export const EXIT_STOPPED = 75;
/** A guest trap ends the process as wasmtime does, like an abort signal. */
export const EXIT_TRAP = 134;

export function describeError(err: unknown): string {
  if (err instanceof WasmotionError) return `${err.message} [${err.code}]`;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof GuestTrap) return EXIT_TRAP;
  if (err instanceof WasmotionError && err.code === 'WASMOTION_ERR_USAGE') return EXIT_USAGE;
  return EXIT_ERROR;
}

export function reportError(err: unknown): number {
  const prefix = err instanceof GuestTrap ? 'guest trapped: ' : '';
  process.stderr.write(`wasmotion: ${prefix}${describeError(err)}\n`);
  return exitCodeFor(err);
}
