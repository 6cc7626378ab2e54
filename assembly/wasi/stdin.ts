/**
 * The guest's standard input: bytes the embedder pushed and the guest has not
 * read yet, and whether the embedder said there will be no more. An empty,
 * open buffer makes a read block (the host supplies input and resumes); an
 * empty, closed one reads as end of file.
 */
export class StdinBuffer {
  private data: usize = 0;
  private capacity: u32 = 0;
  private start: u32 = 0;
  private end: u32 = 0;
  closed: bool = false;

  get available(): u32 { return this.end - this.start; }

  /** Where the unread bytes start in VMM memory (valid until the next push or take). */
  get unread(): usize { return this.data + this.start; }

  /** Appends a copy of VMM memory [ptr, ptr+len). Ignored once closed. */
  push(ptr: usize, len: u32): void {
    if (this.closed || len == 0) return;
    this.makeRoom(len);
    memory.copy(this.data + this.end, ptr, len);
    this.end += len;
  }

  /** Moves up to `len` bytes to VMM address `dst`; returns how many. */
  take(dst: usize, len: u32): u32 {
    let n = min(len, this.available);
    memory.copy(dst, this.data + this.start, n);
    this.start += n;
    if (this.start == this.end) { this.start = 0; this.end = 0; }
    return n;
  }

  private makeRoom(len: u32): void {
    let used = this.available;
    if (this.end + len <= this.capacity) return;
    if (used + len <= this.capacity) {
      // Enough room once the unread bytes move to the front.
      memory.copy(this.data, this.data + this.start, used);
    } else {
      let capacity = max(this.capacity * 2, used + len);
      let data = heap.alloc(capacity);
      if (this.data) {
        memory.copy(data, this.data + this.start, used);
        heap.free(this.data);
      }
      this.data = data;
      this.capacity = capacity;
    }
    this.start = 0;
    this.end = used;
  }
}
