/**
 * A token bucket in bytes: tokens flow in at `rate` bytes per second and each
 * byte sent takes one. Data leaves in slices of 10 ms worth of rate, so a
 * shaped stream wakes a timer about a hundred times a second whatever the rate.
 * The bucket holds two slices: Node timers fire a millisecond or more late, and
 * tokens that flowed in meanwhile must not be lost to the cap, or the link
 * would run slower than asked.
 */

/** Time one slice of data takes at the configured rate. */
const SLICE_SECONDS = 0.01;

export class TokenBucket {
  private rate: number | null;
  private tokens = 0;
  private last: number;

  /** `rate` in bytes per second; null means unlimited. */
  constructor(rate: number | null, now: number = performance.now()) {
    this.rate = rate;
    this.last = now;
    this.tokens = this.slice;
  }

  get bytesPerSecond(): number | null {
    return this.rate;
  }

  /** Changes the rate from now on; tokens already earned stay, up to the new cap. */
  setRate(rate: number | null, now: number = performance.now()): void {
    this.refill(now);
    this.rate = rate;
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  /**
   * Takes tokens for up to `wanted` bytes and returns how many bytes may go now:
   * all of `wanted` or one slice, whichever is smaller, or 0 if not enough
   * tokens have flowed in yet (then ask `waitMs`).
   */
  take(wanted: number, now: number = performance.now()): number {
    if (this.rate === null) return wanted;
    this.refill(now);
    const piece = Math.min(wanted, this.slice);
    if (this.tokens < piece) return 0;
    this.tokens -= piece;
    return piece;
  }

  /** Milliseconds until `take(wanted)` can give something. */
  waitMs(wanted: number, now: number = performance.now()): number {
    if (this.rate === null) return 0;
    this.refill(now);
    const piece = Math.min(wanted, this.slice);
    return Math.max(0, ((piece - this.tokens) / this.rate) * 1000);
  }

  /** Bytes sent per timer wake-up at this rate (at least one byte). */
  private get slice(): number {
    return this.rate === null ? Infinity : Math.max(1, Math.floor(this.rate * SLICE_SECONDS));
  }

  private get capacity(): number {
    return 2 * this.slice;
  }

  private refill(now: number): void {
    if (this.rate !== null && now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    }
    this.last = now;
  }
}
