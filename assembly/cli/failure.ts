/**
 * How the standalone CLI fails: AssemblyScript has no exceptions, so a
 * fallible function records the first failure here and returns a sentinel;
 * main() reports it as the wasmotion CLI does (host-shim/cli/report.ts): one
 * line on stderr ending in the stable code, and the exit code for its kind.
 */
export const EXIT_ERROR: i32 = 1;
export const EXIT_USAGE: i32 = 2;
/** The guest stopped into a snapshot and can be resumed (BSD's EX_TEMPFAIL). */
export const EXIT_STOPPED: i32 = 75;
/** A guest trap ends the process as wasmtime reports one, like an abort signal. */
export const EXIT_TRAP: i32 = 134;

export class Failure {
  constructor(public code: string, public message: string, public exit: i32) {}

  /** The line the wasmotion CLI prints for this failure. */
  line(): string {
    let prefix = this.exit == EXIT_TRAP ? "guest trapped: " : "";
    return "wasmotion: " + prefix + this.message + " [" + this.code + "]\n";
  }
}

let first: Failure | null = null;

/** Records a failure; the first one recorded is the one reported. */
export function fail(code: string, message: string, exit: i32 = EXIT_ERROR): void {
  if (!first) first = new Failure(code, message, exit);
}

export function usageError(message: string): void { fail("WASMOTION_ERR_USAGE", message, EXIT_USAGE); }
export function snapshotError(code: string, message: string): void { fail(code, message, EXIT_ERROR); }
export function guestTrapped(message: string): void { fail("WASMOTION_ERR_TRAP", message, EXIT_TRAP); }

export function failed(): bool { return first != null; }
export function failure(): Failure { return first!; }
