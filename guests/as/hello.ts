// Prints its arguments, its environment (sorted, so the output does not
// depend on map order) and a computed value, through the WASI shim.
// Exits with the code given as "--exit=N".

function sumOfSquares(n: i32): i64 {
  let total: i64 = 0;
  for (let i = 1; i <= n; i++) total += <i64>i * <i64>i;
  return total;
}

const args = process.argv;
console.log("hello from assemblyscript: argc=" + args.length.toString());
let code = 0;
for (let i = 0; i < args.length; i++) {
  console.log("argv[" + i.toString() + "]=" + args[i]);
  if (args[i].startsWith("--exit=")) code = I32.parseInt(args[i].substring(7));
}
const keys = process.env.keys().sort();
for (let i = 0; i < keys.length; i++) console.log("env " + keys[i] + "=" + process.env.get(keys[i]));
console.log("sum of squares 1..1000=" + sumOfSquares(1000).toString());
process.exit(code);
