/**
 * DRS benchmark: one balancing pass over simulated skewed clusters, from small
 * up to 1,000 hosts x 50,000 guests. Prints pass time, imbalance before and
 * after, and migrations used against a simple lower bound:
 *   bound = number of hosts whose load exceeds mean + target
 * (each such host must send at least one guest away for its load to come
 * within the tolerated band; it is a heuristic bound, not a proof of optimality).
 */
import { balancePass, generateCluster, simulate, targetImbalance, type Cluster } from '../../host-shim/cluster/drs/index.js';
import { ClusterState } from '../../host-shim/cluster/drs/state.js';
import { DEFAULT_BANDWIDTH } from '../../host-shim/cluster/drs/balance.js';

const SIZES: [number, number][] = [
  [10, 200],
  [100, 5000],
  [500, 25000],
  [1000, 50000],
];
const THRESHOLD = 3;

function lowerBound(cluster: Cluster): number {
  const state = new ClusterState(cluster, DEFAULT_BANDWIDTH);
  const mean = state.sumLoad / state.activeCount;
  let n = 0;
  for (let h = 0; h < state.hosts.length; h++) if (state.active[h] && state.load[h] > mean + targetImbalance(THRESHOLD)) n++;
  return n;
}

const CONVERGE_PASSES = 10;

/** Imbalance after each of several executed passes (fully automated, history fed back). */
function convergence(cluster: Cluster, maxMovesPerPass: number): string {
  const start = process.hrtime.bigint();
  const { steps } = simulate(cluster, CONVERGE_PASSES, { threshold: THRESHOLD, automation: 'fully-automated', maxMovesPerPass });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const total = steps.reduce((n, s) => n + s.result.recommendations.length, 0);
  const trail = steps.map((s) => s.result.imbalanceAfter.toFixed(3)).join(' ');
  return `  ${CONVERGE_PASSES} passes (${ms.toFixed(0)} ms): imbalance ${trail}; ${total} migrations`;
}

let last = '';
for (const [hosts, guests] of SIZES) {
  const cluster = generateCluster({ hosts, guests, seed: 42 });
  balancePass(cluster, { threshold: THRESHOLD }); // warm-up: JIT and allocation
  const start = process.hrtime.bigint();
  const result = balancePass(cluster, { threshold: THRESHOLD, maxMovesPerPass: 4 * hosts });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const moves = result.recommendations.length;
  const bound = lowerBound(cluster);
  console.log(
    `${hosts}x${guests}: pass ${ms.toFixed(1)} ms, imbalance ${result.imbalanceBefore.toFixed(4)} -> ${result.imbalanceAfter.toFixed(4)} (target ${result.target}), ${moves} migrations (lower bound ${bound})`,
  );
  console.log(convergence(cluster, 4 * hosts));
  last = `drs: ${hosts}x${guests} pass ${ms.toFixed(0)} ms, imbalance ${result.imbalanceBefore.toFixed(4)} -> ${result.imbalanceAfter.toFixed(4)}, ${moves} migrations`;
}
console.log(last);
