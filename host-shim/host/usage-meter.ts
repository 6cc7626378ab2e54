/**
 * A guest's measured CPU use and demand, from the counters its worker
 * reports every USAGE_REPORT_MS: run time (wall time inside the VMM, see
 * GuestSession.runTimeMs) as of the last moment the guest owed no pacing
 * sleep, paced time (time it slept to stay within its duty cycle or
 * migration throttle) and blocked time (time it waited in a WASI call). CPU
 * use is in cores, averaged over the last USAGE_WINDOW_MS; the cluster
 * manager takes it as the guest's demand.
 */

/** How often a worker reports its counters. */
export const USAGE_REPORT_MS = 100;
/** The window CPU use is averaged over. */
export const USAGE_WINDOW_MS = 1000;

export interface UsageSample {
  /** When the run time was taken, epoch ms (the worker's clock). */
  at: number;
  /** Cumulative run time of the guest in this worker at `at`, ms. */
  runMs: number;
  /** Cumulative time the guest was held back by pacing, ms. */
  pacedMs: number;
  /** Cumulative time the guest was blocked in WASI calls, ms. */
  blockedMs: number;
}

export class UsageMeter {
  /** Oldest first; the first one is at or before the start of the window. */
  private samples: UsageSample[] = [];

  add(sample: UsageSample): void {
    const last = this.samples[this.samples.length - 1];
    // No new settled moment (the guest is paying off a long slice): only the other counters moved on.
    if (last && sample.at <= last.at) {
      last.pacedMs = sample.pacedMs;
      last.blockedMs = sample.blockedMs;
      return;
    }
    this.samples.push(sample);
    const windowStart = sample.at - USAGE_WINDOW_MS;
    // Keep one sample at or before the window's start, so the window is whole.
    while (this.samples.length > 2 && this.samples[1].at <= windowStart) this.samples.shift();
  }

  /** The newest sample, if any came. */
  latest(): UsageSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  /** Whether two samples came: before that there is no CPU use to tell. */
  measured(): boolean {
    return this.samples.length >= 2;
  }

  /** Cores used over the window (0 until two samples came). */
  cpu(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || last.at <= first.at) return 0;
    return Math.max(0, (last.runMs - first.runMs) / (last.at - first.at));
  }

  /** Whether the guest was held back during the window: it would have used more CPU than it got. */
  wantsMore(): boolean {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    return first !== undefined && last.pacedMs > first.pacedMs;
  }

  /** Whether the guest waited in a WASI call during the window: it was idle part of the time. */
  blocked(): boolean {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    return first !== undefined && last.blockedMs > first.blockedMs;
  }

  /**
   * The cores the guest would use if it could. A guest that blocked in the
   * window, and was not held back, wants what it used. Any other wants all it
   * may have (Infinity): one held back, one not measured yet, and one that
   * never waited, even if it got less than its duty cycle (the operating
   * system gave its thread less time: it is starved, not idle).
   */
  demand(): number {
    return this.measured() && this.blocked() && !this.wantsMore() ? this.cpu() : Infinity;
  }
}

/**
 * A guest's dirty rate: bytes of distinct 4 KiB pages it writes per second,
 * each page counted once per USAGE_REPORT_MS, averaged over the last
 * USAGE_WINDOW_MS (the cost side of moving it: pre-copy must send those
 * pages again). Fed with the worker's cumulative page counts.
 */
export class DirtyRateMeter {
  private samples: { at: number; pages: number }[] = [];

  add(at: number, writtenPages: number): void {
    this.samples.push({ at, pages: writtenPages });
    while (this.samples.length > 2 && this.samples[1].at <= at - USAGE_WINDOW_MS) this.samples.shift();
  }

  /** Bytes per second, or null before two samples came. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || last.at <= first.at) return null;
    return (Math.max(0, last.pages - first.pages) * 4096 * 1000) / (last.at - first.at);
  }
}
