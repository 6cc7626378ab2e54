/**
 * The abort handler of the standalone build (asconfig target "cli": `--use
 * abort=assembly/cli/fault/vmmFault`; vmm.wasm hands aborts to its embedder,
 * assembly/abort.ts). Reached only through a broken internal invariant: one
 * line on stderr, as the wasmotion CLI reports a VmmFault, and exit code 1.
 * Nothing of the VMM's state is trusted afterwards, so the line is built
 * without allocating.
 */
import { writeAll } from "./devices";
import { proc_exit } from "./preview1";

const EXIT_ERROR: u32 = 1;

/** Writes an AssemblyScript string (UTF-16) to stderr as ASCII, other characters as '?'. */
function writeText(s: string | null, fallback: string): void {
  let text = s ? s : fallback;
  let buf = memory.data(256);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    store<u8>(buf + n, c < 0x80 ? <u8>c : 0x3f);
    if (++n == 256) { writeAll(2, buf, n); n = 0; }
  }
  writeAll(2, buf, n);
}

function writeNumber(v: u32): void {
  let buf = memory.data(10);
  let n = 10;
  do { store<u8>(buf + --n, <u8>(0x30 + v % 10)); v /= 10; } while (v > 0);
  writeAll(2, buf + n, 10 - n);
}

export function vmmFault(message: string | null = null, file: string | null = null, line: u32 = 0, column: u32 = 0): void {
  writeText("wasmotion: VMM invariant broken: ", "");
  writeText(message, "abort");
  writeText(" at ", "");
  writeText(file, "?");
  writeText(":", "");
  writeNumber(line);
  writeText(":", "");
  writeNumber(column);
  writeText(" [WASMOTION_ERR_VMM_FAULT]\n", "");
  proc_exit(EXIT_ERROR);
  unreachable();
}
