/**
 * The VMM's abort handler. Reached only through a broken internal invariant
 * (STYLE.md 4): guests and malformed input are reported with status codes.
 */
@external("host", "vmm_abort")
declare function hostAbort(message: usize, file: usize, line: u32, column: u32): void;

export function vmmAbort(message: string | null = null, fileName: string | null = null, lineNumber: u32 = 0, columnNumber: u32 = 0): void {
  hostAbort(changetype<usize>(message), changetype<usize>(fileName), lineNumber, columnNumber);
  unreachable();
}
