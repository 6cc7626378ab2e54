// DRS with guests' devices: a disk is memory its guest holds wherever it
// runs (counted in its load, its reservations and its migration cost), and a
// guest that publishes a service runs only on hosts joined to its switch.
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
