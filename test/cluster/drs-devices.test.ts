// DRS with guests' devices: a disk is memory its guest holds wherever it
// runs (counted in its load, its reservations and its migration cost), a
// guest that publishes a service runs only on hosts joined to its switch, and
// one whose disk is in a shared directory only on hosts sharing it.
import { describe, expect, it } from 'vitest';
import { balancePass, migrationCost, placeGuest, planEvacuation, validateCluster, type Cluster, type Guest, type Host } from '../../host-shim/cluster/drs/index.js';
import { ClusterState } from '../../host-shim/cluster/drs/state.js';

const GIB = 1024 ** 3;

function host(id: string, extra: Partial<Host> = {}): Host {
  return { id, capacity: { cpu: 4, memory: 8 * GIB }, ...extra };
}

function guest(id: string, on: string, extra: Partial<Guest> = {}): Guest {
  return { id, host: on, demand: { cpu: 1, memory: 64 << 20 }, migration: { memoryBytes: 64 << 20, dirtyRate: 0 }, ...extra };
}

describe('a guest with a disk', () => {
  it('holds its disk as memory: in its host\'s load and reservations, and in what a move copies', () => {
    const withDisk: Cluster = { hosts: [host('h0')], guests: [guest('d', 'h0', { disk: 2 * GIB })] };
    const without: Cluster = { hosts: [host('h0')], guests: [guest('d', 'h0')] };
    const a = new ClusterState(withDisk, 1e9);
    const b = new ClusterState(without, 1e9);
    expect(a.wantMem[0] - b.wantMem[0]).toBe(2 * GIB);
    expect(a.resMem[0]).toBe(2 * GIB);
    expect(a.load[0]).toBeGreaterThan(b.load[0]);
    expect(migrationCost(withDisk.guests[0], 1e9)).toBeCloseTo(((64 << 20) + 2 * GIB) / 1e9);
  });

  it('is placed only where its disk fits beside the reservations already there, and refused with the reason when it fits nowhere', () => {
    const cluster: Cluster = {
      hosts: [host('small', { capacity: { cpu: 4, memory: 1 * GIB } }), host('big')],
      guests: [guest('r', 'big', { reservation: { cpu: 0, memory: 5 * GIB } })],
    };
    expect(placeGuest(cluster, guest('n', '', { disk: 2 * GIB }))).toMatchObject({ ok: true, host: 'big' });
    const refused = placeGuest(cluster, guest('n', '', { disk: 4 * GIB }));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reason).toBe('guest n fits on no host (2 host(s): reservations (disks included) do not fit on <host>)');
  });

  it('is evacuated only to a host with room for its disk', () => {
    const cluster: Cluster = {
      hosts: [host('h0'), host('tight', { capacity: { cpu: 64, memory: 1 * GIB } }), host('roomy')],
      guests: [guest('d', 'h0', { disk: 3 * GIB })],
    };
    expect(planEvacuation(cluster, 'h0').moves).toMatchObject([{ guest: 'd', to: 'roomy' }]);
    const stuck = planEvacuation({ ...cluster, hosts: cluster.hosts.slice(0, 2) }, 'h0');
    expect(stuck.complete).toBe(false);
    expect(stuck.stuck).toEqual([{ guest: 'd', reason: 'reservations (disks included) do not fit on <host>' }]);
  });
});

describe('a guest that publishes a service', () => {
  const hosts = [host('plain'), host('a1', { switch: 'sw-a:7200' }), host('b1', { switch: 'sw-b:7200' }), host('a2', { switch: 'sw-a:7200' })];

  it('starts only on a host joined to a switch, any switch', () => {
    // plain is the least loaded host: it would win without the service.
    const cluster: Cluster = { hosts, guests: [guest('x', 'a1'), guest('y', 'b1'), guest('z', 'a2')] };
    expect(placeGuest(cluster, guest('n', ''))).toMatchObject({ ok: true, host: 'plain' });
    const placed = placeGuest(cluster, guest('n', '', { service: {} }));
    expect(placed.ok && placed.host).not.toBe('plain');
    const refused = placeGuest({ hosts: [host('plain'), host('other')], guests: [] }, guest('n', '', { service: {} }));
    expect(refused).toEqual({ ok: false, reason: 'guest n fits on no host (2 host(s): n publishes a service and <host> is joined to no virtual switch)' });
  });

  it('moves only between hosts joined to its switch: maintenance says why it cannot go elsewhere', () => {
    const cluster: Cluster = { hosts, guests: [guest('s', 'a1', { service: { switch: 'sw-a:7200' } })] };
    expect(planEvacuation(cluster, 'a1').moves).toMatchObject([{ guest: 's', from: 'a1', to: 'a2' }]);
    const stuck = planEvacuation({ ...cluster, hosts: hosts.slice(0, 3) }, 'a1');
    expect(stuck.complete).toBe(false);
    const reason = stuck.stuck[0].reason;
    expect(reason).toContain('s publishes a service and <host> is joined to no virtual switch');
    expect(reason).toContain('s publishes its service on switch sw-a:7200 and <host> is joined to switch sw-b:7200');
  });

  it('is balanced only onto hosts of its switch', () => {
    const guests = Array.from({ length: 6 }, (_, i) => guest(`s${i}`, 'a1', { service: { switch: 'sw-a:7200' } }));
    const pass = balancePass({ hosts, guests }, { threshold: 5, automation: 'fully-automated' });
    expect(pass.recommendations.length).toBeGreaterThan(0);
    for (const move of pass.recommendations) expect(move.to).toBe('a2');
  });

  it('is described strictly: unknown keys and empty switch names are refused', () => {
    expect(() => validateCluster({ hosts, guests: [guest('s', 'a1', { service: { port: 80 } as never })] })).toThrow(/unknown key "port"/);
    expect(() => validateCluster({ hosts: [host('h', { switch: '' })], guests: [] })).toThrow(/switch must be a non-empty string/);
    expect(() => validateCluster({ hosts, guests: [guest('d', 'a1', { disk: -1 })] })).toThrow(/disk must be a finite non-negative number/);
  });
});

