/**
 * The serving end of the binary command protocol a host shim drives a VMM
 * with on wasmtime (host-shim/vmm/wasmtime-binding.ts; docs/vmm.md has the
 * table): requests come in on stdin, replies go out on stdout, both FIFOs the
 * shim opened for the program. Every frame, both ways, is an 8-byte header
 * and a body:
 *
 *     0      1      2             4                       8
 *     +------+------+-------------+-----------------------+--------------+
 *     | op   | argc | index (u16) | body length (u32)     | body ...     |
 *     +------+------+-------------+-----------------------+--------------+
 *     little-endian; requests put op, argc and the export index in the
 *     header, replies put kind, fd and 0.
 *
 * Nothing here allocates: the fault handler sends its FAULT frame through it.
 */
import { writeAll } from "../io";

export const HEADER: usize = 8;

export const OP_CALL: u8 = 1;
export const OP_READ: u8 = 2;
export const OP_WRITE: u8 = 3;

export const RESULT: u8 = 1;
export const BYTES: u8 = 2;
export const CONSOLE: u8 = 3;
export const FAULT: u8 = 4;
export const READY: u8 = 5;

export const REQUESTS: u32 = 0;
export const REPLIES: u32 = 1;

let active = false;

/** Whether the program serves a host shim: guest output and faults become frames. */
export function serving(): bool { return active; }

export function startServing(): void { active = true; }

// @ts-ignore: decorator
@lazy const header = memory.data(8);

/** Sends one frame of `kind` with [ptr, ptr+len) as its body; false once the shim is gone. */
export function sendFrame(kind: u8, fd: u32, ptr: usize, len: usize): bool {
  store<u8>(header, kind);
  store<u8>(header, <u8>fd, 1);
  store<u16>(header, 0, 2);
  store<u32>(header, <u32>len, 4);
  return writeAll(REPLIES, header, HEADER) && writeAll(REPLIES, ptr, len);
}
