/**
 * vmm-cli.wasm: the wasmotion VMM as a standalone WASI command (asconfig
 * target "cli"). It needs nothing but WASI preview1 from its host, runs a
 * guest with the VMM's own WASI, and prints what `wasmotion run` and
 * `wasmotion resume` print, with the same exit codes (docs/cli.md), reading
 * and writing the same snapshot directories (docs/snapshot-format.md).
 *
 *   wasmtime run --dir . build/vmm-cli.wasm run GUEST.wasm -- ARGS
 *   wasmtime run --dir . build/vmm-cli.wasm run --snapshot-dir D --stop-after N GUEST.wasm
 *   wasmtime run --dir . build/vmm-cli.wasm resume D
 *   wasmtime run build/vmm-cli.wasm serve  <requests >replies   (a host shim's VMM)
 *
 * The top-level statements below are the program (`_start`).
 */
import "./fault"; // the abort handler of this build (asconfig "use": abort=...)
import { parseCommandLine, programArgs, USAGE } from "./args";
import { EXIT_TRAP, EXIT_USAGE, failed, failure } from "./failure";
import { proc_exit } from "./preview1";
import { resumeCommand, runCommand } from "./commands";
import { serveCommand } from "./serve/serve";
import { STDERR, STDOUT, print } from "./text";

function main(): i32 {
  let argv = programArgs();
  let line = parseCommandLine(argv.length > 0 ? argv.slice(1) : argv);
  if (line.help && line.error.length == 0) { print(STDOUT, USAGE); return 0; }
  if (line.error.length > 0) { print(STDERR, "error: " + line.error + "\n\n" + USAGE); return EXIT_USAGE; }
  if (line.command == "serve") return serveCommand();
  let code = line.command == "run" ? runCommand(line) : resumeCommand(line);
  if (!failed()) return code;
  let f = failure();
  print(STDERR, f.line());
  return f.exit;
}

let code = main();
// WASI hosts take exit codes up to 125 (wasmtime refuses more); a trap is how
// wasmtime itself ends with 134, so a guest trap ends this program with one.
if (code == EXIT_TRAP) unreachable();
if (code != 0) proc_exit(<u32>code);

/**
 * The allocator a WASI component adapter uses for its own state (`jco new
 * --wasi-command`): taken from the VMM's heap, so that nothing grows memory
 * under the heap before it is set up. Blocks are 16-byte aligned.
 */
export function cabi_realloc(oldPtr: usize, oldLen: usize, align: usize, newLen: usize): usize {
  return oldPtr ? heap.realloc(oldPtr, newLen) : heap.alloc(newLen);
}
