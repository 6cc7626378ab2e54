// The API token: a host or manager started with one answers only requests
// that prove it; the calls hosts make to each other (migration) and the
// manager makes to hosts carry it, and the CLI sends it from its file.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClusterClient } from '../../host-shim/client/cluster-client.js';
import { HostClient } from '../../host-shim/client/host-client.js';
import { deriveKeys } from '../../host-shim/cluster/auth.js';
import { ClusterManager } from '../../host-shim/cluster/manager/manager.js';
import { HostAgent } from '../../host-shim/host/agent.js';
import { ApiToken } from '../../host-shim/net/api-token.js';
import { cliAsync, root, until } from '../support/processes.js';
import { tempDirs } from '../support/temp-dirs.js';

const counterPath = join(root, 'build', 'guests', 'counter.wasm');
const tempDir = tempDirs('api-token');

async function status(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; challenge: string | null }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json(), challenge: res.headers.get('www-authenticate') };
}

describe('API tokens', () => {
  test('a token is at least 16 bytes; its header never holds the token itself', () => {
    expect(() => new ApiToken(Buffer.from('short'))).toThrow(/at least 16 bytes/);
    const raw = Buffer.from('an api token of enough length');
    const token = new ApiToken(raw);
    expect(token.header).toMatch(/^Bearer [0-9a-f]{64}$/);
    expect(token.header).not.toContain(raw.toString('hex'));
    expect(token.admits(token.header)).toBe(true);
    expect(token.admits(new ApiToken(Buffer.from('another token of enough length')).header)).toBe(false);
    expect(token.admits(undefined)).toBe(false);
  });
});

describe.skipIf(!existsSync(counterPath))('hosts and a manager with an API token', () => {
  const secret = randomBytes(32);
  const token = new ApiToken(randomBytes(32));
  let a: HostAgent;
  let b: HostAgent;
  let stranger: HostAgent;

  beforeAll(async () => {
    a = await HostAgent.start({ name: 'a', host: '127.0.0.1', port: 0, secret, apiToken: token });
    b = await HostAgent.start({ name: 'b', host: '127.0.0.1', port: 0, secret, apiToken: token });
    stranger = await HostAgent.start({ name: 's', host: '127.0.0.1', port: 0, secret, apiToken: new ApiToken(randomBytes(32)) });
  }, 30_000);

  afterAll(async () => {
    for (const h of [a, b, stranger]) await h?.close();
  });

  test('without the token, or with another, nothing is answered, not even which paths exist', async () => {
    for (const path of ['/v1/host', '/v1/guests', '/v1/no-such-path']) {
      const none = await status(a.url + path);
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('WASMOTION_ERR_UNAUTHENTICATED');
      expect(none.challenge).toMatch(/^Bearer/);
    }
    const other = await status(`${a.url}/v1/host`, { headers: { authorization: new ApiToken(randomBytes(32)).header } });
    expect(other.status).toBe(401);
    expect(other.body.error.message).toMatch(/does not match/);
    expect((await status(`${a.url}/v1/host`, { headers: { authorization: token.header } })).status).toBe(200);
  });

  test('a guest migrates between hosts of one token, and not to a host of another; it runs on where it was', async () => {
    const client = new HostClient(a.url, { apiToken: token });
    const guest = await client.startGuest({ module: readFileSync(counterPath), args: ['0', '64', '5'] });
    const moved = await client.migrate(guest.id, { to: b.url });
    const done = await until('the migration ends', async () => {
      const m = await new HostClient(a.url, { apiToken: token }).migration(moved.id);
      return m.state === 'completed' || m.state === 'failed' ? m : undefined;
    });
    expect(done.state).toBe('completed');
    const there = client.at(b.url);
    expect((await there.guest(guest.id)).state).toBe('running');
    const refused = await there.migrate(guest.id, { to: stranger.url });
    const failed = await until('the migration ends', async () => {
      const m = await there.migration(refused.id);
      return m.state === 'completed' || m.state === 'failed' ? m : undefined;
    });
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('WASMOTION_ERR_UNAUTHENTICATED');
    expect((await there.guest(guest.id)).state).toBe('running');
    await there.stop(guest.id);
  }, 60_000);

  test('the CLI sends the token of --api-token-file or $WASMOTION_API_TOKEN_FILE', async () => {
    const dir = tempDir();
    const file = join(dir, 'token');
    const raw = randomBytes(24);
    writeFileSync(file, raw);
    const host = await HostAgent.start({ name: 'c', host: '127.0.0.1', port: 0, apiToken: new ApiToken(raw) });
    try {
      const refused = await cliAsync(['host', 'info', '--host', host.url, '--json']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('WASMOTION_ERR_UNAUTHENTICATED');
      const given = await cliAsync(['host', 'info', '--host', host.url, '--api-token-file', file, '--json']);
      expect(given.code).toBe(0);
      expect(JSON.parse(given.stdout).name).toBe('c');
      const fromEnv = await cliAsync(['host', 'info', '--host', host.url, '--json'], { WASMOTION_API_TOKEN_FILE: file });
      expect(fromEnv.code).toBe(0);
    } finally {
      await host.close();
    }
  }, 60_000);

  test('a manager answers operators with the token, hosts by their signature, and places guests on hosts with the token', async () => {
    const dir = tempDir();
    const clusterToken = randomBytes(32);
    const keys = deriveKeys(clusterToken);
    const manager = await ClusterManager.start({ host: '127.0.0.1', port: 0, dataDir: dir, token: clusterToken, apiToken: token, settings: { balanceIntervalMs: 0 }, heartbeatIntervalMs: 200 });
    const member = await HostAgent.start({ name: 'm1', host: '127.0.0.1', port: 0, secret: keys.migrationSecret, cluster: { url: manager.url, requestKey: keys.requestKey }, apiToken: token });
    try {
      const none = await status(`${manager.url}/v1/cluster`);
      expect(none.status).toBe(401);
      const cluster = new ClusterClient(manager.url, { apiToken: token });
      // The host enrolled and reports (signed requests, no API token).
      await until('the host is connected', async () => (await cluster.hosts()).find((h) => h.name === 'm1' && h.connection === 'connected'));
      const digest = await cluster.putModule(readFileSync(counterPath));
      const placed = await cluster.placeGuest({ module: digest, args: ['0', '64', '5'] });
      expect(placed.host).toBe('m1');
      expect((await new HostClient(member.url, { apiToken: token }).guest(placed.id)).state).toBe('running');
    } finally {
      await member.close();
      await manager.close();
    }
  }, 60_000);
});
