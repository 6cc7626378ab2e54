/**
 * The set of functions a body may name with ref.func: the spec's C.refs,
 * every function index that occurs in the module outside function bodies
 * and the start section (element segments, exports, global initializers,
 * segment offsets). A bitset over the function index space.
 */

export class FuncSet {
  bits: StaticArray<u32>;
  size: u32;

  constructor(size: u32) {
    this.size = size;
    this.bits = new StaticArray<u32>(<i32>((size + 31) >> 5));
  }

  /** Adds `index`; indices outside the space are ignored (reported where they occur). */
  add(index: u32): void {
    if (index >= this.size) return;
    // SAFETY: index < size, so index >> 5 < bits.length.
    let w = <i32>(index >> 5);
    unchecked(this.bits[w] = unchecked(this.bits[w]) | (1 << (index & 31)));
  }

  has(index: u32): bool {
    if (index >= this.size) return false;
    // SAFETY: as in add.
    return (unchecked(this.bits[<i32>(index >> 5)]) & (1 << (index & 31))) != 0;
  }
}
