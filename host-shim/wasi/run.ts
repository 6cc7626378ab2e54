/**
 * Runs a WASI preview1 command under the VMM, whose own WASI layer
 * (assembly/wasi/) implements every call: nothing is passed through to
 * node:wasi. The run is asynchronous: when the guest blocks on stdin or
 * sleeps in poll_oneoff, the runner waits for input or for the deadline
 * without blocking the event loop, then resumes the guest, which retries
 * the same WASI call.
 */
import { GuestTrap, HostError, UsageError, WasmotionError } from '../errors.js';
import type { EngineOptions } from '../engine/index.js';
import { VmmEngine, type VmmExtern } from '../engine/vmm.js';
import { RunStatus } from '../vmm/binding.js';
import { guestTrap } from '../vmm/values.js';
import { wasiDevices, type OutputSink } from './devices.js';
import { BlockedOn, nulSeparated, wasiEntryPoints, withBytes, type WasiEntryPoints } from './entry-points.js';
import { StdinFeed, type StdinInput } from './stdin-feed.js';

export const WASI_MODULE = 'wasi_snapshot_preview1';

export interface WasiRunOptions {
  /** argv[0]; "main.wasm" when absent. */
  programName?: string;
  /** argv[1..]. */
  args?: string[];
  /** The environment; empty when absent. */
  env?: Record<string, string>;
  /** Standard input; an empty one (immediate end of file) when absent. */
  stdin?: StdinInput;
  stdout?: OutputSink;
  stderr?: OutputSink;
  /** VMM limits; `fuel` bounds the steps of the whole run (GuestTrap out_of_fuel). */
  engine?: EngineOptions;
}

export interface WasiRunResult {
  /** proc_exit's code, or 0 when _start returned. */
  exitCode: number;
}

/** Steps per run() slice; the event loop gets a turn between slices. */
const SLICE = 1n << 20n;

