/**
 * Indexed, mutable working copy of a Cluster used by one scheduler call.
 *
 * Hosts and guests become integer indices; per-host sums of wanted resources
 * and reservations are kept incrementally, and so are the sum and the sum of
 * squares of the active hosts' loads, so that the effect of a move on the
 * imbalance is O(1) to evaluate. Guests tied by affinity rules form one unit
 * that the balancer moves as a whole.
 */
import { loadOf, migrationCost, wanted } from './entitlement.js';
import { validateCluster, type Cluster, type Guest, type Host } from './model.js';

export interface AntiTie {
  rule: string;
  partners: number[];
}

export class ClusterState {
  readonly hosts: Host[];
  readonly guests: Guest[];
  readonly hostIndex = new Map<string, number>();
  readonly guestIndex = new Map<string, number>();
  readonly capCpu: Float64Array;
  readonly capMem: Float64Array;
  readonly active: Uint8Array;
  readonly wantCpu: Float64Array;
  readonly wantMem: Float64Array;
  readonly resCpu: Float64Array;
  readonly resMem: Float64Array;
  readonly load: Float64Array;
  readonly hostGuests: Set<number>[];
  readonly guestHost: Int32Array;
  readonly gWantCpu: Float64Array;
  readonly gWantMem: Float64Array;
  readonly gResCpu: Float64Array;
  readonly gResMem: Float64Array;
  readonly gCost: Float64Array;
  /** Bytes of each guest's disk, counted in its wanted and its reserved memory. */
  readonly gDisk: Float64Array;
  /** The switch each guest's service needs (null: any switch), or undefined for a guest without one. */
  readonly gSwitch: (string | null | undefined)[];
  /** The shared directory each guest's disk image is in (null: any), or undefined for a guest without one. */
  readonly gSharedDir: (string | null | undefined)[];
  /** Unit id of each guest; units[u] lists the guests of an affinity group (or one guest). */
  readonly unitOf: Int32Array;
  readonly units: number[][] = [];
  readonly unitRule: (string | undefined)[] = [];
  readonly mustHosts: (Set<number> | undefined)[];
  readonly mustRule: (string | undefined)[];
  readonly shouldHosts: (Set<number> | undefined)[];
  readonly shouldRule: (string | undefined)[];
  readonly anti: (AntiTie[] | undefined)[];
  activeCount = 0;
  sumLoad = 0;
  sumSquares = 0;

  constructor(cluster: Cluster, bandwidth: number) {
    validateCluster(cluster);
    this.hosts = cluster.hosts;
    this.guests = cluster.guests;
    const nh = this.hosts.length;
    const ng = this.guests.length;
    this.capCpu = new Float64Array(nh);
    this.capMem = new Float64Array(nh);
    this.active = new Uint8Array(nh);
    this.wantCpu = new Float64Array(nh);
    this.wantMem = new Float64Array(nh);
    this.resCpu = new Float64Array(nh);
    this.resMem = new Float64Array(nh);
    this.load = new Float64Array(nh);
    this.hostGuests = [];
    this.hosts.forEach((h, i) => {
      this.hostIndex.set(h.id, i);
      this.capCpu[i] = h.capacity.cpu;
      this.capMem[i] = h.capacity.memory;
      this.active[i] = h.maintenance ? 0 : 1;
      this.hostGuests.push(new Set());
    });
    this.guestHost = new Int32Array(ng);
    this.gWantCpu = new Float64Array(ng);
    this.gWantMem = new Float64Array(ng);
    this.gResCpu = new Float64Array(ng);
    this.gResMem = new Float64Array(ng);
    this.gCost = new Float64Array(ng);
    this.gDisk = new Float64Array(ng);
    this.gSwitch = new Array(ng);
    this.gSharedDir = new Array(ng);
    this.guests.forEach((g, i) => {
      this.guestIndex.set(g.id, i);
      const w = wanted(g);
      // A disk image lives in its VMM's memory: held from start to end, like a reservation.
      this.gDisk[i] = g.disk ?? 0;
      this.gSwitch[i] = g.service ? (g.service.switch ?? null) : undefined;
      this.gSharedDir[i] = g.sharedDisk ? (g.sharedDisk.dir ?? null) : undefined;
      this.gWantCpu[i] = w.cpu;
      this.gWantMem[i] = w.memory + this.gDisk[i];
      this.gResCpu[i] = g.reservation?.cpu ?? 0;
      this.gResMem[i] = (g.reservation?.memory ?? 0) + this.gDisk[i];
      this.gCost[i] = migrationCost(g, bandwidth);
      const h = this.hostIndex.get(g.host)!;
      this.guestHost[i] = h;
      this.hostGuests[h].add(i);
      this.wantCpu[h] += this.gWantCpu[i];
      this.wantMem[h] += this.gWantMem[i];
      this.resCpu[h] += this.gResCpu[i];
      this.resMem[h] += this.gResMem[i];
    });
    this.unitOf = new Int32Array(ng).fill(-1);
    this.mustHosts = new Array(ng);
    this.mustRule = new Array(ng);
    this.shouldHosts = new Array(ng);
    this.shouldRule = new Array(ng);
    this.anti = new Array(ng);
    this.indexRules(cluster);
    this.recomputeLoads();
  }

