/**
 * A FIFO of bytes in VMM heap memory: appended at the end, taken or
 * discarded from the front. The guest's stdin and each socket connection's
 * receive and send buffers are one. Its storage is raw heap memory (not
 * garbage collected): whoever drops a queue for good calls dispose().
 */
export class ByteQueue {
  private data: usize = 0;
  private capacity: u32 = 0;
  private start: u32 = 0;
  private end: u32 = 0;

  get available(): u32 { return this.end - this.start; }

  /** Where the unread bytes start in VMM memory (valid until the next push, take or discard). */
  get unread(): usize { return this.data + this.start; }

  /** Appends a copy of VMM memory [ptr, ptr+len). */
  push(ptr: usize, len: u32): void {
    if (len == 0) return;
    this.makeRoom(len);
    memory.copy(this.data + this.end, ptr, len);
    this.end += len;
  }

  /** Moves up to `len` bytes to VMM address `dst`; returns how many. */
  take(dst: usize, len: u32): u32 {
    let n = this.peek(dst, 0, len);
    this.discard(n);
    return n;
  }

  /** Copies up to `len` bytes starting `skip` bytes in to `dst`, leaving them queued; returns how many. */
  peek(dst: usize, skip: u32, len: u32): u32 {
    if (skip >= this.available) return 0;
    let n = min(len, this.available - skip);
    memory.copy(dst, this.data + this.start + skip, n);
    return n;
  }

  /** Drops up to `n` bytes from the front. */
  discard(n: u32): void {
    this.start += min(n, this.available);
    if (this.start == this.end) { this.start = 0; this.end = 0; }
  }

  /** Frees the storage; the queue is empty and usable afterwards. */
  dispose(): void {
    if (this.data) heap.free(this.data);
    this.data = 0;
    this.capacity = 0;
    this.start = 0;
    this.end = 0;
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
