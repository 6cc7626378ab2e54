/**
 * The command line of vmm-cli.wasm: `run` and `resume` with the options the
 * wasmotion CLI gives them (host-shim/cli/main.ts), read as commander reads
 * them: options anywhere before `--`, `--name value` or `--name=value`,
 * everything after `--` an argument; and `serve`, which takes nothing.
 */
import { args_get, args_sizes_get } from "./preview1";

export class CommandLine {
  command: string = "";
  positional: Array<string> = [];
  env: Array<string> = [];
  invoke: string | null = null;
  fuel: string | null = null;
  maxMemory: string | null = null;
  snapshotDir: string | null = null;
  stopAfter: string | null = null;
  snapshotEvery: string | null = null;
  help: bool = false;
  /** A commander-style error ("unknown option '--x'"), empty when the line parsed. */
  error: string = "";
}

/** The program's argv, argv[0] first. */
export function programArgs(): Array<string> {
  let sizes = memory.data(8);
  let out = new Array<string>();
  if (args_sizes_get(sizes, sizes + 4) != 0) return out;
  let argc = <usize>load<u32>(sizes);
  let bufSize = <usize>load<u32>(sizes, 4);
  let ptrs = heap.alloc(argc > 0 ? argc << 2 : 4);
  let buf = heap.alloc(bufSize > 0 ? bufSize : 1);
  if (args_get(ptrs, buf) == 0) {
    for (let i: usize = 0; i < argc; i++) {
      let p = <usize>load<u32>(ptrs + (i << 2));
      let end = p;
      while (load<u8>(end) != 0) end++;
      out.push(String.UTF8.decodeUnsafe(p, end - p));
    }
  }
  heap.free(ptrs);
  heap.free(buf);
  return out;
}

/** The options a command takes, each with its value's name (as commander prints it). */
function valueName(command: string, option: string): string | null {
  if (option == "--fuel") return "<steps>";
  if (option == "--max-memory") return "<size>";
  if (option == "--stop-after") return "<steps>";
  if (option == "--snapshot-every") return "<steps>";
  if (command != "run") return null;
  if (option == "--invoke") return "<name>";
  if (option == "--env") return "<KEY=VALUE>";
  if (option == "--snapshot-dir") return "<dir>";
  return null;
}

function setOption(c: CommandLine, option: string, value: string): void {
  if (option == "--env") c.env.push(value);
  else if (option == "--invoke") c.invoke = value;
  else if (option == "--fuel") c.fuel = value;
  else if (option == "--max-memory") c.maxMemory = value;
  else if (option == "--snapshot-dir") c.snapshotDir = value;
  else if (option == "--stop-after") c.stopAfter = value;
  else c.snapshotEvery = value;
}

/** -1, -.5, -2.5e3: an argument, not an option, as commander takes it (/^-\d*\.?\d+(e[+-]?\d+)?$/). */
function negativeNumber(a: string): bool {
  let i = 1, digits = 0;
  while (i < a.length && isDigit(a.charCodeAt(i))) i++;
  if (i < a.length && a.charCodeAt(i) == 0x2e) i++;
  while (i < a.length && isDigit(a.charCodeAt(i))) { i++; digits++; }
  if (digits == 0 && (i < 2 || a.charCodeAt(i - 1) == 0x2e || !isDigit(a.charCodeAt(i - 1)))) return false;
  if (i < a.length && a.charCodeAt(i) == 0x65) {
    i++;
    if (i < a.length && (a.charCodeAt(i) == 0x2b || a.charCodeAt(i) == 0x2d)) i++;
    let exp = i;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    if (i == exp) return false;
  }
  return i == a.length;
}

function isDigit(c: i32): bool { return c >= 0x30 && c <= 0x39; }

/** Parses argv after argv[0]. */
export function parseCommandLine(argv: Array<string>): CommandLine {
  let c = new CommandLine();
  if (argv.length == 0) { c.help = true; c.error = "missing command"; return c; }
  c.command = argv[0];
  if (c.command == "help" || c.command == "--help" || c.command == "-h") { c.command = ""; c.help = true; return c; }
  if (c.command != "run" && c.command != "resume" && c.command != "serve") { c.error = "unknown command '" + c.command + "'"; return c; }
  if (c.command == "serve") {
    if (argv.length > 1) c.error = "too many arguments for 'serve'. Expected 0 arguments but got " + (argv.length - 1).toString() + ".";
    return c;
  }
  let i = 1;
  for (; i < argv.length; i++) {
    let a = argv[i];
    if (a == "--") { i++; break; }
    if (a == "-h" || a == "--help") { c.help = true; return c; }
    if (a.length < 2 || a.charCodeAt(0) != 0x2d || negativeNumber(a)) { c.positional.push(a); continue; }
    let eq = a.indexOf("=");
    let option = eq > 0 && a.startsWith("--") ? a.substring(0, eq) : a;
    let name = valueName(c.command, option);
    if (name == null) { c.error = "unknown option '" + a + "'"; return c; }
    if (eq > 0 && option.length < a.length) { setOption(c, option, a.substring(eq + 1)); continue; }
    if (i + 1 >= argv.length) { c.error = "option '" + option + " " + name! + "' argument missing"; return c; }
    setOption(c, option, argv[++i]);
  }
  for (; i < argv.length; i++) c.positional.push(argv[i]);
  if (c.positional.length == 0) c.error = "missing required argument '" + (c.command == "run" ? "guest" : "dir") + "'";
  else if (c.command == "resume" && c.positional.length > 1) {
    c.error = "too many arguments for 'resume'. Expected 1 argument but got " + c.positional.length.toString() + ".";
  }
  return c;
}

export const USAGE = `Usage: vmm-cli.wasm <command> [options]

The wasmotion VMM as a WASI program: it runs a guest in its own interpreter
and reads and writes the snapshot directories of "wasmotion run".

Commands:
  run [options] <guest> [args...]   run a WASI command guest (arguments after --),
                                    or call one of its exports with --invoke
  resume [options] <dir>            continue a guest from its snapshot directory
  serve                             serve a wasmotion host shim: requests on stdin,
                                    replies on stdout (docs/vmm.md)

Options of run:
  --invoke <name>           call this export and print its results, one per line
  --env <KEY=VALUE>         set a variable in the guest environment (repeatable; empty by default)
  --fuel <steps>            trap with "out of fuel" after this many VMM steps
  --max-memory <size>       largest guest memory, e.g. 64MiB (default 1GiB)
  --snapshot-dir <dir>      directory for the guest's snapshots (must hold none yet)
  --stop-after <steps>      pause after this many VMM steps, write a snapshot and exit with 75
  --snapshot-every <steps>  write a diff snapshot every this many steps

Options of resume: --fuel, --max-memory, --stop-after, --snapshot-every (counted from the resume).

Paths are read through the directories the host opens for the program
(wasmtime run --dir DIR).
`;
