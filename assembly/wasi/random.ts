/** random_get: host randomness written straight into the checked, dirty-marked guest range. */
import { MemInst } from "../runtime/store";
import { Errno } from "./errno";
import { writable } from "./guest";
import { randomFill } from "./host";

export function random_get(m: MemInst, bufPtr: u32, len: u32): i32 {
  let a = writable(m, bufPtr, len);
  if (!a) return Errno.Fault;
  randomFill(a, len);
  return Errno.Success;
}
