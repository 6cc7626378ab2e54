/**
 * Runs a WASI preview1 command under the VMM, whose own WASI layer
 * (assembly/wasi/) implements every call: nothing is passed through to
 * node:wasi. See host-shim/guest/session.ts for how a run proceeds.
 */
import { GuestSession, type SessionOptions } from '../guest/session.js';

export { WASI_MODULE } from '../guest/session.js';

export type WasiRunOptions = SessionOptions;

export interface WasiRunResult {
  /** proc_exit's code, or 0 when _start returned. */
  exitCode: number;
}

/**
 * Runs WASI command `bytes` (a module exporting _start) to its end. Resolves
 * with the exit code; rejects with ModuleError, LinkError (an import the
 * VMM's WASI does not offer), GuestTrap, or HostError (a sink or stdin failed).
 */
export async function runWasi(bytes: Uint8Array, options: WasiRunOptions = {}): Promise<WasiRunResult> {
  const session = GuestSession.start(bytes, options);
  try {
    const outcome = await session.run();
    if (outcome.state !== 'exited') throw new Error('unreachable: a run without stop conditions ended without exiting');
    return { exitCode: outcome.exitCode };
  } finally {
    session.dispose();
  }
}
