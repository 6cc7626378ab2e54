/**
 * Emulated hosts with their own network stacks: one Linux network namespace
 * per host, each with its own address, all joined by veth links to a bridge
 * in a "switch" namespace, plus a "client" namespace for whoever drives them.
 * Needs root and iproute2. Every address lives inside namespaces made here;
 * nothing touches the machine's own network.
 *
 *   wm-client (10.77.0.254) ──┐
 *   wm-h1     (10.77.0.1)   ──┼── br0 in wm-switch
 *   wm-h2     (10.77.0.2)   ──┘
 */
import { execFileSync, spawnSync } from 'node:child_process';

export const SUBNET = '10.77.0';

export interface Topology {
  prefix: string;
  hosts: { ns: string; address: string }[];
  client: { ns: string; address: string };
  destroy(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Whether this process can make network namespaces (root, with iproute2). */
export function canUseNetns(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `wm-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
  if (add.status !== 0) return false;
  spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  return true;
}

/** Creates the topology for `n` hosts; names start with `prefix` so several can coexist. */
export function createTopology(n: number, prefix = `wm${process.pid % 10000}`): Topology {
  const sw = `${prefix}-switch`;
  const members = [...Array.from({ length: n }, (_, i) => ({ ns: `${prefix}-h${i + 1}`, address: `${SUBNET}.${i + 1}` })), { ns: `${prefix}-client`, address: `${SUBNET}.254` }];
  const made: string[] = [];
  const destroy = () => {
    for (const ns of made.reverse()) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  };
  try {
    ip('netns', 'add', sw);
    made.push(sw);
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    members.forEach((m, i) => {
      ip('netns', 'add', m.ns);
      made.push(m.ns);
      ip('-n', m.ns, 'link', 'set', 'lo', 'up');
      // One veth pair per member: eth0 in its namespace, port i on the bridge.
      ip('-n', sw, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', m.ns);
      ip('-n', sw, 'link', 'set', `p${i}`, 'master', 'br0');
      ip('-n', sw, 'link', 'set', `p${i}`, 'up');
      ip('-n', m.ns, 'addr', 'add', `${m.address}/24`, 'dev', 'eth0');
      ip('-n', m.ns, 'link', 'set', 'eth0', 'up');
    });
  } catch (err) {
    destroy();
    throw err;
  }
  return { prefix, hosts: members.slice(0, n), client: members[n], destroy };
}
