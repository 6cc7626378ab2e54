/**
 * The least CPU a migration over loopback can take per GB, measured in this
 * process: the three things no migration can do without, and nothing else.
 *
 * - the TCP stream itself, at both ends (the raw TCP reference's own CPU);
 * - sealing and opening every byte with AES-128-GCM (the migration's own
 *   FrameSealer and FrameOpener, 1 MiB batches);
 * - landing the pages in a guest memory the destination has not touched
 *   yet: every first write to a page of it is a page fault.
 *
 * Reading pages out of the guest, checksums, framing, the threads' messages
 * and garbage collection all come on top. The sum caps throughput however
 * well a migration uses the cores: `cores / sum` bytes per second, busy all
 * the time. Each cost is the least of three runs, so the cap is the most
 * generous this machine allows.
 */
import { randomBytes } from 'node:crypto';
import { FrameOpener, FrameSealer, TAG_BYTES } from '../../host-shim/migration/sealed-frames.js';
import { measureTcpThroughput } from '../link/throughput.js';

const BYTES = 256 << 20;
const BATCH = 1 << 20;
const RUNS = 3;
const WASM_PAGE = 64 << 10;

export interface Floor {
  /** CPU seconds per byte of each. */
  tcp: number;
  sealOpen: number;
  firstTouch: number;
}

/** This process's CPU seconds while `run` runs. */
async function cpuOf(run: () => unknown): Promise<number> {
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

async function least(run: () => unknown): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) best = Math.min(best, (await cpuOf(run)) / BYTES);
  return best;
}

function sealAndOpen(): void {
  const key = randomBytes(16);
  const sealer = new FrameSealer(key);
  const opener = new FrameOpener(key);
  const plaintext = randomBytes(BATCH);
  const sealed = Buffer.alloc(BATCH + TAG_BYTES);
  const opened = Buffer.alloc(BATCH);
  for (let at = 0; at < BYTES; at += BATCH) {
    sealed.set(sealer.seal(1, plaintext, sealed), BATCH);
    opener.open(1, sealed, opened);
  }
}

function landInFreshMemory(): void {
  const memory = new Uint8Array(new WebAssembly.Memory({ initial: BYTES / WASM_PAGE }).buffer);
  const pages = randomBytes(BATCH);
  for (let at = 0; at < BYTES; at += BATCH) memory.set(pages, at);
}

export async function measureFloor(): Promise<Floor> {
  return {
    tcp: await least(() => measureTcpThroughput(BYTES)),
    sealOpen: await least(sealAndOpen),
    firstTouch: await least(landInFreshMemory),
  };
}

/** The `floor` line of bench:migrate: the costs, their sum, and the throughput `cores` can carry at it against `tcp` (bytes/s). */
export function floorLine(floor: Floor, cores: number, tcp: number): string {
  const gb = (x: number) => (x * 1e9).toFixed(2);
  const sum = floor.tcp + floor.sealOpen + floor.firstTouch;
  const most = cores / sum;
  return (
    `floor: tcp stream ${gb(floor.tcp)} + seal and open ${gb(floor.sealOpen)} + pages into fresh memory ${gb(floor.firstTouch)} = ${gb(sum)} core-s per GB; ` +
    `${cores} cores busy all the time carry at most ${(most / 1e6).toFixed(0)} MB/s, ${(most / tcp).toFixed(2)} of tcp`
  );
}
