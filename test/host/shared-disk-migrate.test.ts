// A guest whose disk is backed by an image file in a shared directory moves
// back and forth between two hosts that both see the directory while it
// writes: no disk block crosses the connection, its output equals an
// unmoved run's, and the image file holds the files it wrote. A host that
// sees another directory gets the disk copied, and says why.
import { copyFileSync, existsSync, readFileSync, truncateSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDirs } from '../support/temp-dirs.js';
import type { HostAgent } from '../../host-shim/host/agent.js';
import { HEADER_BYTES } from '../../host-shim/wasi/disk-image-file.js';
import { cGuestWasmPath } from '../../tools/guests/layout.js';
import { api, host, sleep, start } from './agents.js';
import { filesIn, TREESUM } from '../support/disk-image.js';

const APPENDER = cGuestWasmPath('appender');
const SYNCER = cGuestWasmPath('syncer');
const DISK = 4 << 20;
/** 500 rounds over 4 files, 4 ms apart: a few seconds of appending, a checksum line every 50 rounds. */
const ARGS = ['/data', '500', '4', '4'];

const tempDir = tempDirs('shared');

async function events(base: string, id: string): Promise<any[]> {
  const res = await fetch(new URL(`/v1/migrations/${id}/events`, base));
  return (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

const logs = async (a: HostAgent, id: string) => (await fetch(new URL(`/v1/guests/${id}/logs`, a.url))).text();

async function migrate(from: HostAgent, to: HostAgent, id: string): Promise<any[]> {
  const m = await api(from.url, `/v1/guests/${id}/migrate`, { method: 'POST', body: JSON.stringify({ to: to.url, downtimeLimitMs: 50 }) });
  expect(m.status).toBe(202);
  const evs = await events(from.url, m.body.id);
  expect(evs.at(-1).state, JSON.stringify(evs.at(-1).error)).toBe('completed');
  return evs;
}

describe.skipIf(!existsSync(APPENDER) || !existsSync(TREESUM))('a guest whose disk is in a shared directory', () => {
  const bytes = existsSync(APPENDER) ? readFileSync(APPENDER) : new Uint8Array();

  test('moves through the directory four times while it writes: no disk bytes on the wire, the same files as an unmoved run', async () => {
    const shared = tempDir();
    const a = await host('a', { sharedDir: shared });
    const b = await host('b', { sharedDir: shared });
    expect((await api(a.url, '/v1/host')).body.sharedDir).toBe(shared);

    const ref = await start(a, bytes, { args: ARGS, disk: DISK, diskShared: true });
    expect(ref.status, JSON.stringify(ref.body)).toBe(201);
    expect(ref.body.diskImage).toEqual({ path: join(shared, `${ref.body.id}.wmdisk`), error: null });
    expect((await api(a.url, `/v1/guests/${ref.body.id}/wait`)).body.exitCode).toBe(0);
    const expected = await logs(a, ref.body.id);
    expect(expected).toMatch(/checksum [0-9a-f]{8}\n$/);
    const expectedFiles = await filesIn(ref.body.diskImage.path);
    expect(expectedFiles).toMatch(/\/data\/logs\/renamed\.txt \d+ [0-9a-f]{8}\n/);

    const moved = await start(a, bytes, { args: ARGS, disk: DISK, diskShared: true });
    const id = moved.body.id as string;
    const image = moved.body.diskImage.path as string;
    let here = a;
    let there = b;
    for (let move = 0; move < 4; move++) {
      await sleep(250);
      const evs = await migrate(here, there, id);
      const last = evs.at(-1);
      expect(last.disk).toBe('shared');
      expect(last.diskSharedRefused).toBeNull();
      // Not one disk block on the wire: only memory pages, never more than the guest's memory.
      expect(last.diskTransferred).toBe(0);
      expect(evs.every((e) => e.total <= last.total && e.total < DISK)).toBe(true);
      const info = (await api(there.url, `/v1/guests/${id}`)).body;
      expect(info.state).toBe('running');
      expect(info.diskImage).toEqual({ path: image, error: null });
      expect(expected.startsWith(await logs(there, id))).toBe(true);
      [here, there] = [there, here];
    }
    expect((await api(here.url, `/v1/guests/${id}/wait`)).body.exitCode).toBe(0);
    expect(await logs(here, id)).toBe(expected);
    // The image file holds what the guest left on its disk: the files of the unmoved run.
    expect(await filesIn(image)).toBe(expectedFiles);
  }, 90_000);

  test('a host that sees another directory, or only a copy of the file, gets the disk copied, and the migration says why', async () => {
    const a = await host('a', { sharedDir: tempDir() });
    const elsewhere = await host('elsewhere', { sharedDir: tempDir() });
    const copyDir = tempDir();
    const copy = await host('copy', { sharedDir: copyDir });
    const plain = await host('plain');
    const ref = await start(plain, bytes, { args: ARGS, disk: DISK });
    expect((await api(plain.url, `/v1/guests/${ref.body.id}/wait`)).body.exitCode).toBe(0);
    const expected = await logs(plain, ref.body.id);

    const g1 = await start(a, bytes, { args: ARGS, disk: DISK, diskShared: true });
    const g2 = await start(a, bytes, { args: ARGS, disk: DISK, diskShared: true });
    await sleep(250);
    const last = (await migrate(a, elsewhere, g1.body.id)).at(-1);
    expect(last.disk).toBe('copied');
    expect(last.diskSharedRefused.code).toBe('WASMOTION_ERR_DISK_NOT_SHARED');
    expect(last.diskSharedRefused.message).toMatch(/does not see the image file/);
    expect(last.diskTransferred).toBeGreaterThan(0);
    // A file of the same name that is not the same file: its marker is not the one the source just wrote.
    copyFileSync(g2.body.diskImage.path, join(copyDir, basename(g2.body.diskImage.path)));
    const viaCopy = (await migrate(a, copy, g2.body.id)).at(-1);
    expect(viaCopy.disk).toBe('copied');
    expect(viaCopy.diskSharedRefused.code).toBe('WASMOTION_ERR_DISK_NOT_SHARED');
    expect(viaCopy.diskSharedRefused.message).toMatch(/another marker/);
    expect(viaCopy.diskTransferred).toBeGreaterThan(0);
    // There the disk is in memory only; it moves on by copy, to a host without a shared directory too.
    expect((await api(elsewhere.url, `/v1/guests/${g1.body.id}`)).body.diskImage).toBeNull();
    const onward = (await migrate(elsewhere, plain, g1.body.id)).at(-1);
    expect(onward.disk).toBe('copied');
    expect(onward.diskSharedRefused).toBeNull();
    expect((await api(plain.url, `/v1/guests/${g1.body.id}/wait`)).body.exitCode).toBe(0);
    expect(await logs(plain, g1.body.id)).toBe(expected);
    expect((await api(copy.url, `/v1/guests/${g2.body.id}/wait`)).body.exitCode).toBe(0);
    expect(await logs(copy, g2.body.id)).toBe(expected);
  }, 60_000);

  test('an image file cut short is not trusted: the disk is copied, with WASMOTION_ERR_DISK_IMAGE', async () => {
    const shared = tempDir();
    const a = await host('a', { sharedDir: shared });
    const b = await host('b', { sharedDir: shared });
    const g = await start(a, bytes, { args: ['/data', '300', '4', '4'], disk: DISK, diskShared: true });
    const id = g.body.id as string;
    await sleep(200);
    truncateSync(g.body.diskImage.path, HEADER_BYTES + 8 * 4096);
    const last = (await migrate(a, b, id)).at(-1);
    expect(last.disk).toBe('copied');
    expect(last.diskSharedRefused.code).toBe('WASMOTION_ERR_DISK_IMAGE');
    expect(last.diskSharedRefused.message).toMatch(/cut short/);
    expect(last.diskTransferred).toBeGreaterThan(0);
    expect((await api(b.url, `/v1/guests/${id}/wait`)).body.exitCode).toBe(0);
  }, 60_000);

  test('a guest stopped while it writes leaves an image file whose file system reads back, its files in it', async () => {
    const a = await host('a', { sharedDir: tempDir() });
    const g = await start(a, bytes, { args: ['/data', '5000', '4', '4'], disk: DISK, diskShared: true });
    await sleep(800);
    expect((await api(a.url, `/v1/guests/${g.body.id}/stop`, { method: 'POST' })).status).toBe(200);
    // The worker writes the disk back before it exits; it is given at most two seconds (guest-handle.ts).
    await sleep(2_500);
    const listing = await filesIn(g.body.diskImage.path);
    for (let i = 0; i < 4; i++) expect(listing).toMatch(new RegExp(`/data/logs/file${i}\\.txt [1-9]\\d* [0-9a-f]{8}\n`));
  }, 30_000);

  test.skipIf(!existsSync(SYNCER))('a guest that syncs a file has it in the image file when its fsync returns, before and after a move', async () => {
    const shared = tempDir();
    const a = await host('a', { sharedDir: shared });
    const b = await host('b', { sharedDir: shared });
    // Two lines, 1.5 s apart: each is synced before the guest prints "synced N".
    const g = await start(a, readFileSync(SYNCER), { args: ['/data/synced.txt', '2', '1500'], disk: DISK, diskShared: true });
    const id = g.body.id as string;
    const image = g.body.diskImage.path as string;
    const printed = async (on: HostAgent, text: string) => {
      for (const end = Date.now() + 10_000; Date.now() < end && !(await logs(on, id)).includes(text); ) await sleep(10);
    };
    await printed(a, 'synced 1');
    expect(await filesIn(image)).toMatch(/^\/data\/synced\.txt 7 [0-9a-f]{8}$/m);
    await migrate(a, b, id);
    await printed(b, 'synced 2');
    // On the destination too, the fsync returned once both lines were in the file.
    expect(await filesIn(image)).toMatch(/^\/data\/synced\.txt 14 [0-9a-f]{8}$/m);
    expect((await api(b.url, `/v1/guests/${id}/wait`)).body.exitCode).toBe(0);
  }, 60_000);

  test('a shared disk needs a disk and a host with a shared directory, and a file of its own', async () => {
    const plain = await host('plain');
    const r1 = await start(plain, bytes, { disk: DISK, diskShared: true });
    expect(r1.status).toBe(400);
    expect(r1.body.error.message).toMatch(/no shared directory/);
    const a = await host('a', { sharedDir: tempDir() });
    const r2 = await start(a, bytes, { diskShared: true });
    expect(r2.status).toBe(400);
    expect(r2.body.error.code).toBe('WASMOTION_ERR_USAGE');
    const r3 = await start(a, bytes, { disk: DISK, diskShared: 'yes' });
    expect(r3.status).toBe(400);
    await expect(host('x', { sharedDir: join(tempDir(), 'missing') })).rejects.toThrow(/does not exist/);
  });
});
