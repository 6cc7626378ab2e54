/**
 * Running a guest in slices until it exits, traps or stops, writing
 * snapshots on the way: host-shim/cli/run-wasi.ts (drive) and
 * host-shim/guest/session.ts (run) as one loop, since nothing else shares
 * the thread here.
 */
import { call_abort, run as vmmRun } from "../index";
import { lastError } from "../errors";
import { RunStatus } from "../exec/thread";
import { EXIT_STOPPED, fail, failed, guestTrapped } from "./failure";
import { SLICE, Session } from "./session";
import { SnapshotDir } from "./snapshot/directory";
import { takeSnapshot } from "./snapshot/take";
import { STDERR, print } from "./text";
import { waitForWakeUp } from "./wait";

export class DriveOptions {
  /** -1: no snapshot directory. */
  dir: SnapshotDir | null = null;
  moduleDigest: string = "";
  /** Stop after this many steps of this session; -1 for never. */
  stopAfter: i64 = -1;
  /** A diff snapshot every this many steps; -1 for none. */
  every: i64 = -1;
}

function smaller(slice: i64, limit: i64, now: i64): i64 {
  return limit >= 0 && limit - now < slice ? limit - now : slice;
}

/** The process exit code: the guest's, or EXIT_STOPPED; -1 after a failure (recorded). */
export function drive(session: Session, o: DriveOptions): i32 {
  let budgetEnd = session.budgetEnd;
  let stopAt = o.stopAfter >= 0 ? session.stepsAtStart + o.stopAfter : -1;
  let every = o.dir != null && o.every >= 0 ? o.every : -1;
  let nextCheckpoint = every >= 0 ? session.steps() + every : -1;
  for (;;) {
    let now = session.steps();
    let slice = smaller(smaller(smaller(SLICE, budgetEnd, now), stopAt, now), nextCheckpoint, now);
    if (stopAt >= 0 && slice <= 0) return stopped(session, o, now);
    let status = slice > 0 ? vmmRun(slice) : RunStatus.OutOfFuel;
    if (status == RunStatus.Finished) return 0;
    if (status == RunStatus.Exit) return session.exitCode();
    if (status == RunStatus.Trap) { guestTrapped(lastError.message); return -1; }
    if (status == RunStatus.OutOfFuel) {
      let at = session.steps();
      if (budgetEnd >= 0 && at >= budgetEnd) { call_abort(); guestTrapped("out of fuel"); return -1; }
      if (stopAt >= 0 && at >= stopAt) return stopped(session, o, at);
      if (nextCheckpoint >= 0 && at >= nextCheckpoint) {
        if (!takeSnapshot(o.dir!, session, o.moduleDigest)) return -1;
        nextCheckpoint = at + every;
      }
      continue;
    }
    if (status == RunStatus.Blocked) {
      if (!waitForWakeUp()) return -1;
      continue;
    }
    call_abort();
    fail("WASMOTION_ERR_UNEXPECTED_STOP", "guest stopped with status " + status.toString());
    return -1;
  }
}

/** The guest paused after its steps: into a snapshot when there is a directory. */
function stopped(session: Session, o: DriveOptions, steps: i64): i32 {
  let dir = o.dir;
  if (dir != null) {
    let taken = takeSnapshot(dir, session, o.moduleDigest);
    if (taken == null) return -1;
    print(STDERR, "wasmotion: stopped after " + steps.toString() + " steps; snapshot " + taken.sequence.toString() + " (" + taken.kind +
      ") in " + dir.path + "; continue with: wasmotion resume " + dir.path + "\n");
  }
  return failed() ? -1 : EXIT_STOPPED;
}