  private indexRules(cluster: Cluster): void {
    const parent = this.guests.map((_, i) => i);
    const find = (x: number): number => {
      while (parent[x] !== x) x = parent[x] = parent[parent[x]];
      return x;
    };
    const groupRule = new Map<number, string>();
    for (const rule of cluster.rules ?? []) {
      const ids = rule.guests.map((id) => this.guestIndex.get(id)!);
      if (rule.kind === 'affinity') {
        for (const g of ids.slice(1)) parent[find(g)] = find(ids[0]);
        groupRule.set(ids[0], rule.name);
      } else if (rule.kind === 'anti-affinity') {
        for (const g of ids) {
          const ties = (this.anti[g] ??= []);
          ties.push({ rule: rule.name, partners: ids.filter((p) => p !== g) });
        }
      } else {
        const hosts = new Set(rule.hosts.map((id) => this.hostIndex.get(id)!));
        const store = rule.kind === 'host-must' ? this.mustHosts : this.shouldHosts;
        const names = rule.kind === 'host-must' ? this.mustRule : this.shouldRule;
        for (const g of ids) {
          const prev = store[g];
          store[g] = prev ? new Set([...prev].filter((h) => hosts.has(h))) : hosts;
          names[g] = names[g] ? `${names[g]}+${rule.name}` : rule.name;
        }
      }
    }
    const unitOfRoot = new Map<number, number>();
    for (let g = 0; g < this.guests.length; g++) {
      const root = find(g);
      let u = unitOfRoot.get(root);
      if (u === undefined) {
        u = this.units.length;
        unitOfRoot.set(root, u);
        this.units.push([]);
        this.unitRule.push(undefined);
      }
      this.units[u].push(g);
      this.unitOf[g] = u;
      if (groupRule.has(g)) this.unitRule[u] = groupRule.get(g);
    }
  }

  recomputeLoads(): void {
    this.activeCount = 0;
    this.sumLoad = 0;
    this.sumSquares = 0;
    for (let h = 0; h < this.hosts.length; h++) {
      this.load[h] = this.loadFor(h, this.wantCpu[h], this.wantMem[h]);
      if (!this.active[h]) continue;
      this.activeCount++;
      this.sumLoad += this.load[h];
      this.sumSquares += this.load[h] * this.load[h];
    }
  }

  loadFor(h: number, cpu: number, memory: number): number {
    return loadOf({ cpu, memory }, { cpu: this.capCpu[h], memory: this.capMem[h] });
  }

  /** Sum of squared deviations of active loads: n * variance. Balancing minimises it. */
  spread(): number {
    if (this.activeCount === 0) return 0;
    return Math.max(0, this.sumSquares - (this.sumLoad * this.sumLoad) / this.activeCount);
  }

  imbalance(): number {
    return this.activeCount === 0 ? 0 : Math.sqrt(this.spread() / this.activeCount);
  }

  /** Spread after two active-or-not hosts change load (O(1)). */
  spreadIfLoads(a: number, newA: number, b: number, newB: number): number {
    let s = this.sumLoad;
    let q = this.sumSquares;
    if (this.active[a]) {
      s += newA - this.load[a];
      q += newA * newA - this.load[a] * this.load[a];
    }
    if (this.active[b] && b !== a) {
      s += newB - this.load[b];
      q += newB * newB - this.load[b] * this.load[b];
    }
    return this.activeCount === 0 ? 0 : Math.max(0, q - (s * s) / this.activeCount);
  }

  private setLoad(h: number): void {
    const next = this.loadFor(h, this.wantCpu[h], this.wantMem[h]);
    if (this.active[h]) {
      this.sumLoad += next - this.load[h];
      this.sumSquares += next * next - this.load[h] * this.load[h];
    }
    this.load[h] = next;
  }

