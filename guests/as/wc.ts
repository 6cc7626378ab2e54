// Reads stdin to its end in small chunks and prints line, word and byte
// counts plus an FNV-1a hash of the bytes, like `wc` with a checksum.

const chunk = new ArrayBuffer(1000);
let lines = 0, words = 0, bytes = 0;
let inWord = false;
let hash: u32 = 2166136261;
while (true) {
  const got = process.stdin.read(chunk);
  if (got <= 0) break;
  const view = Uint8Array.wrap(chunk, 0, got);
  for (let i = 0; i < got; i++) {
    const c = view[i];
    hash = (hash ^ c) * 16777619;
    if (c == 10) lines++;
    const space = c == 32 || c == 9 || c == 10 || c == 13;
    if (!space && !inWord) words++;
    inWord = !space;
  }
  bytes += got;
}
console.log(
  "wc: lines=" + lines.toString() + " words=" + words.toString() + " bytes=" + bytes.toString() +
  " fnv=" + hash.toString(16),
);
