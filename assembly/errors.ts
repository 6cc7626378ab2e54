/**
 * Status codes and error texts of the VMM. AssemblyScript has no exceptions:
 * every fallible entry point returns a Status, 0 meaning OK, and leaves the
 * details in `lastError`. Messages are worded as the WebAssembly spec tests
 * expect, so the spec runner can match them.
 */

export const enum Status {
  Ok = 0,
  Malformed = 1, // the bytes are not a wasm module
  Invalid = 2, // the module does not validate
  Unlinkable = 3, // imports do not match
  Trap = 4, // the guest trapped
  Unsupported = 5, // the module uses a feature the VMM refuses
  LimitExceeded = 6, // an implementation limit of the VMM was hit
  BadArgument = 7, // the host called an entry point with bad arguments
}

export class ErrorInfo {
  status: Status = Status.Ok;
  message: string = "";
  offset: u32 = 0;
  trap: Trap = Trap.None;
}

export const lastError = new ErrorInfo();

/** Records an error and returns its status, for `return fail(...)`. */
export function fail(status: Status, message: string, offset: u32): Status {
  lastError.status = status;
  lastError.message = message;
  lastError.offset = offset;
  lastError.trap = Trap.None;
  return status;
}

export function clearError(): void {
  lastError.status = Status.Ok;
  lastError.message = "";
  lastError.offset = 0;
  lastError.trap = Trap.None;
}

/** Trap kinds. The host shim maps them to its TrapKind names in this order. */
export const enum Trap {
  None = 0,
  Unreachable = 1,
  OutOfBoundsMemory = 2,
  OutOfBoundsTable = 3,
  UndefinedElement = 4,
  UninitializedElement = 5,
  IndirectCallTypeMismatch = 6,
  IntegerDivideByZero = 7,
  IntegerOverflow = 8,
  InvalidConversion = 9,
  CallStackExhausted = 10,
}

export function trapMessage(trap: Trap): string {
  switch (trap) {
    case Trap.Unreachable: return "unreachable";
    case Trap.OutOfBoundsMemory: return "out of bounds memory access";
    case Trap.OutOfBoundsTable: return "out of bounds table access";
    case Trap.UndefinedElement: return "undefined element";
    case Trap.UninitializedElement: return "uninitialized element";
    case Trap.IndirectCallTypeMismatch: return "indirect call type mismatch";
    case Trap.IntegerDivideByZero: return "integer divide by zero";
    case Trap.IntegerOverflow: return "integer overflow";
    case Trap.InvalidConversion: return "invalid conversion to integer";
    case Trap.CallStackExhausted: return "call stack exhausted";
    default: return "unknown trap";
  }
}

export function failTrap(trap: Trap, detail: i64 = -1): Status {
  lastError.status = Status.Trap;
  lastError.message = detail < 0 ? trapMessage(trap) : trapMessage(trap) + " " + detail.toString();
  lastError.offset = 0;
  lastError.trap = trap;
  return Status.Trap;
}

// Decoding errors (spec wording).
export const E_UNEXPECTED_END = "unexpected end";
export const E_UNEXPECTED_END_SECTION = "unexpected end of section or function";
export const E_MAGIC = "magic header not detected";
export const E_VERSION = "unknown binary version";
export const E_SECTION_ID = "malformed section id";
export const E_SECTION_SIZE = "section size mismatch";
export const E_LEB_TOO_LONG = "integer representation too long";
export const E_LEB_TOO_LARGE = "integer too large";
export const E_LENGTH = "length out of bounds";
export const E_UTF8 = "malformed UTF-8 encoding";
export const E_MUTABILITY = "malformed mutability";
export const E_REFTYPE = "malformed reference type";
export const E_VALTYPE = "malformed value type";
export const E_IMPORT_KIND = "malformed import kind";
export const E_EXPORT_KIND = "malformed export kind";
export const E_LIMITS = "integer too large";
export const E_ZERO_BYTE = "zero byte expected";
export const E_TOO_MANY_LOCALS = "too many locals";
export const E_FUNC_CODE_MISMATCH = "function and code section have inconsistent lengths";
export const E_DATA_COUNT_MISMATCH = "data count and data section have inconsistent lengths";
export const E_DATA_COUNT_REQUIRED = "data count section required";
export const E_AFTER_LAST_SECTION = "unexpected content after last section";
export const E_ILLEGAL_OPCODE = "illegal opcode";
export const E_END_EXPECTED = "END opcode expected";
export const E_MEMOP_FLAGS = "malformed memop flags";
export const E_ELEM_KIND = "malformed elements segment kind";
export const E_SIMD = "unsupported feature: simd128";