  /** Takes g off its host (guestHost becomes -1); used by placement to try hosts. */
  detachGuest(g: number): void {
    const from = this.guestHost[g];
    if (from < 0) return;
    this.hostGuests[from].delete(g);
    this.guestHost[g] = -1;
    this.wantCpu[from] -= this.gWantCpu[g];
    this.wantMem[from] -= this.gWantMem[g];
    this.resCpu[from] -= this.gResCpu[g];
    this.resMem[from] -= this.gResMem[g];
    this.setLoad(from);
  }

  attachGuest(g: number, to: number): void {
    this.hostGuests[to].add(g);
    this.guestHost[g] = to;
    this.wantCpu[to] += this.gWantCpu[g];
    this.wantMem[to] += this.gWantMem[g];
    this.resCpu[to] += this.gResCpu[g];
    this.resMem[to] += this.gResMem[g];
    this.setLoad(to);
  }

  moveGuest(g: number, to: number): void {
    if (this.guestHost[g] === to) return;
    this.detachGuest(g);
    this.attachGuest(g, to);
  }

  /** Spread if g were added to host h (g currently detached). */
  spreadIfAdded(g: number, h: number): number {
    const next = this.loadFor(h, this.wantCpu[h] + this.gWantCpu[g], this.wantMem[h] + this.gWantMem[g]);
    return this.spreadIfLoads(h, next, h, next);
  }

  /** Why the guests `members` cannot all run on host h, or undefined when they can. */
  refusal(members: number[], h: number): string | undefined {
    if (!this.active[h]) return `host ${this.hosts[h].id} is in maintenance`;
    let cpu = 0;
    let mem = 0;
    let disks = false;
    const moving = new Set(members);
    for (const g of members) {
      const must = this.mustHosts[g];
      if (must && !must.has(h)) return `rule ${this.mustRule[g]} keeps ${this.guests[g].id} off ${this.hosts[h].id}`;
      const noSwitch = this.switchRefusal(g, h);
      if (noSwitch !== undefined) return noSwitch;
      const noShare = this.sharedDirRefusal(g, h);
      if (noShare !== undefined) return noShare;
      for (const tie of this.anti[g] ?? []) {
        for (const p of tie.partners) {
          if (!moving.has(p) && this.guestHost[p] === h) {
            return `rule ${tie.rule} keeps ${this.guests[g].id} apart from ${this.guests[p].id}`;
          }
        }
      }
      if (this.guestHost[g] !== h) {
        cpu += this.gResCpu[g];
        mem += this.gResMem[g];
        disks ||= this.gDisk[g] > 0;
      }
    }
    if (this.resCpu[h] + cpu > this.capCpu[h] + 1e-9 || this.resMem[h] + mem > this.capMem[h] + 1e-9) {
      return `reservations ${disks ? '(disks included) ' : ''}do not fit on ${this.hosts[h].id}`;
    }
    return undefined;
  }

  /** Why guest g's service cannot be published from host h, or undefined when it can (or g has none). */
  private switchRefusal(g: number, h: number): string | undefined {
    const needs = this.gSwitch[g];
    if (needs === undefined) return undefined;
    const has = this.hosts[h].switch;
    const id = this.guests[g].id;
    if (has === undefined) return `${id} publishes a service and ${this.hosts[h].id} is joined to no virtual switch`;
    if (needs !== null && has !== needs) return `${id} publishes its service on switch ${needs} and ${this.hosts[h].id} is joined to switch ${has}`;
    return undefined;
  }

  /** Why guest g's shared disk image cannot be reached from host h, or undefined when it can (or g has none). */
  private sharedDirRefusal(g: number, h: number): string | undefined {
    const needs = this.gSharedDir[g];
    if (needs === undefined) return undefined;
    const has = this.hosts[h].sharedDir;
    const id = this.guests[g].id;
    if (has === undefined) return `${id} keeps its disk in a shared directory and ${this.hosts[h].id} has none`;
    if (needs !== null && has !== needs) return `${id} keeps its disk in shared directory ${needs} and ${this.hosts[h].id} shares ${has}`;
    return undefined;
  }

  /** True when g runs on a host its should rules prefer (or it has none). */
  shouldHonored(g: number, h = this.guestHost[g]): boolean {
    const pref = this.shouldHosts[g];
    return !pref || pref.size === 0 || pref.has(h);
  }
}
