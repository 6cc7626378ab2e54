/**
 * A typed client for the cluster manager's API (docs/cluster.md): what
 * operators and the CLI use. Hosts talk to the manager through ClusterMember
 * (host/cluster-member.ts), with signed requests.
 */
import { protocolError } from './errors.js';
import type { ApiToken } from '../net/api-token.js';
import { HostHttp, type RequestOptions } from './http.js';
import { ndjson } from './ndjson.js';
import { normalizeHostUrl } from './url.js';
import { sha256Hex } from './host-client.js';
import type {
  BalanceResult,
  ClusterConfig,
  ClusterEvent,
  ClusterGuest,
  ClusterHost,
  ClusterStatus,
  MaintenanceReport,
  PlaceGuestRequest,
  Rule,
} from './cluster-types.js';

export type MaintenanceAction = 'enter' | 'exit' | 'cancel';

const DEFAULT_TIMEOUT_MS = 30_000;

export class ClusterClient {
  readonly url: string;
  private readonly http: HostHttp;

  /** `apiToken`: the manager's, if it was started with one (net/api-token.ts). */
  constructor(url: string, options: { timeoutMs?: number; apiToken?: ApiToken } = {}) {
    this.url = normalizeHostUrl(url);
    this.http = new HostHttp(this.url, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.apiToken);
  }

  status(options?: RequestOptions): Promise<ClusterStatus> {
    return this.http.json('GET', '/v1/cluster', options);
  }

  hosts(options?: RequestOptions): Promise<ClusterHost[]> {
    return this.http.json('GET', '/v1/cluster/hosts', options);
  }

  guests(options?: RequestOptions): Promise<ClusterGuest[]> {
    return this.http.json('GET', '/v1/cluster/guests', options);
  }

  events(since = 0, options?: RequestOptions): Promise<ClusterEvent[]> {
    return this.http.json('GET', `/v1/cluster/events?since=${since}`, options);
  }

  /** Events after `since` as they happen, until the signal aborts. */
  followEvents(since = 0, options: RequestOptions = {}): AsyncGenerator<ClusterEvent> {
    const chunks = this.http.stream('GET', `/v1/cluster/events?since=${since}&follow=1`, { timeoutMs: 0, accept: 'application/x-ndjson', ...options });
    return ndjson<ClusterEvent>(chunks, this.url);
  }

  setConfig(change: Partial<ClusterConfig>, options?: RequestOptions): Promise<ClusterConfig> {
    return this.http.json('PUT', '/v1/cluster/config', jsonBody(change, options));
  }

  setRules(rules: Rule[], options?: RequestOptions): Promise<Rule[]> {
    return this.http.json('PUT', '/v1/cluster/rules', jsonBody(rules, options));
  }

  /** Uploads a module to the manager unless it holds it already; returns its digest. */
  async putModule(bytes: Uint8Array, options?: RequestOptions): Promise<string> {
    const digest = sha256Hex(bytes);
    const head = await this.http.send('HEAD', `/v1/cluster/modules/${digest}`, { ...options, alsoOk: [404] });
    head.done();
    if (head.response.status === 404) {
      const answer = await this.http.json<{ digest?: unknown }>('PUT', `/v1/cluster/modules/${digest}`, { ...options, body: bytes, contentType: 'application/wasm' });
      if (answer?.digest !== digest) throw protocolError(this.url, `the module was stored as ${String(answer?.digest)}, not ${digest}`);
    }
    return digest;
  }

  /** Initial placement: the cluster picks the host (or checks the one given) and starts the guest there. */
  placeGuest(request: PlaceGuestRequest & { host?: string }, options?: RequestOptions): Promise<ClusterGuest> {
    return this.http.json('POST', '/v1/cluster/guests', jsonBody(request, options));
  }

  balance(options?: RequestOptions): Promise<BalanceResult> {
    return this.http.json('POST', '/v1/cluster/balance', { timeoutMs: 0, ...jsonBody({}, options) });
  }

  /** Carries out the recommendations waiting for an operator (manual and partially automated levels). */
  applyRecommendations(options?: RequestOptions): Promise<{ executed: BalanceResult['executed'] }> {
    return this.http.json('POST', '/v1/cluster/recommendations/apply', { timeoutMs: 0, ...jsonBody({}, options) });
  }

  maintenance(host: string, action: MaintenanceAction, options?: RequestOptions): Promise<MaintenanceReport> {
    return this.http.json('POST', `/v1/cluster/hosts/${encodeURIComponent(host)}/maintenance`, jsonBody({ action }, options));
  }
}

function jsonBody(body: unknown, options?: RequestOptions) {
  return { ...options, body: JSON.stringify(body), contentType: 'application/json' };
}
