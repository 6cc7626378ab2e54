/**
 * The VMM on wasmtime: a process of its own runs the VMM, and this binding
 * drives it synchronously over two FIFOs with blocking reads and writes.
 * Guests run in worker threads, so blocking one costs nobody else. The
 * process is the wasmtime CLI running `build/vmm-cli.wasm serve` (the VMM as
 * a WASI program), or tools/wasmtime/vmm-server.py running vmm.wasm on
 * wasmtime's Python embedding (wasmtime-runner.ts chooses); both speak the
 * same protocol.
 *
 *   Node (this thread)                      the VMM's process (wasmtime)
 *     x.run(fuel) ── CALL idx args ─────────▶ run(fuel)
 *                 ◀──────────── CONSOLE fd bytes ─ console output (0..n)
 *                 ◀──────────────── RESULT bits ─
 *     read(p, n)  ── READ p n ──────────────▶
 *                 ◀──────────────── BYTES data ──
 *     write(p, d) ── WRITE p d ─────────────▶
 *                 ◀──────────────── RESULT ──────
 *
 * Frames are an 8-byte header (op or kind, argc or fd, u16 export index,
 * u32 body length) and a body; docs/vmm.md has the table. A FAULT reply
 * (the VMM trapped or aborted) or the end of the process poisons the binding
 * as VmmFault, as a trap of vmm.wasm does on V8.
 *
 * Start-up: the FIFOs become the process's stdin and stdout. Node opens
 * every end itself, each FIFO's read end first without blocking, so that no
 * open waits for a process that may never come; the process gets blocking
 * ends, and once it holds them Node drops its copies, so that the process's
 * end shows as end of file, and Node's as a broken pipe. A non-blocking
 * read end is kept until the READY frame is in, to wait for it with a limit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VmmFault } from '../errors.js';
import { POINTER_RESULTS, VmmBinding, defaultDevices, type VmmDevices, type VmmExports } from './binding.js';
import { chunkedMemory, type GuestMemory } from './guest-memory.js';
import { vmmRunner, vmmServerCommand, type WasmtimeRunner } from './wasmtime-runner.js';

const OP_CALL = 1;
const OP_READ = 2;
const OP_WRITE = 3;
const REPLY_RESULT = 1;
const REPLY_BYTES = 2;
const REPLY_CONSOLE = 3;
const REPLY_FAULT = 4;
const REPLY_READY = 5;
const HEADER = 8;
const SLOT = 8;

/** How long the process may take to start: wasmtime compiling the VMM on a cold cache. */
const START_TIMEOUT_MS = 120_000;

interface ExportShape {
  name: string;
  params: string[];
  results: string[];
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => Atomics.wait(sleeper, 0, 0, ms);

/** Closes `fd` when open; returns -1 for the variable that held it. */
function closeFd(fd: number): number {
  if (fd >= 0) {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
  }
  return -1;
}

export class WasmtimeBinding extends VmmBinding {
  readonly engine = 'wasmtime';
  readonly x: VmmExports;
  /** What runs the VMM's process. */
  readonly runner: WasmtimeRunner;
  private requests = -1;
  private replies = -1;
  /** The replies' non-blocking read end, until the READY frame is in. */
  private waiting = -1;
  private poisoned: VmmFault | undefined;
  private readonly head = Buffer.alloc(HEADER);
  private readonly call = Buffer.alloc(HEADER + 8 * SLOT);

