// The destination's end of the data connection: a worker slower than the
// link holds at most MAX_AT_WORKER batches; the connection is paused beyond
// that and reads on once half of them are written into the guest.
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, expect, test } from 'vitest';
import type { GuestHandle } from '../../host-shim/host/guest-handle.js';
import { BatchBuffers } from '../../host-shim/migration/batch-buffers.js';
import { MAX_AT_WORKER, PageIntake } from '../../host-shim/migration/page-intake.js';
import { FrameReader, Msg, writeFrame } from '../../host-shim/migration/wire.js';

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

async function socketPair(): Promise<{ sending: Socket; receiving: Socket }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sending = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [receiving] = (await once(server, 'connection')) as [Socket];
  server.close();
  receiving.pause();
  sockets.push(sending, receiving);
  return { sending, receiving };
}

test('a worker slower than the link holds at most MAX_AT_WORKER batches; the connection reads on once it caught up by half', async () => {
  const data = await socketPair();
  const control = await socketPair();
  // The worker: each batch waits until the test lets it be written.
  const pending: (() => void)[] = [];
  let asked = 0;
  let most = 0;
  const worker = {
    diskBytes: null,
    ask: (_m: unknown, _reply: string, transfer: ArrayBuffer[]) =>
      new Promise((resolve) => {
        asked++;
        pending.push(() => resolve({ type: 'applied', buffer: transfer[0] }));
        most = Math.max(most, pending.length);
      }),
  } as unknown as GuestHandle;
  const controlReader = new FrameReader(control.receiving);
  const intake = new PageIntake({ socket: data.receiving, head: Buffer.alloc(0) }, control.receiving as TLSSocket, controlReader, new BatchBuffers(MAX_AT_WORKER + 2), worker);
  const batches = 3 * MAX_AT_WORKER;
  for (let i = 0; i < batches; i++) void writeFrame(data.sending, Msg.Pages, new Uint8Array(64 << 10).fill(i));
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 30));
  };
  await settle();
  expect(pending.length).toBe(MAX_AT_WORKER);
  expect(data.receiving.isPaused()).toBe(true);
  // Written into the guest one by one: paused until half the backlog is gone.
  for (let i = 0; i < MAX_AT_WORKER / 2 - 1; i++) pending.shift()!();
  await settle();
  expect(data.receiving.isPaused()).toBe(true);
  expect(pending.length).toBe(MAX_AT_WORKER / 2 + 1);
  pending.shift()!();
  await settle();
  expect(data.receiving.isPaused()).toBe(true);
  expect(pending.length).toBe(MAX_AT_WORKER);
  // Every batch reaches the worker in the end, never more than MAX_AT_WORKER at once.
  while (pending.length > 0) {
    pending.shift()!();
    await settle();
  }
  expect(asked).toBe(batches);
  expect(most).toBe(MAX_AT_WORKER);
  await intake.all(batches);
});
