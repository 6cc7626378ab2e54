/**
 * The cluster manager: one process that keeps the cluster's inventory, places
 * guests, balances hosts (DRS), empties hosts for maintenance and holds the
 * feature baseline (EVC). It serves the API in docs/cluster.md; hosts enroll
 * and heartbeat with requests signed by the cluster token (../auth.ts).
 * Library code: it reports through its event log, never prints.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ClusterConfig } from '../../client/cluster-types.js';
import { ModuleStore } from '../../host/modules.js';
import { Router } from '../../host/http.js';
import type { ApiToken } from '../../net/api-token.js';
import { deriveKeys, SignatureVerifier } from '../auth.js';
import { Balancer } from './balancer.js';
import { ModuleUses, namedBaseline } from './baseline.js';
import { Evacuations } from './evacuation.js';
import { EventLog } from './events.js';
import { Inventory } from './inventory.js';
import { MoveRunner } from './moves.js';
import { Placement } from './placement.js';
import { routes } from './routes.js';
import { ClusterStore } from './store.js';

export interface ManagerConfig {
  host: string;
  port: number;
  dataDir: string;
  token: Buffer;
  /**
   * Only holders of this token may use the operators' API (net/api-token.ts;
   * enrollments and heartbeats prove the cluster token by their signature);
   * the manager's calls to hosts carry it too.
   */
  apiToken?: ApiToken;
  /** Settings for a new cluster; for an existing one, the ones given replace the stored ones. */
  settings?: Partial<ClusterConfig>;
  /** How often hosts report (told to them when they enroll). */
  heartbeatIntervalMs?: number;
  /** A host silent for this long is disconnected. */
  heartbeatTimeoutMs?: number;
}

/** The routes hosts call with a signature of the cluster token (cluster/auth.ts), not the API token. */
function signedRoute(method: string, path: string): boolean {
  return method === 'POST' && (path === '/v1/cluster/enroll' || path === '/v1/cluster/heartbeat');
}

export const DEFAULT_SETTINGS: ClusterConfig = { baseline: 'wasm2', threshold: 3, automation: 'fully-automated', balanceIntervalMs: 60_000 };
const DEFAULT_HEARTBEAT_MS = 1_000;

export class ClusterManager {
  readonly store: ClusterStore;
  readonly events: EventLog;
  readonly inventory: Inventory;
  readonly modules: ModuleStore;
  readonly moves: MoveRunner;
  readonly balancer: Balancer;
  readonly evacuations: Evacuations;
  readonly placement: Placement;
  readonly verifier: SignatureVerifier;
  readonly heartbeatIntervalMs: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly server: Server;
  private sweeper: NodeJS.Timeout | undefined;
  url = '';

  private constructor(readonly config: ManagerConfig) {
    this.store = ClusterStore.open(config.dataDir, { ...DEFAULT_SETTINGS, ...this.given() });
    this.events = new EventLog(this.store);
    this.inventory = new Inventory(this.store, (e) => this.events.add(e), config.apiToken);
    this.modules = new ModuleStore(join(config.dataDir, 'modules'));
    this.moves = new MoveRunner(this.inventory, this.events);
    this.evacuations = new Evacuations(this.store, this.inventory, this.moves, this.events);
    this.balancer = new Balancer(this.store, this.inventory, this.moves, this.events, () => this.evacuations.active);
    this.placement = new Placement(this.store, this.inventory, this.modules, this.events, new ModuleUses());
    this.verifier = new SignatureVerifier(deriveKeys(config.token).requestKey);
    this.heartbeatIntervalMs = config.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_MS;
    this.heartbeatTimeoutMs = config.heartbeatTimeoutMs ?? 5 * this.heartbeatIntervalMs;
    const router = new Router(config.apiToken ? { token: config.apiToken, open: signedRoute } : undefined);
    routes(this, router);
    this.server = createServer((req, res) => void router.handle(req, res));
  }

  static async start(config: ManagerConfig): Promise<ClusterManager> {
    if (config.settings?.baseline !== undefined) namedBaseline(config.settings.baseline);
    const manager = new ClusterManager(config);
    manager.recover();
    await new Promise<void>((resolve, reject) => {
      manager.server.once('error', reject);
      manager.server.listen(config.port, config.host, () => resolve());
    });
    manager.url = `http://${config.host}:${(manager.server.address() as AddressInfo).port}`;
    manager.sweeper = setInterval(() => manager.inventory.sweep(manager.heartbeatTimeoutMs), manager.heartbeatIntervalMs);
    manager.balancer.schedule();
    manager.events.add({ type: 'manager-started', message: `cluster manager ready at ${manager.url}` });
    return manager;
  }

  /** The settings given at start, without the ones left out. */
  private given(): Partial<ClusterConfig> {
    return Object.fromEntries(Object.entries(this.config.settings ?? {}).filter(([, value]) => value !== undefined));
  }

  /** Applies settings given at start, and ends what a previous run left half done. */
  private recover(): void {
    const given = Object.entries(this.given()).filter(([key, value]) => this.store.state.config[key as keyof ClusterConfig] !== value);
    if (given.length > 0) {
      Object.assign(this.store.state.config, Object.fromEntries(given));
      this.events.add({ type: 'config-changed', message: `settings given at start: ${given.map(([k, v]) => `${k}=${String(v)}`).join(', ')}` });
    }
    for (const [name, host] of Object.entries(this.store.state.hosts)) {
      if (host.maintenance !== 'entering') continue;
      host.maintenance = 'none';
      this.events.add({ type: 'maintenance-failed', host: name, message: `host ${name} stays in service: the manager restarted while it was emptying` });
    }
    this.store.changed();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.balancer.stop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.store.flush();
  }
}
