/**
 * Initial placement: the cluster picks a host for a new guest (or checks the
 * operator's pick), and starts the guest there. Admission control comes first
 * and refuses with every reason: a guest that fits no host is not started
 * anywhere.
 *
 * The guest runs under the cluster's baseline, narrowed by its own if it
 * names one (EVC): a module using anything outside is refused.
 *
 * A guest's disk is memory it holds wherever it runs, counted like a
 * reservation on every host considered; a guest that publishes a service goes
 * only to a host joined to a virtual switch, and one whose disk is kept in a
 * shared directory only to a host with one.
 *
 * At the "manual" automation level the cluster only recommends: the request
 * must name the host, and a request without one is answered with the
 * recommendation.
 */
import { HostApiError } from '../../client/errors.js';
import type { ClusterGuest, PlaceGuestRequest } from '../../client/cluster-types.js';
import type { GuestInfo } from '../../client/types.js';
import { HttpError } from '../../host/http.js';
import type { ModuleStore } from '../../host/modules.js';
import { placeGuest, type Guest } from '../drs/index.js';
import type { ModuleUses } from './baseline.js';
import type { EventLog } from './events.js';
import type { Inventory } from './inventory.js';
import type { ClusterStore } from './store.js';

/** The id a new guest has in the model until its host names it. */
const NEW_GUEST = '(new guest)';
/**
 * How long a started guest is held in the model by placement alone: past
 * that, one its host never reported (it ended at once, say) is dropped.
 */
const PENDING_MS = 30_000;

/** A guest placed on a host that has not reported it running yet. */
interface Pending {
  guest: Guest;
  /** Its id once its host named it. */
  id?: string;
  /** When it was started there (Date.now()), once it was. */
  startedAt?: number;
}

export class Placement {
  /**
   * Guests placed but not yet in the hosts' reports: each placement counts
   * them on their hosts, so two placements at the same moment do not both
   * pick the last room on one host (whose admission control would refuse
   * the second).
   */
  private readonly pending = new Set<Pending>();
  /** Numbers the pending guests' ids in the model until their hosts name them. */
  private placements = 0;

  constructor(
    private readonly store: ClusterStore,
    private readonly inventory: Inventory,
    private readonly modules: ModuleStore,
    private readonly events: EventLog,
    private readonly uses: ModuleUses,
  ) {}

  async place(request: PlaceGuestRequest & { host?: string }): Promise<ClusterGuest> {
    const bytes = this.modules.get(request.module);
    if (!bytes) throw new HttpError(404, 'WASMOTION_ERR_NOT_FOUND', `no module ${request.module} in the cluster: upload it first`);
    let baseline: string;
    try {
      baseline = this.uses.admit(request.module, bytes, this.store.state.config.baseline, request.baseline).name;
    } catch (err) {
      this.events.add({ type: 'guest-refused', message: `a guest of module ${request.module.slice(0, 12)} was refused: ${(err as Error).message}` });
      throw err;
    }
    const pending = this.chooseHost(request);
    const host = pending.guest.host;
    let info: GuestInfo;
    try {
      info = await this.startOn(host, request, bytes, baseline);
    } catch (err) {
      this.pending.delete(pending);
      throw err;
    }
    pending.id = info.id;
    pending.startedAt = Date.now();
    this.store.state.guests[info.id] = { id: info.id, name: info.name, module: info.module, policy: request.policy ?? null, baseline, host };
    this.store.changed();
    this.events.add({ type: 'guest-placed', guest: info.id, host, message: `guest ${info.id} placed on ${host}` });
    return {
      id: info.id,
      name: info.name,
      host,
      state: info.state,
      module: info.module,
      memoryBytes: info.memoryBytes,
      cpu: null,
      policy: request.policy ?? null,
      baseline,
      service: info.service ?? null,
      diskBytes: info.diskBytes ?? null,
      diskShared: request.diskShared === true,
    };
  }

