/**
 * Paths as Node's path module treats them (POSIX): what the wasmotion CLI
 * prints for a directory joined with a file name is what this prints too.
 */

/** Node's path.normalize: collapses "." and "..", repeated and trailing slashes ("" is "."). */
export function normalize(path: string): string {
  if (path.length == 0) return ".";
  let absolute = path.charCodeAt(0) == 0x2f;
  let trailing = path.charCodeAt(path.length - 1) == 0x2f;
  let parts = path.split("/");
  let out = new Array<string>();
  for (let i = 0; i < parts.length; i++) {
    let p = parts[i];
    if (p.length == 0 || p == ".") continue;
    if (p == "..") {
      if (out.length > 0 && out[out.length - 1] != "..") out.pop();
      else if (!absolute) out.push("..");
      continue;
    }
    out.push(p);
  }
  let s = out.join("/");
  if (absolute) return "/" + s;
  if (s.length == 0) return trailing ? "./" : ".";
  return trailing ? s + "/" : s;
}

/** Node's path.join of two parts. */
export function join(a: string, b: string): string {
  if (a.length == 0) return normalize(b);
  if (b.length == 0) return normalize(a);
  return normalize(a + "/" + b);
}

/** Node's path.basename (without a suffix to strip). */
export function basename(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) == 0x2f) end--;
  let start = path.lastIndexOf("/", end - 1) + 1;
  return path.substring(start, end);
}
