// Where a host's migration listener is: a fixed port (--migration-port), and
// an address other hosts reach it at when something stands in between
// (--migration-advertise), here a link proxy on loopback.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { HostAgent } from '../../host-shim/host/agent.js';
import { WasmotionError } from '../../host-shim/errors.js';
import { LinkProxy } from '../../tools/link/proxy.js';
import { api, host, SECRET, start } from './agents.js';
import { cliAsync } from '../support/processes.js';

const counter = join(import.meta.dirname, '..', '..', 'build', 'guests', 'counter.wasm');

/** A server holding a free loopback port, until closed. */
async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function freePort(): Promise<number> {
  const { server, port } = await holdPort();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!existsSync(counter))('the migration listener\'s address', () => {
  test('a host advertises the address in front of its fixed migration port, and migrations come through there', async () => {
    const port = await freePort();
    const proxy = new LinkProxy({ target: { host: '127.0.0.1', port } });
    const via = await proxy.listen();
    const opened: number[] = [];
    proxy.on('open', (e: { id: number }) => opened.push(e.id));
    try {
      const a = await host('a');
      const b = await host('b', { migrationPort: port, migrationAdvertise: { host: via.host, port: via.port } });
      expect((await api(b.url, '/v1/host')).body.migration).toMatchObject({ host: via.host, port: via.port });
      const id = (await start(a, readFileSync(counter), { args: ['0', '64', '5'] })).body.id;
      const m = await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) });
      const events = (await (await fetch(new URL(`/v1/migrations/${m.body.id}/events`, a.url))).text()).trim().split('\n').map((l) => JSON.parse(l));
      expect(events.at(-1).state, JSON.stringify(events.at(-1).error)).toBe('completed');
      // Both connections of the migration, control and data, went through the proxy.
      expect(opened.length).toBe(2);
      expect((await api(b.url, `/v1/guests/${id}`)).body.state).toBe('running');
      await api(b.url, `/v1/guests/${id}/stop`, { method: 'POST' });
    } finally {
      await proxy.close();
    }
  });

  test('nothing listening where the destination advertises is a connection failure, not an authentication one', async () => {
    const a = await host('a');
    const b = await host('b', { migrationAdvertise: { host: '127.0.0.1', port: await freePort() } });
    const id = (await start(a, readFileSync(counter), { args: ['0', '64', '5'] })).body.id;
    const m = await api(a.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: b.url }) });
    const events = (await (await fetch(new URL(`/v1/migrations/${m.body.id}/events`, a.url))).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(events.at(-1).state).toBe('failed');
    expect(events.at(-1).error.code).toBe('WASMOTION_ERR_MIGRATION_CONNECTION');
    expect(events.at(-1).error.message).toContain('ECONNREFUSED');
    expect((await api(a.url, `/v1/guests/${id}`)).body.state).toBe('running');
    await api(a.url, `/v1/guests/${id}/stop`, { method: 'POST' });
  });

  test('a migration port in use stops the host from starting, with WASMOTION_ERR_LISTEN', async () => {
    const taken = await holdPort();
    try {
      const failed = await HostAgent.start({ name: 'c', host: '127.0.0.1', port: 0, secret: SECRET, migrationPort: taken.port }).catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(WasmotionError);
      expect((failed as WasmotionError).code).toBe('WASMOTION_ERR_LISTEN');
      expect((failed as Error).message).toContain(`127.0.0.1:${taken.port}`);
    } finally {
      await new Promise((resolve) => taken.server.close(resolve));
    }
  });
});

test('host start refuses a migration address it cannot use, before it starts', async () => {
  const secret = join(mkdtempSync(join(tmpdir(), 'wasmotion-migration-address-')), 'secret');
  writeFileSync(secret, SECRET);
  const cases: [string[], string][] = [
    [['--migration-port', '70000', '--secret-file', secret], '--migration-port 70000 is not a port number'],
    [['--migration-port', '0'], '--migration-port needs --secret-file'],
    [['--migration-advertise', '0.0.0.0:7100', '--secret-file', secret], 'names a reachable address and a port other than 0'],
    [['--migration-advertise', '10.0.0.5:0', '--secret-file', secret], 'names a reachable address and a port other than 0'],
    [['--migration-advertise', '10.0.0.5', '--secret-file', secret], '--migration-advertise 10.0.0.5 is not HOST:PORT'],
  ];
  for (const [args, message] of cases) {
    const r = await cliAsync(['host', 'start', '--listen', '127.0.0.1:0', ...args]);
    expect(r.code, args.join(' ')).toBe(2);
    expect(r.stderr).toContain(message);
  }
});

test.runIf(!existsSync(counter))('the migration listener\'s address: skipped (build/guests/counter.wasm is not built)', () => {
  expect(existsSync(counter)).toBe(false);
});
