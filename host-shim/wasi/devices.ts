/**
 * The VMM devices of a WASI run: console output to the caller's sinks, the
 * process clocks, crypto randomness. Devices are called synchronously from
 * inside vmm.wasm, so they never throw into it: a failing sink is recorded
 * and reported by the runner once run() has returned.
 */
import { randomFillSync } from 'node:crypto';
import type { VmmDevices } from '../vmm/binding.js';

/** Where guest output goes: a function or anything with write(), such as a Writable. */
export type OutputSink = ((chunk: Uint8Array) => unknown) | { write(chunk: Uint8Array): unknown };

function deliver(sink: OutputSink, chunk: Uint8Array): void {
  if (typeof sink === 'function') sink(chunk);
  else sink.write(chunk);
}

/** Realtime in ns with microsecond resolution (Date.now() has only milliseconds). */
function realtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

export function wasiDevices(stdout: OutputSink | undefined, stderr: OutputSink | undefined, onError: (err: unknown) => void): VmmDevices {
  return {
    consoleWrite(fd, bytes) {
      const sink = fd === 1 ? stdout : fd === 2 ? stderr : undefined;
      if (!sink) return;
      try {
        // The view points into VMM memory and is valid only during this call.
        deliver(sink, Uint8Array.from(bytes));
      } catch (err) {
        onError(err);
      }
    },
    clockNow: (clock) => (clock === 0 ? realtimeNs() : process.hrtime.bigint()),
    // randomFillSync, not crypto.getRandomValues: the guest may ask for more than 64 KiB at once.
    randomFill: (into) => {
      randomFillSync(into);
    },
  };
}
