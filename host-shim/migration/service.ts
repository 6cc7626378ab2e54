/**
 * Live migration on a host: the routes of docs/host-api.md for migrations,
 * the queue (at most maxMigrations run at once; more wait), the TLS listener
 * for incoming guests, and fencing for a source in doubt.
 */
import { randomBytes } from 'node:crypto';
import type { HostAgent } from '../host/agent.js';
import { HttpError, readJson, sendJson, type Router } from '../host/http.js';
import type { GuestPolicy } from '../host/policy.js';
import { receiveMigration } from './destination.js';
import { normalizeHostUrl } from '../client/url.js';
import { Migration } from './progress.js';
import { MigrationSource } from './source.js';
import { MigrationListener } from './listener.js';
import { PROTOCOL } from './wire.js';
import { errorCode } from '../errors.js';

const DEFAULT_DOWNTIME_MS = 300;
const KEEP_ALIVE_MS = 15_000;

export class MigrationService {
  readonly migrations = new Map<string, Migration>();
  private readonly queue: (() => void)[] = [];
  private active = 0;
  private listener: MigrationListener | undefined;
  /** Where other hosts reach the listener, if not at its own address (endpoint()). */
  private advertised: { host: string; port: number } | undefined;
  /** Guests fenced by a source in doubt, while their incoming migration is under way. */
  private readonly fences = new Set<string>();
  /** Guests promised to one incoming migration each, from its STATE (DestinationHost.claim). */
  private readonly claimed = new Set<string>();
  /** Incoming migrations under way, by guest id. */
  private readonly receiving = new Map<string, number>();

  constructor(private readonly agent: HostAgent) {}

  private get max(): number {
    return this.agent.config.maxMigrations ?? 2;
  }

  async listen(): Promise<void> {
    const secret = this.agent.config.secret;
    if (!secret) return;
    this.listener = new MigrationListener(
      secret,
      (socket) => {
        receiveMigration(socket, this.destinationHost()).catch((err) => this.agent.emit('migration-in-failed', { error: (err as Error).message }));
      },
      (reason, remote) => this.agent.emit('peer-refused', { remote, reason }),
    );
    await this.listener.listen(this.agent.config.host, this.agent.config.migrationPort ?? 0);
    this.advertised = this.agent.config.migrationAdvertise;
  }

  /**
   * Where other hosts reach the migration listener (GET /v1/host): the
   * advertised address, else the listener's own. A host listening on a
   * wildcard address (0.0.0.0, ::) names it as such, and a source then
   * connects to the address it reached this host's API at (source.ts).
   */
  endpoint(): { host: string; port: number; protocol: number; state: string } | null {
    if (!this.listener) return null;
    const at = this.advertised ?? { host: this.agent.config.host, port: this.listener.port };
    return { ...at, protocol: PROTOCOL, state: '1.0' };
  }

  /** Advertises another address for the listener from now on (a proxy put in front of it); null: its own again. */
  advertise(at: { host: string; port: number } | null): void {
    this.advertised = at ?? undefined;
  }

  /** No migration under way, out of this host or into it. */
  idle(): boolean {
    return this.active === 0 && this.receiving.size === 0;
  }

  async close(): Promise<void> {
    for (const m of this.migrations.values()) m.cancelRequested = true;
    await this.listener?.close();
  }

  private destinationHost() {
    const a = this.agent;
    return {
      offer: a.offer,
      limits: (policy: GuestPolicy) => a.limits(policy),
      admit: (id: string, policy: GuestPolicy, diskBytes: number) => a.admission.hold(id, { policy, diskBytes }),
      release: (id: string) => a.admission.release(id),
      worker: () => a.workers.take(),
      consoleHistory: a.consoleHistory,
      hasModule: (d: string) => a.modules.has(d),
      module: (d: string) => a.modules.get(d),
      putModule: (b: Uint8Array) => a.modules.put(b),
      hasGuest: (id: string) => {
        const g = a.guests.get(id);
        return g !== undefined && !g.ended;
      },
      adopt: (g: import('../host/guest-handle.js').GuestHandle) => {
        // The guest's reservation now counts as a guest here, not as a hold.
        a.admission.release(g.id);
        a.register(g);
        a.emit('guest-arrived', g.info());
      },
      claim: (id: string) => {
        if (this.claimed.has(id)) return null;
        this.claimed.add(id);
        return () => this.claimed.delete(id);
      },
      fenced: (id: string) => this.fences.has(id),
      receiving: (id: string) => {
        this.receiving.set(id, (this.receiving.get(id) ?? 0) + 1);
        return () => {
          const left = this.receiving.get(id)! - 1;
          if (left > 0) return void this.receiving.set(id, left);
          this.receiving.delete(id);
          this.fences.delete(id);
        };
      },
      net: (id: string) => a.netConfig(id),
      sharedDir: a.sharedDir(),
      openChannel: (timeoutMs: number) => this.listener!.openChannel(timeoutMs),
    };
  }