/** setTimeout's longest delay; a longer sleep just waits again. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

class WasiRun {
  readonly engine: VmmEngine;
  private readonly wasi: WasiEntryPoints;
  private readonly feed: StdinFeed;
  /** The stdin read in flight; it survives a wait that the clock won. */
  private reading: Promise<void> | undefined;
  /** A device or stdin failure, reported once the VMM is back in our hands. */
  private failure: WasmotionError | undefined;

  constructor(private readonly options: WasiRunOptions) {
    const devices = wasiDevices(options.stdout, options.stderr, (err) => this.fail('an output sink threw', err));
    this.engine = new VmmEngine(options.engine ?? {}, devices);
    this.wasi = wasiEntryPoints(this.engine.vmm);
    this.feed = new StdinFeed(options.stdin);
  }

  private fail(what: string, err: unknown): void {
    this.failure ??= new HostError(`${what}: ${err instanceof Error ? err.message : String(err)}`, err);
  }

  async run(bytes: Uint8Array): Promise<WasiRunResult> {
    const start = this.instantiate(bytes);
    const vmm = this.engine.vmm;
    if (!vmm.x.call_begin(start.address)) throw new UsageError(vmm.lastError().message);
    let budget = this.options.engine?.fuel !== undefined ? BigInt(this.options.engine.fuel) : undefined;
    for (;;) {
      const slice = budget !== undefined && budget < SLICE ? budget : SLICE;
      const status = vmm.x.run(slice);
      this.throwIfFailed();
      switch (status) {
        case RunStatus.Finished:
          return { exitCode: 0 };
        case RunStatus.Exit:
          return { exitCode: vmm.x.exit_code() };
        case RunStatus.Trap: {
          const e = vmm.lastError();
          throw guestTrap(e.trap, e.message);
        }
        case RunStatus.OutOfFuel:
          if (budget !== undefined && (budget -= slice) <= 0n) {
            vmm.x.call_abort();
            throw new GuestTrap('out_of_fuel', 'out of fuel');
          }
          await yieldToEventLoop();
          break;
        case RunStatus.Blocked:
          await this.waitForWakeUp();
          this.throwIfFailed();
          break;
        default:
          vmm.x.call_abort();
          throw new WasmotionError('WASMOTION_ERR_UNEXPECTED_STOP', `guest stopped with status ${status}`);
      }
    }
  }

  /** Sets argv and environ, links every import to the VMM's WASI, binds memory; returns _start. */
  private instantiate(bytes: Uint8Array): VmmExtern {
    const { vmm } = this.engine;
    const argv = [this.options.programName ?? 'main.wasm', ...(this.options.args ?? [])];
    const environ = Object.entries(this.options.env ?? {}).map(([k, v]) => `${k}=${v}`);
    withBytes(vmm, nulSeparated(argv), (p, n) => this.wasi.wasi_set_args(p, n));
    withBytes(vmm, nulSeparated(environ), (p, n) => this.wasi.wasi_set_env(p, n));
    if (this.options.stdin === undefined) this.wasi.wasi_stdin_close();

    const module = this.engine.compile(bytes);
    // An import the VMM's WASI does not offer stays unresolved: LinkError "unknown import".
    const instance = this.engine.instantiate(module, (mod, name) => (mod === WASI_MODULE ? this.engine.wasiFunction(name) : undefined));
    const memory = instance.getExport('memory');
    if (memory?.kind === 'memory') this.wasi.wasi_bind_memory((memory as VmmExtern).address);
    const start = instance.getExport('_start');
    if (start?.kind !== 'func') throw new UsageError('the guest exports no _start function: not a WASI command');
    return start as VmmExtern;
  }

  /** Waits until what the blocked WASI call needs is there: stdin input, its end, or the poll deadline. */
  private async waitForWakeUp(): Promise<void> {
    const on = this.wasi.wasi_blocked_on();
    const waits: Promise<void>[] = [];
    if (on & BlockedOn.Stdin) waits.push(this.stdinArrival());
    let timer: NodeJS.Timeout | undefined;
    if (on & BlockedOn.Clock) {
      const ns = this.wasi.wasi_sleep_remaining();
      const ms = Math.min(Math.ceil(Number(ns) / 1e6), MAX_TIMER_MS);
      waits.push(new Promise((resolve) => (timer = setTimeout(resolve, Math.max(ms, 0)))));
    }
    if (waits.length === 0) {
      this.engine.vmm.x.call_abort();
      throw new WasmotionError('WASMOTION_ERR_UNEXPECTED_STOP', 'the guest blocked on nothing that can wake it');
    }
    try {
      await Promise.race(waits);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once the next stdin chunk (or the end of stdin) has been handed to the VMM. */
  private stdinArrival(): Promise<void> {
    this.reading ??= this.feed.next().then(
      (chunk) => {
        this.reading = undefined;
        if (chunk) withBytes(this.engine.vmm, chunk, (p, n) => this.wasi.wasi_stdin_push(p, n));
        else this.wasi.wasi_stdin_close();
      },
      (err: unknown) => {
        this.reading = undefined;
        this.fail('reading stdin failed', err);
      },
    );
    return this.reading;
  }

  private throwIfFailed(): void {
    if (!this.failure) return;
    this.engine.vmm.x.call_abort();
    throw this.failure;
  }

  dispose(): void {
    this.engine.dispose();
  }
}

/**
 * Runs WASI command `bytes` (a module exporting _start) to its end. Resolves
 * with the exit code; rejects with ModuleError, LinkError (an import the
 * VMM's WASI does not offer), GuestTrap, or HostError (a sink or stdin failed).
 */
export async function runWasi(bytes: Uint8Array, options: WasiRunOptions = {}): Promise<WasiRunResult> {
  const run = new WasiRun(options);
  try {
    return await run.run(bytes);
  } finally {
    run.dispose();
  }
}
