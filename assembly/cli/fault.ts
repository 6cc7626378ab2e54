/**
 * The abort handler of the standalone build (asconfig target "cli": `--use
 * abort=assembly/cli/fault/vmmFault`; vmm.wasm hands aborts to its embedder,
 * assembly/abort.ts). Reached only through a broken internal invariant: one
 * line on stderr, as the wasmotion CLI reports a VmmFault, and exit code 1;
 * serving a host shim, a FAULT frame with the same text instead. Nothing of
 * the VMM's state is trusted afterwards, so the line is built without
 * allocating.
 */
import { writeAll } from "./io";
import { proc_exit } from "./preview1";
import { FAULT, sendFrame, serving } from "./serve/link";

const EXIT_ERROR: u32 = 1;
const CAPACITY = 1024;
/** Room kept for the stable code at the end of the line. */
const TEXT = CAPACITY - 32;

// @ts-ignore: decorator
@lazy const line = memory.data(CAPACITY);
let used = 0;

/** Appends an AssemblyScript string (UTF-16) as ASCII, other characters as '?'; the rest of a full line is dropped. */
function writeText(s: string | null, fallback: string, limit: i32 = TEXT): void {
  let text = s ? s : fallback;
  for (let i = 0; i < text.length && used < limit; i++) {
    let c = text.charCodeAt(i);
    store<u8>(line + used++, c < 0x80 ? <u8>c : 0x3f);
  }
}

function writeNumber(v: u32): void {
  let digits = memory.data(10);
  let n = 10;
  do { store<u8>(digits + --n, <u8>(0x30 + v % 10)); v /= 10; } while (v > 0);
  for (; n < 10 && used < TEXT; n++) store<u8>(line + used++, load<u8>(digits + n));
}

export function vmmFault(message: string | null = null, file: string | null = null, lineNumber: u32 = 0, column: u32 = 0): void {
  let framed = serving();
  used = 0;
  writeText(framed ? "" : "wasmotion: ", "");
  writeText("VMM invariant broken: ", "");
  writeText(message, "abort");
  writeText(" at ", "");
  writeText(file, "?");
  writeText(":", "");
  writeNumber(lineNumber);
  writeText(":", "");
  writeNumber(column);
  if (framed) {
    sendFrame(FAULT, 0, line, used);
  } else {
    writeText(" [WASMOTION_ERR_VMM_FAULT]\n", "", CAPACITY);
    writeAll(2, line, used);
  }
  proc_exit(EXIT_ERROR);
  unreachable();
}
