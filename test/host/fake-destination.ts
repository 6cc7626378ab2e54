// A destination host of which only GET /v1/host and the migration listener
// answer, the listener as a test's script says: for tests of what a source
// sends, and of how it takes a destination that breaks the protocol.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { MigrationListener } from '../../host-shim/migration/listener.js';
import { FrameReader, Msg, PROTOCOL, type Frame, writeFrame, writeJson } from '../../host-shim/migration/wire.js';
import { SECRET, afterTest } from './agents.js';

/** What a fake destination does with a source's control connection; `listener` opens data channels. */
export type Script = (control: TLSSocket, reader: FrameReader, listener: MigrationListener) => Promise<void>;

/**
 * Starts a fake destination; `seen` gets every frame the source sent on the
 * control connection, as read. It says it speaks `protocol` (this host's by
 * default); `hostInfo` replaces its whole GET /v1/host answer.
 */
export async function fakeDestination(script: Script, options: { protocol?: number; hostInfo?: unknown } = {}): Promise<{ url: string; seen: Frame[] }> {
  const seen: Frame[] = [];
  const listener = new MigrationListener(SECRET, (control) => {
    const reader = new FrameReader(control);
    const read = reader.next.bind(reader);
    reader.next = async (ms) => {
      const f = await read(ms);
      seen.push(f);
      return f;
    };
    script(control, reader, listener).catch(() => control.destroy());
  }, () => undefined);
  await listener.listen('127.0.0.1', 0);
  const info = options.hostInfo ?? { name: 'fake', migration: { host: '127.0.0.1', port: listener.port, protocol: options.protocol ?? PROTOCOL, state: 'open' }, switch: null };
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/host') res.end(JSON.stringify(info));
    else res.writeHead(404).end(JSON.stringify({ error: { code: 'WASMOTION_ERR_NOT_FOUND', message: 'not here' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterTest(() => listener.close());
  afterTest(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** Answers HELLO with `welcome`, as bytes or as JSON. */
export const welcomeWith = (welcome: unknown): Script => async (control, reader) => {
  await reader.expect(Msg.Hello, 10_000);
  await writeFrame(control, Msg.Welcome, Buffer.isBuffer(welcome) ? welcome : Buffer.from(JSON.stringify(welcome)));
  await reader.next(10_000);
};

/** Takes the guest as a destination does up to its STATE (acknowledging every page at once), then answers `ready`. */
export const readyWith = (ready: unknown): Script => async (control, reader, listener) => {
  await reader.expect(Msg.Hello, 10_000);
  const channel = listener.openChannel(10_000);
  await writeJson(control, Msg.Welcome, { accept: true, haveModule: true, channel: channel.id.toString('hex') });
  const data = await channel.connection;
  data.socket.on('data', () => undefined);
  data.socket.resume();
  const ack = Buffer.alloc(8);
  ack.writeBigUInt64LE(1n << 50n);
  await writeJson(control, Msg.Prepared, {});
  await writeFrame(control, Msg.Ack, ack);
  for (;;) {
    const f = await reader.next(10_000);
    if (f.type === Msg.Switchover) await writeJson(control, Msg.Switchover, {});
    if (f.type === Msg.State) break;
  }
  await writeFrame(control, Msg.Ready, Buffer.from(JSON.stringify(ready)));
  await reader.next(10_000);
};
