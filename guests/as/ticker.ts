// Prints "tick N state S" lines, each after rewriting a 1 MiB table: a guest
// that keeps computing and dirtying memory, for live-migration demos. Runs
// for the number of ticks given as its first argument (default 50).

const args = process.argv;
const ticks = args.length > 1 ? I32.parseInt(args[1]) : 50;
const table = new Uint32Array(256 * 1024);
let state: u32 = 2463534242;

for (let n = 1; n <= ticks; n++) {
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < table.length; i += 7) {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      table[i] = table[i] * 31 + state;
    }
  }
  let sum: u32 = 0;
  for (let i = 0; i < table.length; i += 97) sum = sum * 33 + table[i];
  console.log("tick " + n.toString() + " state " + sum.toString(16));
}
