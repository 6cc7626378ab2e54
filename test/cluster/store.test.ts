import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ClusterStore, MAX_EVENTS } from '../../host-shim/cluster/manager/store.js';
import { DEFAULT_SETTINGS } from '../../host-shim/cluster/manager/manager.js';
import { Inventory, type InventoryEvent, type ReportedGuest } from '../../host-shim/cluster/manager/inventory.js';

const dirs: string[] = [];
const stores: ClusterStore[] = [];
function open(dir: string, settings = DEFAULT_SETTINGS): ClusterStore {
  const store = ClusterStore.open(dir, settings);
  stores.push(store);
  return store;
}
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wasmotion-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.flush();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const enrollment = (name: string) => ({ name, url: `http://127.0.0.1:1/${name}`, engine: 'v8', version: '0.1.0', features: [], capabilities: [], capacity: { cpu: 2, memory: 1 << 30 } });
const guest = (id: string, state: string): ReportedGuest =>
  ({ id, name: null, module: 'm', state, args: [], startedAt: '', steps: '0', memoryBytes: 65536, exitCode: state === 'exited' ? 3 : null, error: null, migration: null }) as ReportedGuest;

describe('the cluster store', () => {
  test('state written by one store is read by the next', () => {
    const dir = freshDir();
    const a = open(dir);
    a.state.config.threshold = 5;
    a.appendEvent({ type: 't', message: 'hello' });
    a.flush();
    const b = open(dir, { ...DEFAULT_SETTINGS, threshold: 1 });
    expect(b.state.config.threshold).toBe(5);
    expect(b.state.events.map((e) => e.message)).toEqual(['hello']);
    expect(b.appendEvent({ type: 't', message: 'next' }).seq).toBe(2);
  });

  test('a damaged or foreign state file is refused with a stable code, not replaced', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'cluster.json'), '{"version": 1, "config"');
    expect(() => ClusterStore.open(dir, DEFAULT_SETTINGS)).toThrow(expect.objectContaining({ code: 'WASMOTION_ERR_CLUSTER_STORE' }));
    expect(readFileSync(join(dir, 'cluster.json'), 'utf8')).toBe('{"version": 1, "config"');
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ version: 99 }));
    expect(() => ClusterStore.open(dir, DEFAULT_SETTINGS)).toThrow(/version 99/);
  });

  test('only the newest events are kept', () => {
    const store = open(freshDir());
    for (let i = 0; i < MAX_EVENTS + 10; i++) store.appendEvent({ type: 't', message: String(i) });
    expect(store.state.events).toHaveLength(MAX_EVENTS);
    expect(store.state.events[0].seq).toBe(11);
  });
});

describe('the inventory', () => {
  function setup() {
    const store = open(freshDir());
    const events: InventoryEvent[] = [];
    const inventory = new Inventory(store, (e) => events.push(e));
    inventory.enroll(enrollment('h1'));
    inventory.enroll(enrollment('h2'));
    return { store, events, inventory };
  }

  test('a guest that ends is reported once; one that migrated away is not reported as ended', () => {
    const { events, inventory } = setup();
    inventory.heartbeat('h1', [guest('a', 'running'), guest('b', 'running')]);
    inventory.heartbeat('h1', [guest('a', 'exited'), guest('b', 'migrated')]);
    inventory.heartbeat('h2', [guest('b', 'running')]);
    inventory.heartbeat('h1', [guest('a', 'exited'), guest('b', 'migrated')]);
    expect(events.filter((e) => e.type === 'guest-ended').map((e) => e.guest)).toEqual(['a']);
    expect(inventory.guests().map((g) => [g.id, g.host])).toEqual([['b', 'h2']]);
  });

  test('a silent host is disconnected with its guests named, and leaves the DRS model', () => {
    const { events, inventory } = setup();
    const t = Date.now();
    inventory.heartbeat('h1', [guest('a', 'running')], t);
    inventory.heartbeat('h2', [], t + 4000);
    inventory.sweep(1000, t + 4500);
    const gone = events.find((e) => e.type === 'host-disconnected')!;
    expect(gone.host).toBe('h1');
    expect(gone.detail).toEqual({ guests: ['a'] });
    expect(inventory.model([]).hosts.map((h) => h.id)).toEqual(['h2']);
    inventory.heartbeat('h1', [guest('a', 'running')], t + 5000);
    expect(events.at(-1)!.type).toBe('host-reconnected');
  });

  test('a guest both ends of a finished migration report is counted once, on the host that runs it', () => {
    const { inventory } = setup();
    inventory.heartbeat('h2', [guest('a', 'running')]);
    inventory.heartbeat('h1', [guest('a', 'migrating')]);
    expect(inventory.guests().map((g) => [g.id, g.host])).toEqual([['a', 'h2']]);
    expect(inventory.model([]).guests.map((g) => [g.id, g.host])).toEqual([['a', 'h2']]);
  });

  test('an unknown host is told to enroll', () => {
    const { inventory } = setup();
    expect(inventory.heartbeat('h9', [])).toBe(false);
  });

  test('rules keep only guests and hosts that are present', () => {
    const { inventory } = setup();
    inventory.heartbeat('h1', [guest('a', 'running'), guest('b', 'running')]);
    const model = inventory.model([
      { kind: 'affinity', name: 'pair', guests: ['a', 'gone'] },
      { kind: 'anti-affinity', name: 'apart', guests: ['a', 'b', 'gone'] },
      { kind: 'host-must', name: 'pin', guests: ['b'], hosts: ['h2', 'h9'] },
    ]);
    expect(model.rules).toEqual([
      { kind: 'anti-affinity', name: 'apart', guests: ['a', 'b'] },
      { kind: 'host-must', name: 'pin', guests: ['b'], hosts: ['h2'] },
    ]);
  });
});
