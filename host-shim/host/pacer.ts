/**
 * Holds a guest to a share of wall time, in its worker. The share is its
 * duty cycle (given by the host's CPU scheduler, cpu-scheduler.ts) times
 * what migration auto-converge leaves it (1 - throttle): a throttle slows
 * the guest down from whatever speed it is allowed, so every step of
 * auto-converge slows it further whatever its duty cycle.
 *
 * Accounting is continuous rather than in fixed periods: after each slice the
 * guest sleeps until its run time since accounting (re)started is within its
 * share of the wall time since then. Oversleeping (timers fire late) is paid
 * back by letting the guest run on without sleeping until it has caught up,
 * but never by more than MAX_CREDIT_MS: a guest that was blocked or idle does
 * not bank CPU to burst with later. So over any interval the guest runs at
 * most share * (interval + MAX_CREDIT_MS), plus the slice in progress.
 */

/** The most run time a guest may be owed (and so run without a pause). */
export const MAX_CREDIT_MS = 100;

export class Pacer {
  private duty = 1;
  private throttle = 0;
  /** Start of the accounting: wall time and the guest's run time then. */
  private since: number;
  private ranAtSince: number;
  /** Cumulative time slept because of pacing, ms. */
  pacedMs = 0;

  constructor(now: number, runMs: number) {
    this.since = now;
    this.ranAtSince = runMs;
  }

  /** The share of wall time the guest may run, (0, 1]. */
  share(): number {
    return this.duty * (1 - this.throttle);
  }

  setDuty(duty: number, now: number, runMs: number): void {
    const owed = this.owed(now, runMs);
    this.duty = Math.min(Math.max(duty, 0.001), 1);
    this.restart(now, runMs, owed);
  }

  setThrottle(fraction: number, now: number, runMs: number): void {
    const owed = this.owed(now, runMs);
    this.throttle = Math.min(Math.max(fraction, 0), 0.99);
    this.restart(now, runMs, owed);
  }

  /**
   * Starts accounting again from now (the guest starts running, or its share
   * changed). A sleep still owed is carried over (accounting starts that far
   * in the future): a guest whose share changes mid-sleep does not get its
   * slice for free.
   */
  restart(now: number, runMs: number, owed = 0): void {
    this.since = now + owed;
    this.ranAtSince = runMs;
  }

  /** How long the guest must sleep now (ms, 0 if it may run on), given its cumulative run time. */
  owed(now: number, runMs: number): number {
    const share = this.share();
    if (share >= 1) {
      this.restart(now, runMs);
      return 0;
    }
    const due = (runMs - this.ranAtSince) / share - (now - this.since);
    if (due < -MAX_CREDIT_MS) this.since += -MAX_CREDIT_MS - due;
    return Math.max(due, 0);
  }
}
