/**
 * The guest worker's side of its channel to the host agent
 * (worker-protocol.ts): what it posts, and how it reports a failure.
 */
import { parentPort } from 'node:worker_threads';
import { errorCode } from '../../errors.js';
import type { FromWorker } from '../worker-protocol.js';

if (!parentPort) throw new Error('the guest worker runs in a worker thread');
export const port = parentPort;

export function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** Reports `err`: the answer to the request under way, or else the guest's end. */
export function fail(err: unknown): void {
  const code = errorCode(err);
  post({ type: 'failed', code, message: err instanceof Error ? err.message : String(err), trap: code === 'WASMOTION_ERR_TRAP' });
}

/** Epoch ms: the agent compares these with its own (each thread's performance.now() has its own origin). */
export const clock = (): number => performance.timeOrigin + performance.now();