  /** Starts the guest on the chosen host; a refusal there (its switch's port taken, say) keeps the host's code and status. */
  private async startOn(host: string, request: PlaceGuestRequest, bytes: Uint8Array, baseline: string): Promise<GuestInfo> {
    try {
      return await this.inventory.client(host)!.startGuest({
        module: bytes,
        args: request.args,
        env: request.env,
        name: request.name,
        policy: request.policy,
        baseline,
        listen: request.listen,
        disk: request.disk,
        diskShared: request.diskShared,
      });
    } catch (err) {
      if (!(err instanceof HostApiError)) throw err;
      this.events.add({ type: 'guest-refused', host, message: `host ${host} refused a guest of module ${request.module.slice(0, 12)}: ${err.message}` });
      throw new HttpError(err.status, err.code, `host ${host} refused the guest: ${err.message}`);
    }
  }

  /** The host for the new guest, held as pending there until its host reports it. */
  private chooseHost(request: PlaceGuestRequest & { host?: string }): Pending {
    const model = this.inventory.model(this.store.state.rules);
    const hosts = new Set(model.hosts.map((h) => h.id));
    model.guests.push(...this.stillPending(new Set(model.guests.map((g) => g.id))).filter((g) => hosts.has(g.host)));
    if (request.host !== undefined) {
      if (!model.hosts.some((h) => h.id === request.host)) throw new HttpError(409, 'WASMOTION_ERR_ADMISSION', `host ${request.host} is not a connected host of the cluster`);
      // Only the operator's host may take the guest; the others stay in the model for the rules.
      model.hosts = model.hosts.map((h) => (h.id === request.host ? h : { ...h, maintenance: true }));
    }
    const placed = placeGuest(model, newGuest(request));
    if (!placed.ok) {
      this.events.add({ type: 'guest-refused', message: `a guest of module ${request.module.slice(0, 12)} was refused: ${placed.reason}` });
      throw new HttpError(409, 'WASMOTION_ERR_ADMISSION', placed.reason.replaceAll(NEW_GUEST, 'the guest'));
    }
    if (request.host === undefined && this.store.state.config.automation === 'manual') {
      throw new HttpError(409, 'WASMOTION_ERR_PLACEMENT_MANUAL', `the cluster is at the manual automation level: name the host (recommended: ${placed.host})`, { recommended: placed.host });
    }
    const pending: Pending = { guest: { ...newGuest(request), id: `${NEW_GUEST} ${++this.placements}`, host: placed.host } };
    this.pending.add(pending);
    return pending;
  }

  /** Pending guests the model does not hold yet (`reported`: the ids it holds); the others stop being pending. */
  private stillPending(reported: Set<string>): Guest[] {
    const now = Date.now();
    const out: Guest[] = [];
    for (const p of this.pending) {
      if ((p.id !== undefined && reported.has(p.id)) || (p.startedAt !== undefined && now - p.startedAt > PENDING_MS)) this.pending.delete(p);
      else out.push({ ...p.guest, id: p.id ?? p.guest.id });
    }
    return out;
  }
}

/**
 * The new guest as the scheduler sees it: busy up to its limit, holding its
 * reservations and its disk, needing a switch for its service and a shared
 * directory for its shared disk.
 */
function newGuest(request: PlaceGuestRequest): Guest {
  const policy = request.policy;
  const guest: Guest = { id: NEW_GUEST, host: '', demand: { cpu: Math.min(policy?.cpu?.limit ?? 1, 1), memory: policy?.memory?.reservation ?? 0 } };
  if (request.disk !== undefined) guest.disk = request.disk;
  if (request.listen !== undefined) guest.service = {};
  if (request.diskShared) guest.sharedDisk = {};
  if (policy?.cpu?.reservation !== undefined || policy?.memory?.reservation !== undefined) {
    guest.reservation = { cpu: policy.cpu?.reservation ?? 0, memory: policy.memory?.reservation ?? 0 };
  }
  if (policy?.cpu?.shares !== undefined) guest.shares = policy.cpu.shares;
  return guest;
}