  constructor(private readonly devices: VmmDevices = defaultDevices, runner: WasmtimeRunner = vmmRunner()) {
    super();
    this.runner = runner;
    const { command, args } = vmmServerCommand(runner);
    const dir = mkdtempSync(join(tmpdir(), 'wasmotion-vmm-'));
    let theirRequests = -1;
    let theirReplies = -1;
    try {
      const requestPath = join(dir, 'requests');
      const replyPath = join(dir, 'replies');
      const made = spawnSync('mkfifo', ['-m', '600', requestPath, replyPath]);
      if (made.status !== 0) throw new VmmFault(`cannot make the FIFOs to the wasmtime process: ${made.stderr?.toString().trim() || made.error?.message}`);
      // Each FIFO: a read end that cannot block, then its write end, then a blocking read end.
      const probe = openSync(requestPath, constants.O_RDONLY | constants.O_NONBLOCK);
      this.requests = openSync(requestPath, constants.O_WRONLY);
      theirRequests = openSync(requestPath, constants.O_RDONLY);
      closeFd(probe);
      this.waiting = openSync(replyPath, constants.O_RDONLY | constants.O_NONBLOCK);
      theirReplies = openSync(replyPath, constants.O_WRONLY);
      this.replies = openSync(replyPath, constants.O_RDONLY);
      // A command that cannot start shows as the end of the replies, below.
      const child = spawn(command, args, { stdio: [theirRequests, theirReplies, 'inherit'] });
      child.on('error', () => {});
      child.unref();
      // The process holds its ends now: its end of the replies is the only writer left.
      theirRequests = closeFd(theirRequests);
      theirReplies = closeFd(theirReplies);
      this.x = this.exportsOf(this.awaitReady(`${command} ${args.join(' ')}`));
      this.waiting = closeFd(this.waiting);
    } catch (err) {
      closeFd(theirRequests);
      closeFd(theirReplies);
      this.close();
      throw err;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Polls the non-blocking read end of the replies until the READY frame is in. */
  private awaitReady(what: string): ExportShape[] {
    const deadline = performance.now() + START_TIMEOUT_MS;
    const chunks: Buffer[] = [];
    let have = 0;
    let need = HEADER;
    for (;;) {
      const buf = Buffer.alloc(Math.max(need - have, 1));
      let n = -1;
      try {
        n = readSync(this.waiting, buf, 0, buf.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw new VmmFault('cannot read from the wasmtime process', err);
      }
      // No writer left: the process ended (or never started).
      if (n === 0) throw new VmmFault(`the wasmtime process (${what}) ended before it was ready`);
      if (n > 0) {
        chunks.push(buf.subarray(0, n));
        have += n;
        const data = Buffer.concat(chunks);
        if (have >= HEADER) need = HEADER + data.readUInt32LE(4);
        if (have >= need) {
          const body = data.subarray(HEADER, need).toString('utf8');
          if (data[0] === REPLY_FAULT) throw new VmmFault(`the wasmtime process did not start: ${body}`);
          if (data[0] !== REPLY_READY) throw new VmmFault(`the wasmtime process began with frame ${data[0]}`);
          return (JSON.parse(body) as { exports: ExportShape[] }).exports;
        }
        continue;
      }
      if (performance.now() > deadline) throw new VmmFault(`the wasmtime process (${what}) was not ready within ${START_TIMEOUT_MS / 1000} s`);
      sleep(2);
    }
  }

  /** Entry points as the server listed them, each a CALL by index. */
  private exportsOf(shapes: ExportShape[]): VmmExports {
    const x: Record<string, unknown> = {};
    shapes.forEach((shape, index) => {
      const unsigned = POINTER_RESULTS.has(shape.name);
      const result = shape.results[0];
      x[shape.name] = (...args: unknown[]) => {
        const bits = this.callExport(index, shape, args);
        if (result === undefined) return undefined;
        if (result === 'i64') return BigInt.asIntN(64, bits);
        if (result === 'i32') return unsigned ? Number(bits & 0xffffffffn) : Number(BigInt.asIntN(32, bits));
        const view = new DataView(new ArrayBuffer(8));
        view.setBigUint64(0, bits, true);
        return result === 'f32' ? view.getFloat32(0, true) : view.getFloat64(0, true);
      };
    });
    return x as unknown as VmmExports;
  }

  private callExport(index: number, shape: ExportShape, args: unknown[]): bigint {
    const frame = this.call;
    const argc = shape.params.length;
    frame.writeUInt8(OP_CALL, 0);
    frame.writeUInt8(argc, 1);
    frame.writeUInt16LE(index, 2);
    frame.writeUInt32LE(argc * SLOT, 4);
    for (let i = 0; i < argc; i++) {
      const at = HEADER + i * SLOT;
      const v = args[i];
      switch (shape.params[i]) {
        case 'i64':
          frame.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v as bigint)), at);
          break;
        case 'f32':
          frame.writeFloatLE(Number(v), at);
          frame.writeUInt32LE(0, at + 4);
          break;
        case 'f64':
          frame.writeDoubleLE(Number(v), at);
          break;
        default:
          frame.writeUInt32LE(Number(v) >>> 0, at);
          frame.writeUInt32LE(0, at + 4);
      }
    }
    const reply = this.exchange(frame.subarray(0, HEADER + argc * SLOT), REPLY_RESULT, shape.name);
    return reply.length >= 8 ? reply.readBigUInt64LE(0) : 0n;
  }

