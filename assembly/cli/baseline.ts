/**
 * The guest's feature baseline (docs/evc.md), as host-shim/guest/baseline.ts
 * and host-shim/cluster/evc/ apply it: a snapshot names the baseline its
 * guest runs under (META, format 1.1), a resume keeps it, the VMM must be
 * able to present it, the module may use nothing outside it, and the
 * guest's feature query then returns exactly its features. `wasmotion run`
 * runs guests under max, everything the VMM runs.
 */
import { SUPPORTED_FEATURES } from "../module/features";
import { features_set_visible } from "../index";
import { theStore } from "../runtime/store";
import { fail } from "./failure";
import { Json, JsonKind } from "./json";
import { jsonString } from "./text";

/** Feature names in bit order (module/features.ts; host-shim/cluster/evc/features.ts). */
const FEATURE_NAMES: string[] = ["sign-ext", "sat-float-to-int", "multi-value", "bulk-memory", "reference-types", "simd128", "mutable-globals"];
/** Host capabilities, and the import module through which a guest uses each. */
const CAPABILITIES: string[] = ["wasi-preview1"];
const CAPABILITY_MODULES: string[] = ["wasi_snapshot_preview1"];

export class Baseline {
  constructor(public name: string, public features: Array<string>, public capabilities: Array<string>) {}

  toJson(): string {
    return '{"name":' + jsonString(this.name) + ',"features":' + list(this.features) + ',"capabilities":' + list(this.capabilities) + "}";
  }
}

function list(items: Array<string>): string {
  let s = "[";
  for (let i = 0; i < items.length; i++) s += (i > 0 ? "," : "") + jsonString(items[i]);
  return s + "]";
}

function featureNames(mask: u32): Array<string> {
  let out = new Array<string>();
  for (let i = 0; i < FEATURE_NAMES.length; i++) if (mask & (1 << i)) out.push(FEATURE_NAMES[i]);
  return out;
}

function featureMask(features: Array<string>): u32 {
  let mask: u32 = 0;
  for (let i = 0; i < features.length; i++) {
    let bit = FEATURE_NAMES.indexOf(features[i]);
    if (bit >= 0) mask |= 1 << bit;
  }
  return mask;
}

/** Everything this VMM offers. */
export function maxBaseline(): Baseline {
  return new Baseline("max", featureNames(SUPPORTED_FEATURES), CAPABILITIES.slice(0));
}

/** What `wanted` lists that `offer` lacks. */
function missing(offer: Array<string>, wanted: Array<string>): Array<string> {
  let out = new Array<string>();
  for (let i = 0; i < wanted.length; i++) if (!offer.includes(wanted[i])) out.push(wanted[i]);
  return out;
}

/** "bulk-memory, sign-ext and the capability wasi-preview1". */
function describeMissing(features: Array<string>, capabilities: Array<string>): string {
  let parts = features.slice(0);
  for (let i = 0; i < capabilities.length; i++) parts.push("the capability " + capabilities[i]);
  if (parts.length <= 1) return parts.join("");
  return parts.slice(0, parts.length - 1).join(", ") + " and " + parts[parts.length - 1];
}

/**
 * Puts the guest of module `id` under `baseline`: refuses a baseline this
 * VMM cannot present and a module that uses something outside it, then sets
 * what the feature query returns. False after recording the failure.
 */
export function applyBaseline(id: i32, baseline: Baseline): bool {
  let offerFeatures = featureNames(SUPPORTED_FEATURES);
  let lacksF = missing(offerFeatures, baseline.features), lacksC = missing(CAPABILITIES, baseline.capabilities);
  if (lacksF.length + lacksC.length > 0) {
    fail("WASMOTION_ERR_BASELINE_UNSUPPORTED", "this VMM cannot present " + baseline.name + ": it lacks " + describeMissing(lacksF, lacksC));
    return false;
  }
  let m = theStore.modules[id];
  let usedCapabilities = new Array<string>();
  for (let c = 0; c < CAPABILITIES.length; c++) {
    for (let i = 0; i < m.imports.length; i++) {
      if (m.imports[i].module == CAPABILITY_MODULES[c]) { usedCapabilities.push(CAPABILITIES[c]); break; }
    }
  }
  let outF = missing(baseline.features, featureNames(m.features)), outC = missing(baseline.capabilities, usedCapabilities);
  if (outF.length + outC.length > 0) {
    fail("WASMOTION_ERR_FEATURES_MISSING", "the guest uses " + describeMissing(outF, outC) + ", outside " + baseline.name);
    return false;
  }
  features_set_visible(featureMask(baseline.features));
  return true;
}

function validName(name: string): bool {
  if (name.length == 0 || name.length > 64) return false;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    let alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (!alnum && (i == 0 || (c != 0x2e && c != 0x5f && c != 0x26 && c != 0x2d))) return false;
  }
  return true;
}

/** A list of 1 to 64-character strings, at most 64 of them, or null. */
function stringList(v: Json | null): Array<string> | null {
  if (v == null || v.kind != JsonKind.Array || v.items.length > 64) return null;
  let out = new Array<string>();
  for (let i = 0; i < v.items.length; i++) {
    let item = v.items[i];
    if (item.kind != JsonKind.String || item.str.length == 0 || item.str.length > 64) return null;
    out.push(item.str);
  }
  return out;
}

/** Known names in their order first, then unknown ones sorted, each once: one spelling for every set. */
function canonical(items: Array<string>, order: string[]): Array<string> {
  let out = new Array<string>();
  for (let i = 0; i < order.length; i++) if (items.includes(order[i])) out.push(order[i]);
  let unknown = new Array<string>();
  for (let i = 0; i < items.length; i++) if (!order.includes(items[i]) && !unknown.includes(items[i])) unknown.push(items[i]);
  unknown.sort((a: string, b: string): i32 => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 0; i < unknown.length; i++) out.push(unknown[i]);
  return out;
}

/** A baseline read from a snapshot's META, or null when it is not one. */
export function parseBaseline(v: Json): Baseline | null {
  if (v.kind != JsonKind.Object) return null;
  for (let i = 0; i < v.keys.length; i++) {
    let k = v.keys[i];
    if (k != "name" && k != "features" && k != "capabilities") return null;
  }
  let name = v.get("name");
  let features = stringList(v.get("features"));
  let capabilities = stringList(v.get("capabilities"));
  if (name == null || name.kind != JsonKind.String || !validName(name.str) || features == null || capabilities == null) return null;
  return new Baseline(name.str, canonical(features, FEATURE_NAMES), canonical(capabilities, CAPABILITIES));
}
