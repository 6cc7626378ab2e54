/**
 * The manager's HTTP routes (docs/cluster.md). Requests from hosts (enroll,
 * heartbeat) must be signed with the cluster token; the others are the
 * operators' API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterStatus, Enrollment } from '../../client/cluster-types.js';
import { HttpError, parseJsonBody, parseObjectBody, readBody, readJson, sendJson, type Router } from '../../host/http.js';
import { moduleRoutes } from '../../host/modules.js';
import { SIGNATURE_HEADER } from '../auth.js';
import { admitHost, checkBaselineChange } from './baseline.js';
import type { ReportedGuest } from './inventory.js';
import type { ClusterManager } from './manager.js';
import { checkEnrollment, checkPlacement, checkRules, checkSettings } from './requests.js';
import { ClusterState } from '../drs/state.js';
import { DEFAULT_BANDWIDTH, targetImbalance } from '../drs/index.js';
import { reachableUrl } from '../../net/addresses.js';

const MAX_HEARTBEAT_BYTES = 16 << 20;

export function routes(m: ClusterManager, r: Router): void {
  r.on('POST', '/v1/cluster/enroll', async (req, res) => enroll(m, req, res));
  r.on('POST', '/v1/cluster/heartbeat', async (req, res) => heartbeat(m, req, res));
  r.on('GET', '/v1/cluster', async (_req, res) => sendJson(res, 200, status(m)));
  r.on('PUT', '/v1/cluster/config', async (req, res) => {
    const change = checkSettings(await readJson(req));
    if (change.baseline !== undefined) checkBaselineChange(m.store.state.config.baseline, change.baseline, m.inventory);
    Object.assign(m.store.state.config, change);
    m.store.changed();
    m.events.add({ type: 'config-changed', message: `settings changed: ${Object.entries(change).map(([k, v]) => `${k}=${String(v)}`).join(', ')}` });
    if (change.balanceIntervalMs !== undefined) m.balancer.schedule();
    sendJson(res, 200, m.store.state.config);
  });
  r.on('PUT', '/v1/cluster/rules', async (req, res) => {
    const rules = checkRules(parseJsonBody(await readBody(req, 1 << 20)));
    m.store.state.rules = rules;
    m.store.changed();
    m.events.add({ type: 'rules-changed', message: `${rules.length} rule(s): ${rules.map((x) => x.name).join(', ') || 'none'}` });
    sendJson(res, 200, rules);
  });
  r.on('GET', '/v1/cluster/hosts', async (_req, res) => sendJson(res, 200, m.inventory.hosts(m.store.state.rules)));
  r.on('GET', '/v1/cluster/guests', async (_req, res) => sendJson(res, 200, m.inventory.guests()));
  r.on('POST', '/v1/cluster/guests', async (req, res) => {
    const request = checkPlacement(await readJson(req));
    sendJson(res, 201, await m.placement.place(request));
  });
  r.on('GET', '/v1/cluster/events', async (req, res, _params, url) => streamEvents(m, req, res, url));
  moduleRoutes(r, '/v1/cluster/modules', m.modules);
  r.on('POST', '/v1/cluster/balance', async (_req, res) => sendJson(res, 200, await m.balancer.pass()));
  r.on('POST', '/v1/cluster/recommendations/apply', async (_req, res) => sendJson(res, 200, { executed: await m.balancer.applyPending() }));
  r.on('POST', '/v1/cluster/hosts/:name/maintenance', async (req, res, [name]) => {
    const body = await readJson(req, ['action']);
    if (body.action === 'enter') sendJson(res, 202, m.evacuations.enter(name));
    else if (body.action === 'cancel') sendJson(res, 200, await m.evacuations.cancel(name));
    else if (body.action === 'exit') sendJson(res, 200, m.evacuations.exit(name));
    else throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"action" must be enter, exit or cancel');
  });
}

/** The body of a request from a host, once its signature is checked. */
async function signedBody(m: ClusterManager, req: IncomingMessage, limit: number): Promise<Buffer> {
  const body = await readBody(req, limit);
  const header = req.headers[SIGNATURE_HEADER];
  const refusal = m.verifier.refusal(typeof header === 'string' ? header : undefined, req.method ?? '', req.url ?? '', body);
  if (refusal) {
    m.events.add({ type: 'host-refused', message: `refused a request from ${req.socket.remoteAddress}: ${refusal}`, detail: { address: req.socket.remoteAddress, path: req.url } });
    throw new HttpError(401, 'WASMOTION_ERR_UNAUTHENTICATED', `not signed with the cluster token: ${refusal}`);
  }
  return body;
}

async function enroll(m: ClusterManager, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const enrolled: Enrollment = checkEnrollment(parseObjectBody(await signedBody(m, req, 1 << 20)));
  // A host listening on every interface is reached where its enrollment came from.
  const enrollment = { ...enrolled, url: reachableUrl(enrolled.url, req.socket.remoteAddress) };
  try {
    admitHost(enrollment, m.store.state.config.baseline);
  } catch (err) {
    m.events.add({ type: 'host-refused', host: enrollment.name, message: (err as Error).message });
    throw err;
  }
  const again = m.inventory.isEnrolled(enrollment.name);
  m.inventory.enroll(enrollment);
  m.events.add({ type: again ? 'host-reenrolled' : 'host-enrolled', host: enrollment.name, message: `host ${enrollment.name} ${again ? 'enrolled again' : 'joined'} at ${enrollment.url} (${enrollment.engine}, ${enrollment.capacity.cpu} cpu)` });
  sendJson(res, 200, { heartbeatIntervalMs: m.heartbeatIntervalMs, baseline: m.store.state.config.baseline });
}

async function heartbeat(m: ClusterManager, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = parseObjectBody(await signedBody(m, req, MAX_HEARTBEAT_BYTES), ['name', 'guests']);
  if (typeof body.name !== 'string' || !Array.isArray(body.guests)) throw new HttpError(400, 'WASMOTION_ERR_USAGE', 'a heartbeat is {"name", "guests": [...]}');
  if (!m.inventory.heartbeat(body.name, body.guests as ReportedGuest[])) {
    throw new HttpError(404, 'WASMOTION_ERR_NOT_ENROLLED', `host ${body.name} is not enrolled: enroll first`);
  }
  sendJson(res, 200, { heartbeatIntervalMs: m.heartbeatIntervalMs });
}

function status(m: ClusterManager): ClusterStatus {
  const config = m.store.state.config;
  const model = m.inventory.model(m.store.state.rules);
  const imbalance = model.hosts.length ? new ClusterState(model, DEFAULT_BANDWIDTH).imbalance() : 0;
  return {
    config,
    imbalance,
    target: targetImbalance(config.threshold),
    hosts: model.hosts.length,
    guests: model.guests.length,
    rules: m.store.state.rules,
    violations: m.balancer.violations,
    recommendations: m.balancer.pending,
    storeError: m.store.failure?.message ?? null,
  };
}

async function streamEvents(m: ClusterManager, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const since = Number(url.searchParams.get('since') ?? 0);
  if (!Number.isSafeInteger(since) || since < 0) throw new HttpError(400, 'WASMOTION_ERR_USAGE', '"since" must be an event number');
  if (url.searchParams.get('follow') !== '1') {
    sendJson(res, 200, m.events.since(since));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const abort = new AbortController();
  req.on('close', () => abort.abort());
  for await (const event of m.events.follow(since, abort.signal)) {
    if (!res.write(`${JSON.stringify(event)}\n`)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}