  routes(r: Router): void {
    r.on('POST', '/v1/guests/:id/migrate', async (req, res, [id]) => {
      const body = await readJson(req, ['to', 'downtimeLimitMs', 'policy', 'compress']);
      const g = this.agent.guest(id);
      if (typeof body.to !== 'string' || !/^https?:\/\//.test(body.to)) throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"to" must be the URL of the destination host');
      const to = destinationUrl(body.to);
      const downtime = body.downtimeLimitMs ?? DEFAULT_DOWNTIME_MS;
      if (typeof downtime !== 'number' || !(downtime > 0)) throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"downtimeLimitMs" must be a positive number');
      const policy = body.policy ?? 'abort';
      if (policy !== 'abort' && policy !== 'accept-downtime') throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"policy" is abort or accept-downtime');
      const compress = body.compress ?? false;
      if (typeof compress !== 'boolean') throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"compress" must be true or false');
      if (!this.agent.config.secret) throw new HttpError(409, 'WASMOTION_ERR_MIGRATION_REFUSED', 'this host has no cluster secret: it takes no part in migrations');
      if (g.state !== 'running') throw new HttpError(409, 'WASMOTION_ERR_BUSY', `guest ${id} is ${g.state}, not running`);
      if ([...this.migrations.values()].some((m) => m.guest === id && !m.done)) throw new HttpError(409, 'WASMOTION_ERR_BUSY', `guest ${id} is already migrating`);
      const m = new Migration(`m-${randomBytes(4).toString('hex')}`, id, to, downtime, policy, compress);
      this.migrations.set(m.id, m);
      void this.schedule(m);
      sendJson(res, 202, { id: m.id, guest: id, to: m.to, state: m.last.state });
    });
    r.on('GET', '/v1/migrations', async (_req, res) => sendJson(res, 200, [...this.migrations.values()].map((m) => m.last)));
    r.on('GET', '/v1/migrations/:id', async (_req, res, [id]) => sendJson(res, 200, this.migration(id).last));
    r.on('POST', '/v1/migrations/:id/cancel', async (_req, res, [id]) => {
      const m = this.migration(id);
      m.cancelRequested = true;
      if (m.last.state === 'queued') m.update({ state: 'cancelled', error: { code: 'WASMOTION_ERR_MIGRATION_CANCELLED', message: 'cancelled while queued' } });
      sendJson(res, 200, m.last);
    });
    r.on('GET', '/v1/migrations/:id/events', async (req, res, [id]) => {
      const m = this.migration(id);
      const sse = (req.headers.accept ?? '').includes('text/event-stream');
      res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/x-ndjson', 'cache-control': 'no-cache' });
      const abort = new AbortController();
      req.on('close', () => abort.abort());
      // Keep quiet streams alive through idle timeouts; readers skip empty lines.
      const keepAlive = setInterval(() => res.write(sse ? ':\n\n' : '\n'), KEEP_ALIVE_MS);
      try {
        for await (const e of m.follow(abort.signal)) res.write(sse ? `data: ${JSON.stringify(e)}\n\n` : `${JSON.stringify(e)}\n`);
      } finally {
        clearInterval(keepAlive);
      }
      res.end();
    });
    r.on('POST', '/v1/guests/:id/fence', async (req, res, [id]) => {
      const { migration } = await readJson(req, ['migration']);
      if (migration !== undefined && typeof migration !== 'string') throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"migration" must be a migration id');
      const g = this.agent.guests.get(id);
      if (g?.state === 'running') return sendJson(res, 200, { state: 'running' });
      // The guest arrived by that migration and ended here since, or moved on: it ran here.
      if (g && migration !== undefined && g.arrivedBy === migration) return sendJson(res, 200, { state: g.state, adopted: true });
      // Whatever else this host holds of the guest (an earlier stay, say), it does not run it. An
      // incoming migration under way never starts it now; with none, nothing here can start it.
      if (this.receiving.has(id)) this.fences.add(id);
      sendJson(res, 200, { state: 'fenced' });
    });
  }

  private migration(id: string): Migration {
    const m = this.migrations.get(id);
    if (!m) throw new HttpError(404, 'WASMOTION_ERR_NOT_FOUND', `no migration ${id}`);
    return m;
  }

  private async schedule(m: Migration): Promise<void> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      if (m.done) return;
      const g = this.agent.guest(m.guest);
      const moduleBytes = this.agent.modules.get(g.module)!;
      await new MigrationSource(m, g, { secret: this.agent.config.secret!, moduleBytes, switch: this.agent.switchEndpoint(), apiToken: this.agent.config.apiToken }).run();
    } catch (err) {
      const code = errorCode(err);
      const state = code === 'WASMOTION_ERR_MIGRATION_CANCELLED' ? 'cancelled' : 'failed';
      m.update({ state, error: { code, message: (err as Error).message } });
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

/** The destination's URL as the source calls it; a malformed one is the caller's mistake. */
function destinationUrl(text: string): string {
  try {
    return normalizeHostUrl(text);
  } catch (err) {
    throw new HttpError(400, 'WASMOTION_ERR_USAGE', `"to": ${(err as Error).message}`);
  }
}
