/**
 * The guest's standard input: bytes the embedder pushed and the guest has not
 * read yet, and whether the embedder said there will be no more. An empty,
 * open buffer makes a read block (the host supplies input and resumes); an
 * empty, closed one reads as end of file.
 */
import { ByteQueue } from "./byte-queue";

export class StdinBuffer extends ByteQueue {
  closed: bool = false;

  /** Appends a copy of VMM memory [ptr, ptr+len). Ignored once closed. */
  push(ptr: usize, len: u32): void {
    if (this.closed) return;
    super.push(ptr, len);
  }
}
