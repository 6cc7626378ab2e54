/** DRS scheduler core: pure functions from a Cluster model to recommendations. */
export { validateCluster, DEFAULT_SHARES, type Cluster, type Guest, type Host, type Resources, type Rule } from './model.js';
export { entitlements, divideByShares, wanted, loadOf, stddev, migrationCost, CPU_WEIGHT, MEMORY_WEIGHT } from './entitlement.js';
export { targetImbalance, minimumGain, automationFlags, type Threshold, type AutomationLevel } from './threshold.js';
export { balancePass, DEFAULT_BANDWIDTH, type BalanceOptions, type PassResult } from './balance.js';
export { placeGuest, type Placement } from './place.js';
export { planEvacuation, type EvacuationPlan } from './maintenance.js';
export { generateCluster, applyRecommendations, simulate, seededRandom, type GenerateOptions } from './simulator.js';
export type { Recommendation, Violation } from './recommendation.js';