  read(ptr: number, len: number): Buffer {
    const frame = Buffer.alloc(HEADER + 8);
    frame.writeUInt8(OP_READ, 0);
    frame.writeUInt32LE(8, 4);
    frame.writeUInt32LE(ptr >>> 0, HEADER);
    frame.writeUInt32LE(len >>> 0, HEADER + 4);
    return this.exchange(frame, REPLY_BYTES, 'read');
  }

  write(ptr: number, data: Uint8Array): void {
    const frame = Buffer.alloc(HEADER + 4);
    frame.writeUInt8(OP_WRITE, 0);
    frame.writeUInt32LE(4 + data.length, 4);
    frame.writeUInt32LE(ptr >>> 0, HEADER);
    this.exchange(frame, REPLY_RESULT, 'write', data);
  }

  commit(ptr: number, range: Uint8Array): void {
    this.write(ptr, range);
  }

  /** Read and written a chunk at a time across the process boundary; its pages checksummed in the VMM, so only their sums cross it. */
  override guestMemory(base: number, length: number): GuestMemory {
    const memory = chunkedMemory(
      length,
      (offset, len) => this.read(base + offset, len),
      (offset, bytes) => this.write(base + offset, bytes),
    );
    memory.checksumPages = (list, count, out) => this.checksumPagesAt(base, length, list, count, out);
    return memory;
  }

  /** Sends one request and reads frames until its reply, handing console output to the devices on the way. */
  private exchange(frame: Buffer, expect: number, what: string, body?: Uint8Array): Buffer {
    if (this.poisoned) throw this.poisoned;
    try {
      this.writeAll(frame);
      if (body && body.length) this.writeAll(body);
      for (;;) {
        this.readExact(this.head, HEADER);
        const kind = this.head[0];
        const fd = this.head[1];
        const length = this.head.readUInt32LE(4);
        const data = Buffer.allocUnsafe(length);
        this.readExact(data, length);
        if (kind === REPLY_CONSOLE) {
          this.devices.consoleWrite(fd, data);
          continue;
        }
        if (kind === REPLY_FAULT) throw new VmmFault(`the VMM failed in ${what} (wasmtime): ${data.toString('utf8')}`);
        if (kind !== expect) throw new VmmFault(`the wasmtime process answered ${what} with frame ${kind}`);
        return data;
      }
    } catch (err) {
      const fault = err instanceof VmmFault ? err : new VmmFault(`the wasmtime process is gone (${what}): ${(err as Error).message}`, err);
      this.poisoned = fault;
      this.close();
      throw fault;
    }
  }

  private writeAll(data: Uint8Array): void {
    for (let at = 0; at < data.length; ) at += writeSync(this.requests, data, at, data.length - at);
  }

  private readExact(into: Buffer, length: number): void {
    for (let at = 0; at < length; ) {
      const n = readSync(this.replies, into, at, length - at, null);
      if (n === 0) throw new VmmFault('the wasmtime process ended');
      at += n;
    }
  }

  /** Closes the FIFOs; the process sees the end of its requests and exits. */
  close(): void {
    this.requests = closeFd(this.requests);
    this.replies = closeFd(this.replies);
    this.waiting = closeFd(this.waiting);
    this.poisoned ??= new VmmFault('the VMM on wasmtime was closed');
  }
}
