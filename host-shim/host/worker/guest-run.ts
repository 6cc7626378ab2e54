/**
 * The guest's run in its worker: slices of the VMM, with the pacing sleeps
 * between them that hold it to its share of wall time (pacer.ts: the host's
 * CPU scheduler and a migration's auto-converge), and its pause at a slice
 * boundary. Messages are served between slices, so the VMM is never in the
 * middle of an instruction when the worker reads its memory or takes a
 * checkpoint.
 */
import type { GuestSession } from '../../guest/session.js';
import { Pacer } from '../pacer.js';
import { clock } from './channel.js';

/** How a run ended other than by a pause: an exit code, or the error that stopped it. */
export type RunEnd = { exitCode: number } | { error: unknown };

export class GuestRun {
  running = false;
  private pauseRequested = false;
  /** The run under way: resolves when it stops, true if it stopped because a pause was asked for (false: the guest ended). */
  private stopped: Promise<boolean> = Promise.resolve(true);
  private readonly pacer = new Pacer(performance.now(), 0);
  /** Ends the pacing sleep in progress early: the duty cycle changed, or a pause or stop came. */
  private wake: (() => void) | undefined;
  /**
   * The last moment the guest owed no pacing sleep, and its run time then.
   * Usage is measured between such moments: a slice that ran long (the
   * operating system preempted the thread inside it) is counted only once
   * the sleep that pays for it is over, so a window cannot end in between.
   */
  private settled = { at: clock(), runMs: 0 };
  private session: GuestSession | undefined;

  /** `ended` is called when the guest exits or fails, before the run counts as stopped. */
  constructor(private readonly ended: (end: RunEnd) => Promise<void>) {}

  private runTimeMs(): number {
    return this.session?.runTimeMs() ?? 0;
  }

  private settle(): void {
    this.settled = { at: clock(), runMs: this.runTimeMs() };
  }

  /** A new guest, about to run: the time the worker took to get it ready is no credit for it. */
  started(session: GuestSession): void {
    this.session = session;
    this.pacer.restart(performance.now(), 0);
    this.settle();
  }

  /** A guest arriving by migration, which runs once it has arrived. */
  prepared(session: GuestSession): void {
    this.session = session;
  }

  /** Runs the guest until it ends or a pause is asked for; a no-op while it runs. */
  run(): void {
    if (this.running) return;
    this.running = true;
    this.pauseRequested = false;
    this.stopped = this.runUntilStopped(this.session!);
  }

  private async runUntilStopped(s: GuestSession): Promise<boolean> {
    let end: RunEnd;
    try {
      const outcome = await s.run({ interrupt: () => this.pauseRequested, between: () => this.pace() });
      this.running = false;
      if (outcome.state !== 'exited') return true;
      end = { exitCode: outcome.exitCode };
    } catch (error) {
      this.running = false;
      end = { error };
    }
    await this.ended(end);
    return false;
  }

  /** Stops the guest at its next slice boundary; false if it ended instead (its end was reported). */
  pause(): Promise<boolean> {
    if (this.running) {
      this.pauseRequested = true;
      this.wake?.();
    }
    return this.stopped;
  }

  /** Auto-converge: the fraction of time the guest sleeps between slices. */
  throttle(fraction: number): void {
    this.pacer.setThrottle(fraction, performance.now(), this.runTimeMs());
    this.wake?.();
  }

  /** The share of wall time the host's CPU scheduler gives the guest. */
  duty(fraction: number): void {
    this.pacer.setDuty(fraction, performance.now(), this.runTimeMs());
    this.wake?.();
  }

  /** Run time and pacing sleeps as of the last settled moment, for the agent's usage meter. */
  usage(): { at: number; runMs: number; pacedMs: number } {
    if (!this.running || this.pacer.owed(performance.now(), this.runTimeMs()) <= 0) this.settle();
    return { ...this.settled, pacedMs: this.pacer.pacedMs };
  }

  /** Sleeps `ms`, or less if woken. */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  /** Between slices: sleep until the guest is back within its share of wall time (pacer.ts). */
  private async pace(): Promise<void> {
    // Again after each nap: a new duty cycle may have ended it early, or a late timer made it long enough.
    while (!this.pauseRequested) {
      const owed = this.pacer.owed(performance.now(), this.runTimeMs());
      if (owed <= 0) {
        this.settle();
        return;
      }
      const started = performance.now();
      await this.nap(owed);
      this.pacer.pacedMs += performance.now() - started;
    }
  }
}
