import { FuncInst } from "../runtime/store";

/** What run() stopped on. The host shim mirrors these numbers. */
export namespace RunStatus {
  export const Finished: i32 = 0; // the called function returned; results at resultsPtr()
  export const OutOfFuel: i32 = 1; // the slice's fuel ran out; run() again to continue
  export const HostCall: i32 = 2; // a host function must run; see hostCall*()
  export const Trap: i32 = 3; // the guest trapped; lastError has the kind
  export const Exit: i32 = 4; // the guest called proc_exit
  export const Blocked: i32 = 5; // a WASI call waits for input; run() again once it is there
  export const Idle: i32 = 6; // no call in progress
}

/**
 * The one thread of execution of a store, as data (DESIGN.md requirement 1):
 * the value stack holds every frame's locals and operands, the frame stack
 * holds return addresses. Nothing lives on the VMM's own call stack between
 * two run() slices.
 *
 * Frame record layout (16 bytes): return ip, caller fp, caller FuncInst, 0.
 * A return ip of 0 marks the entry frame: returning through it finishes the call.
 */
export class Thread {
  stackBase: usize = 0;
  stackEnd: usize = 0;
  frameBase: usize = 0;
  frameLimit: usize = 0;

  active: bool = false;
  ip: usize = 0;
  fp: usize = 0;
  frames: usize = 0;
  func: FuncInst | null = null;

  /** Pending host call: the function and where its arguments (and results) are. */
  hostFunc: FuncInst | null = null;
  hostArgs: usize = 0;
  exitCode: i32 = 0;
  /** Fuel consumed since the thread was created, across slices. */
  fuelUsed: u64 = 0;
}

export const thread = new Thread();

export const FRAME_BYTES: usize = 16;
