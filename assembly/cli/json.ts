/**
 * A small JSON reader for snapshot metadata (a file may be hostile: depth
 * and length are bounded, and any error gives null, never a trap).
 */

export const enum JsonKind { Null, Bool, Number, String, Array, Object }

export class Json {
  kind: JsonKind = JsonKind.Null;
  bool: bool = false;
  num: f64 = 0;
  str: string = "";
  items: Array<Json> = [];
  keys: Array<string> = [];

  /** The member `key` of an object, or null. */
  get(key: string): Json | null {
    if (this.kind != JsonKind.Object) return null;
    for (let i = this.keys.length - 1; i >= 0; i--) if (this.keys[i] == key) return this.items[i]; // the last one wins, as in JSON.parse
    return null;
  }
}

const MAX_DEPTH = 64;

class Parser {
  pos: i32 = 0;
  ok: bool = true;
  constructor(public s: string) {}

  peek(): i32 { return this.pos < this.s.length ? this.s.charCodeAt(this.pos) : -1; }

  skipSpace(): void {
    while (this.pos < this.s.length) {
      let c = this.s.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.pos++;
    }
  }

  literal(word: string): bool {
    if (this.s.substr(this.pos, word.length) != word) return false;
    this.pos += word.length;
    return true;
  }

  value(depth: i32): Json {
    let v = new Json();
    this.skipSpace();
    if (depth > MAX_DEPTH) { this.ok = false; return v; }
    let c = this.peek();
    if (c == 0x7b) this.object(v, depth);
    else if (c == 0x5b) this.array(v, depth);
    else if (c == 0x22) { v.kind = JsonKind.String; v.str = this.string(); }
    else if (c == 0x74 && this.literal("true")) { v.kind = JsonKind.Bool; v.bool = true; }
    else if (c == 0x66 && this.literal("false")) { v.kind = JsonKind.Bool; }
    else if (c == 0x6e && this.literal("null")) { v.kind = JsonKind.Null; }
    else if (c == 0x2d || (c >= 0x30 && c <= 0x39)) { v.kind = JsonKind.Number; v.num = this.number(); }
    else this.ok = false;
    return v;
  }

  object(v: Json, depth: i32): void {
    v.kind = JsonKind.Object;
    this.pos++;
    this.skipSpace();
    if (this.peek() == 0x7d) { this.pos++; return; }
    while (this.ok) {
      this.skipSpace();
      if (this.peek() != 0x22) { this.ok = false; return; }
      v.keys.push(this.string());
      this.skipSpace();
      if (this.peek() != 0x3a) { this.ok = false; return; }
      this.pos++;
      v.items.push(this.value(depth + 1));
      this.skipSpace();
      let c = this.peek();
      this.pos++;
      if (c == 0x7d) return;
      if (c != 0x2c) this.ok = false;
    }
  }

  array(v: Json, depth: i32): void {
    v.kind = JsonKind.Array;
    this.pos++;
    this.skipSpace();
    if (this.peek() == 0x5d) { this.pos++; return; }
    while (this.ok) {
      v.items.push(this.value(depth + 1));
      this.skipSpace();
      let c = this.peek();
      this.pos++;
      if (c == 0x5d) return;
      if (c != 0x2c) this.ok = false;
    }
  }

  string(): string {
    this.pos++; // the opening quote
    let out = "";
    let start = this.pos;
    while (this.ok) {
      let c = this.peek();
      if (c < 0x20) { this.ok = false; break; } // the end, or a raw control character
      if (c == 0x22) { out += this.s.substring(start, this.pos); this.pos++; return out; }
      if (c != 0x5c) { this.pos++; continue; }
      out += this.s.substring(start, this.pos);
      let e = this.pos + 1 < this.s.length ? this.s.charCodeAt(this.pos + 1) : -1;
      this.pos += 2;
      if (e == 0x22 || e == 0x5c || e == 0x2f) out += String.fromCharCode(e);
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x6e) out += "\n";
      else if (e == 0x72) out += "\r";
      else if (e == 0x74) out += "\t";
      else if (e == 0x75) out += String.fromCharCode(this.hex4());
      else this.ok = false;
      start = this.pos;
    }
    return out;
  }

  hex4(): i32 {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      let c = this.peek();
      let d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) { this.ok = false; return 0; }
      v = (v << 4) | d;
      this.pos++;
    }
    return v;
  }

  number(): f64 {
    let start = this.pos;
    if (this.peek() == 0x2d) this.pos++;
    let digits = this.pos;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    if (this.pos == digits) { this.ok = false; return 0; }
    if (this.peek() == 0x2e) {
      this.pos++;
      let frac = this.pos;
      while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
      if (this.pos == frac) { this.ok = false; return 0; }
    }
    if (this.peek() == 0x65 || this.peek() == 0x45) {
      this.pos++;
      if (this.peek() == 0x2b || this.peek() == 0x2d) this.pos++;
      let exp = this.pos;
      while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
      if (this.pos == exp) { this.ok = false; return 0; }
    }
    return parseFloat(this.s.substring(start, this.pos));
  }
}

/** The value `text` holds, or null when it is not JSON. */
export function parseJson(text: string): Json | null {
  let p = new Parser(text);
  let v = p.value(0);
  p.skipSpace();
  if (!p.ok || p.pos != text.length) return null;
  return v;
}
