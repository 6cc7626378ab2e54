/**
 * `vmm-cli.wasm serve`: the VMM for a host shim that runs it on the wasmtime
 * CLI (`wasmtime run build/vmm-cli.wasm serve`, stdin and stdout on FIFOs the
 * shim opened). It speaks the protocol tools/wasmtime/vmm-server.py speaks
 * for vmm.wasm on the Python embedding, with WASI preview1 only: the VMM's
 * devices are this build's own (clocks and randomness from WASI, guest
 * output as CONSOLE frames), and VMM memory is this program's memory.
 *
 *     requests                          replies (exactly one, after any CONSOLE)
 *     CALL  1  argc x 8-byte LE slots   RESULT 1  0 or 8 bytes (LE bits)
 *     READ  2  u32 ptr, u32 len         BYTES  2  the bytes
 *     WRITE 3  u32 ptr, then the bytes  RESULT 1  empty
 *                                       CONSOLE 3 (fd in byte 1) bytes, an event
 *                                       FAULT  4  UTF-8 message; the VMM is gone
 *                                       READY  5  JSON export list, first frame
 *
 * The program ends with status 0 at the end of its requests (the shim closed
 * them or died), with 1 after a FAULT frame.
 */
import { readFull } from "../io";
import { proc_exit } from "../preview1";
import { callExport, EXPORT_COUNT, EXPORT_LIST, hasResult, paramCount } from "./exports";
import {
  BYTES, FAULT, HEADER, OP_CALL, OP_READ, OP_WRITE, READY, REQUESTS, RESULT,
  sendFrame, startServing,
} from "./link";

const SLOT: usize = 8;
const MAX_SLOTS: usize = 8;
const EXIT_FAULT: u32 = 1;

// @ts-ignore: decorator
@lazy const request = memory.data(<i32>HEADER);
// @ts-ignore: decorator
@lazy const body = memory.data(<i32>(SLOT * MAX_SLOTS));

/** Sends a FAULT frame and ends the program: after a malformed request nothing that follows can be trusted. */
function fault(message: string): void {
  let text = String.UTF8.encode(message);
  sendFrame(FAULT, 0, changetype<usize>(text), text.byteLength);
  proc_exit(EXIT_FAULT);
}

/** Whether [ptr, ptr+len) lies in this program's memory, which is VMM memory. */
function inMemory(ptr: u32, len: u32): bool {
  return <u64>ptr + <u64>len <= (<u64>memory.size() << 16);
}

function call(index: i32, argc: i32, length: u32): void {
  if (index >= EXPORT_COUNT || argc != paramCount(index) || length != <u32>argc * <u32>SLOT) {
    fault("malformed CALL request: entry " + index.toString() + " with " + argc.toString() + " arguments in " + length.toString() + " bytes");
    return;
  }
  if (length > 0 && !readFull(REQUESTS, body, length)) return;
  let bits = callExport(index, body);
  store<u64>(body, bits);
  sendFrame(RESULT, 0, body, hasResult(index) ? SLOT : 0);
}

function read(length: u32): void {
  if (length != 8) { fault("malformed READ request: a body of " + length.toString() + " bytes"); return; }
  if (!readFull(REQUESTS, body, 8)) return;
  let ptr = load<u32>(body);
  let len = load<u32>(body, 4);
  if (!inMemory(ptr, len)) { fault("READ of " + ptr.toString() + "+" + len.toString() + " is beyond VMM memory"); return; }
  sendFrame(BYTES, 0, <usize>ptr, <usize>len);
}

function write(length: u32): void {
  if (length < 4) { fault("malformed WRITE request: a body of " + length.toString() + " bytes"); return; }
  if (!readFull(REQUESTS, body, 4)) return;
  let ptr = load<u32>(body);
  let len = length - 4;
  if (!inMemory(ptr, len)) { fault("WRITE of " + ptr.toString() + "+" + len.toString() + " is beyond VMM memory"); return; }
  // SAFETY: [ptr, ptr+len) is inside memory (checked above); the shim, the VMM's embedder, decides what goes where.
  if (len > 0 && !readFull(REQUESTS, <usize>ptr, len)) return;
  sendFrame(RESULT, 0, 0, 0);
}

/** Serves requests until they end; returns the exit code. */
export function serveCommand(): i32 {
  startServing();
  let ready = String.UTF8.encode(EXPORT_LIST);
  if (!sendFrame(READY, 0, changetype<usize>(ready), ready.byteLength)) return 0;
  while (readFull(REQUESTS, request, HEADER)) {
    let op = load<u8>(request);
    let argc = <i32>load<u8>(request, 1);
    let index = <i32>load<u16>(request, 2);
    let length = load<u32>(request, 4);
    if (op == OP_CALL) call(index, argc, length);
    else if (op == OP_READ) read(length);
    else if (op == OP_WRITE) write(length);
    else fault("unknown request " + op.toString());
  }
  return 0;
}
