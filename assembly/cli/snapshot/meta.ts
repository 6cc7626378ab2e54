/**
 * The META section: JSON, written with the keys in the order the wasmotion
 * CLI writes them (host-shim/snapshot/directory.ts, SnapshotMeta), and read
 * back with the same checks.
 */
import { snapshotError } from "../failure";
import { Json, JsonKind, parseJson } from "../json";
import { Baseline, parseBaseline } from "../baseline";
import { jsonString } from "../text";

export class Limits {
  /** -1: not set. */
  maxMemoryPages: i64 = -1;
  maxCallDepth: i64 = -1;
  fuelLeft: string | null = null;
}

export class SnapshotMeta {
  kind: string = "full";
  sequence: i64 = 0;
  /** The snapshot a diff applies on top of; -1 for a full one (null in JSON). */
  parent: i64 = -1;
  chain: string = "";
  module: string = "";
  imports: string = "";
  limits: Limits = new Limits();
  steps: string = "0";
  state: string = "1.0";
  createdAt: string = "";
  /** The baseline the guest runs under (format 1.1); null in a 1.0 file. */
  baseline: Baseline | null = null;

  toJson(): string {
    let l = this.limits;
    let limits = "";
    if (l.maxMemoryPages >= 0) limits += '"maxMemoryPages":' + l.maxMemoryPages.toString();
    if (l.maxCallDepth >= 0) limits += (limits.length ? "," : "") + '"maxCallDepth":' + l.maxCallDepth.toString();
    if (l.fuelLeft != null) limits += (limits.length ? "," : "") + '"fuelLeft":' + jsonString(l.fuelLeft!);
    return '{"kind":' + jsonString(this.kind) + ',"sequence":' + this.sequence.toString() +
      ',"parent":' + (this.parent < 0 ? "null" : this.parent.toString()) + ',"chain":' + jsonString(this.chain) +
      ',"module":' + jsonString(this.module) + ',"imports":' + jsonString(this.imports) + ',"limits":{' + limits + "}" +
      ',"steps":' + jsonString(this.steps) + ',"state":' + jsonString(this.state) + ',"createdAt":' + jsonString(this.createdAt) +
      (this.baseline != null ? ',"baseline":' + this.baseline!.toJson() : "") + "}";
  }
}

function str(v: Json | null): string | null {
  return v != null && v.kind == JsonKind.String ? v.str : null;
}

/** A whole number a JSON value holds, or -1. */
function whole(v: Json | null): i64 {
  if (v == null || v.kind != JsonKind.Number || v.num < 0 || v.num > 9007199254740991 || v.num != Math.floor(v.num)) return -1;
  return <i64>v.num;
}

/** The metadata in `text`, or null after recording why it is refused. */
export function parseMeta(text: string, file: string): SnapshotMeta | null {
  let j = parseJson(text);
  if (j == null) { snapshotError("WASMOTION_ERR_SNAPSHOT_CORRUPT", file + ": metadata is not JSON"); return null; }
  let m = new SnapshotMeta();
  let seq = j.get("sequence");
  let module = str(j.get("module")), imports = str(j.get("imports")), chain = str(j.get("chain"));
  let limits = j.get("limits");
  if (j.kind != JsonKind.Object || seq == null || seq.kind != JsonKind.Number || module == null || imports == null || chain == null ||
      limits == null || (limits.kind != JsonKind.Object && limits.kind != JsonKind.Array)) {
    snapshotError("WASMOTION_ERR_SNAPSHOT_CORRUPT", file + ": metadata lacks its fields");
    return null;
  }
  m.sequence = whole(seq);
  m.module = module!;
  m.imports = imports!;
  m.chain = chain!;
  let kind = str(j.get("kind"));
  m.kind = kind != null ? kind! : "";
  let parent = j.get("parent");
  m.parent = parent != null && parent.kind == JsonKind.Number ? whole(parent) : -1;
  let steps = str(j.get("steps"));
  if (steps != null) m.steps = steps!;
  m.limits.maxMemoryPages = whole(limits.get("maxMemoryPages"));
  m.limits.maxCallDepth = whole(limits.get("maxCallDepth"));
  m.limits.fuelLeft = str(limits.get("fuelLeft"));
  let baseline = j.get("baseline");
  if (baseline != null) {
    m.baseline = parseBaseline(baseline);
    if (m.baseline == null) { snapshotError("WASMOTION_ERR_SNAPSHOT_CORRUPT", file + ": the baseline in its metadata is malformed"); return null; }
  }
  return m;
}
