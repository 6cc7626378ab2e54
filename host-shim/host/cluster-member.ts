/**
 * A host's membership in a cluster: it enrolls with the manager, then reports
 * its guests every heartbeat interval. Requests are signed with the cluster
 * token (cluster/auth.ts). A manager that restarted and forgot the host is
 * answered by enrolling again; a manager that cannot be reached is retried
 * without end, and the host keeps running its guests meanwhile.
 * Library code: it reports through the agent's events, never prints.
 */
import { WasmotionError } from '../errors.js';
import { HOST_UNREACHABLE } from '../client/errors.js';
import { HostHttp } from '../client/http.js';
import { normalizeHostUrl } from '../client/url.js';
import { SIGNATURE_HEADER, sign } from '../cluster/auth.js';
import type { Capacity, Enrollment } from '../client/cluster-types.js';
import type { HostAgent } from './agent.js';

const TIMEOUT_MS = 10_000;
/** How long `join` keeps trying a manager it cannot reach before giving up. */
const JOIN_PATIENCE_MS = 30_000;
const RETRY_MS = 500;

export class ClusterMember {
  private readonly http: HostHttp;
  private intervalMs = 1_000;
  private timer: NodeJS.Timeout | undefined;
  private reachable = true;
  private closed = false;

  constructor(
    private readonly agent: HostAgent,
    managerUrl: string,
    private readonly requestKey: Buffer,
  ) {
    this.http = new HostHttp(normalizeHostUrl(managerUrl), TIMEOUT_MS);
  }

  get managerUrl(): string {
    return this.http.baseUrl;
  }

  /** Enrolls (retrying while the manager is unreachable), then heartbeats until close(). */
  async join(): Promise<void> {
    const deadline = Date.now() + JOIN_PATIENCE_MS;
    for (;;) {
      try {
        await this.enroll();
        break;
      } catch (err) {
        if (!isUnreachable(err) || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
    this.schedule();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private enrollment(): Enrollment {
    const info = this.agent.hostInfo() as { name: string; version: string; engine: string; features: string[]; capabilities: string[]; capacity: Capacity; switch: string | null; sharedDir: string | null };
    return {
      name: info.name,
      url: this.agent.url,
      engine: info.engine,
      version: info.version,
      features: info.features,
      capabilities: info.capabilities,
      capacity: info.capacity,
      switch: info.switch,
      sharedDir: info.sharedDir,
    };
  }

  private async enroll(): Promise<void> {
    const answer = await this.signed<{ heartbeatIntervalMs: number }>('/v1/cluster/enroll', this.enrollment());
    this.intervalMs = answer.heartbeatIntervalMs;
    this.agent.emit('cluster-joined', { manager: this.managerUrl, heartbeatIntervalMs: this.intervalMs });
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.beat().finally(() => this.schedule()), this.intervalMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      const guests = [...this.agent.guests.values()].map((g) => g.info());
      await this.signed('/v1/cluster/heartbeat', { name: this.agent.config.name, guests });
      if (!this.reachable) this.agent.emit('cluster-reachable', { manager: this.managerUrl });
      this.reachable = true;
    } catch (err) {
      if (err instanceof WasmotionError && err.code === 'WASMOTION_ERR_NOT_ENROLLED') {
        await this.enroll().catch((e) => this.agent.emit('cluster-error', { manager: this.managerUrl, error: String(e) }));
        return;
      }
      if (this.reachable) this.agent.emit('cluster-unreachable', { manager: this.managerUrl, error: err instanceof Error ? err.message : String(err) });
      this.reachable = false;
    }
  }

  private signed<T>(path: string, body: unknown): Promise<T> {
    const bytes = Buffer.from(JSON.stringify(body));
    return this.http.json<T>('POST', path, {
      body: bytes,
      contentType: 'application/json',
      headers: { [SIGNATURE_HEADER]: sign(this.requestKey, 'POST', path, bytes) },
    });
  }
}

function isUnreachable(err: unknown): boolean {
  return err instanceof WasmotionError && err.code === HOST_UNREACHABLE;
}