describe('a guest whose disk is in a shared directory', () => {
  const hosts = [host('plain'), host('a1', { sharedDir: '/mnt/a' }), host('b1', { sharedDir: '/mnt/b' }), host('a2', { sharedDir: '/mnt/a' })];

  it('starts only on a host with a shared directory, any directory', () => {
    // plain is the least loaded host: it would win without the shared disk.
    const cluster: Cluster = { hosts, guests: [guest('x', 'a1'), guest('y', 'b1'), guest('z', 'a2')] };
    expect(placeGuest(cluster, guest('n', '', { disk: 1 << 20 }))).toMatchObject({ ok: true, host: 'plain' });
    const placed = placeGuest(cluster, guest('n', '', { disk: 1 << 20, sharedDisk: {} }));
    expect(placed.ok && placed.host).not.toBe('plain');
    const refused = placeGuest({ hosts: [host('plain'), host('other')], guests: [] }, guest('n', '', { disk: 1 << 20, sharedDisk: {} }));
    expect(refused).toEqual({ ok: false, reason: 'guest n fits on no host (2 host(s): n keeps its disk in a shared directory and <host> has none)' });
  });

  it('moves only between hosts sharing its directory: maintenance names the directory when it cannot go elsewhere', () => {
    const cluster: Cluster = { hosts, guests: [guest('d', 'a1', { disk: 1 << 20, sharedDisk: { dir: '/mnt/a' } })] };
    expect(planEvacuation(cluster, 'a1').moves).toMatchObject([{ guest: 'd', from: 'a1', to: 'a2' }]);
    const stuck = planEvacuation({ ...cluster, hosts: hosts.slice(0, 3) }, 'a1');
    expect(stuck.complete).toBe(false);
    const reason = stuck.stuck[0].reason;
    expect(reason).toContain('d keeps its disk in a shared directory and <host> has none');
    expect(reason).toContain('d keeps its disk in shared directory /mnt/a and <host> shares /mnt/b');
  });

  it('is balanced only onto hosts sharing its directory', () => {
    const guests = Array.from({ length: 6 }, (_, i) => guest(`d${i}`, 'a1', { disk: 1 << 20, sharedDisk: { dir: '/mnt/a' } }));
    const pass = balancePass({ hosts, guests }, { threshold: 5, automation: 'fully-automated' });
    expect(pass.recommendations.length).toBeGreaterThan(0);
    for (const move of pass.recommendations) expect(move.to).toBe('a2');
  });

  it('is moved by a rule repair only onto a host sharing its directory: a rule naming another stays violated', () => {
    const rules: Cluster['rules'] = [{ kind: 'host-must', name: 'elsewhere', guests: ['d'], hosts: ['b1', 'a2'] }];
    const cluster: Cluster = { hosts, guests: [guest('d', 'a1', { disk: 1 << 20, sharedDisk: { dir: '/mnt/a' } })], rules };
    const pass = balancePass(cluster, { threshold: 5, automation: 'fully-automated' });
    expect(pass.recommendations).toMatchObject([{ guest: 'd', from: 'a1', to: 'a2' }]);
    const only = balancePass({ ...cluster, rules: [{ kind: 'host-must', name: 'other', guests: ['d'], hosts: ['b1'] }] }, { threshold: 5, automation: 'fully-automated' });
    expect(only.recommendations).toEqual([]);
    expect(only.violations).toMatchObject([{ rule: 'other', guests: ['d'] }]);
  });

  it('costs only its memory to move: the disk is read from the image, not sent', () => {
    const copied = guest('c', 'a1', { disk: 2 * GIB });
    const shared = guest('s', 'a1', { disk: 2 * GIB, sharedDisk: { dir: '/mnt/a' } });
    expect(migrationCost(shared, 1e9)).toBeCloseTo((64 << 20) / 1e9);
    expect(migrationCost(copied, 1e9)).toBeGreaterThan(migrationCost(shared, 1e9));
    // It still holds its disk as memory on its host.
    expect(new ClusterState({ hosts, guests: [shared] }, 1e9).resMem[1]).toBe(2 * GIB);
  });

  it('is described strictly: unknown keys and empty directories are refused', () => {
    expect(() => validateCluster({ hosts, guests: [guest('d', 'a1', { sharedDisk: { path: '/mnt/a' } as never })] })).toThrow(/unknown key "path"/);
    expect(() => validateCluster({ hosts, guests: [guest('d', 'a1', { sharedDisk: { dir: '' } })] })).toThrow(/sharedDisk.dir must be a non-empty string/);
    expect(() => validateCluster({ hosts: [host('h', { sharedDir: '' })], guests: [] })).toThrow(/sharedDir must be a non-empty string/);
  });
});
