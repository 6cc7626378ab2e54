/**
 * Every error wasmotion throws is a WasmotionError with a stable `code`.
 * Codes are documented in docs/errors.md and never reused for another meaning.
 */
export class WasmotionError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WasmotionError';
    this.code = code;
  }
}

/**
 * The stable code of `err`: its own if it is a WasmotionError, else
 * WASMOTION_ERR_INTERNAL (a bug, or an error of Node's that nothing caught
 * to say what it means).
 */
export function errorCode(err: unknown): string {
  return err instanceof WasmotionError && err.code.startsWith('WASMOTION_ERR_') ? err.code : 'WASMOTION_ERR_INTERNAL';
}

/** Why a module was refused: its bytes do not decode, or it does not validate. */
export type ModuleErrorKind = 'malformed' | 'invalid' | 'unsupported';

const MODULE_ERROR_CODES: Record<ModuleErrorKind, string> = {
  malformed: 'WASMOTION_ERR_MALFORMED',
  invalid: 'WASMOTION_ERR_INVALID',
  unsupported: 'WASMOTION_ERR_UNSUPPORTED_FEATURE',
};

/** A guest module could not be loaded. `offset` is the byte offset in the module. */
export class ModuleError extends WasmotionError {
  readonly kind: ModuleErrorKind;
  readonly offset: number;

  constructor(kind: ModuleErrorKind, message: string, offset: number) {
    super(MODULE_ERROR_CODES[kind], `${message} (at byte ${offset})`);
    this.name = 'ModuleError';
    this.kind = kind;
    this.offset = offset;
    this.reason = message;
  }

  /** The spec's wording alone, without the offset. */
  readonly reason: string;
}

/** Imports did not match what the module needs. */
export class LinkError extends WasmotionError {
  constructor(message: string) {
    super('WASMOTION_ERR_UNLINKABLE', message);
    this.name = 'LinkError';
  }
}

/**
 * Trap kinds, one per spec trap message. The message of a GuestTrap starts with
 * the spec's wording so spec tests can match it.
 */
export type TrapKind =
  | 'unreachable'
  | 'out_of_bounds_memory'
  | 'out_of_bounds_table'
  | 'undefined_element'
  | 'uninitialized_element'
  | 'indirect_call_type_mismatch'
  | 'integer_divide_by_zero'
  | 'integer_overflow'
  | 'invalid_conversion'
  | 'call_stack_exhausted'
  | 'out_of_fuel';

/** The guest trapped. The guest's state is left as it was at the trap. */
export class GuestTrap extends WasmotionError {
  readonly kind: TrapKind;

  constructor(kind: TrapKind, message: string) {
    super('WASMOTION_ERR_TRAP', message);
    this.name = 'GuestTrap';
    this.kind = kind;
  }
}

/** A host function provided by the embedder threw. `cause` holds what it threw. */
export class HostError extends WasmotionError {
  constructor(message: string, cause: unknown) {
    super('WASMOTION_ERR_HOST', message, { cause });
    this.name = 'HostError';
  }
}

/** Bad input from a user or an embedder: a wrong argument, a missing export. */
export class UsageError extends WasmotionError {
  constructor(message: string) {
    super('WASMOTION_ERR_USAGE', message);
    this.name = 'UsageError';
  }
}

/**
 * The VMM itself failed: an internal invariant broke, or vmm.wasm trapped.
 * The VMM instance is unusable afterwards; the host and other guests are not affected.
 */
export class VmmFault extends WasmotionError {
  constructor(message: string, cause?: unknown) {
    super('WASMOTION_ERR_VMM_FAULT', message, { cause });
    this.name = 'VmmFault';
  }
}

/**
 * A snapshot could not be read or written. Codes: WASMOTION_ERR_SNAPSHOT_MAGIC,
 * _VERSION, _CHECKSUM, _TRUNCATED, _TOO_LARGE, _CORRUPT, _MODULE (another
 * module), _CHAIN (diffs that do not follow their base), _IO.
 */
export class SnapshotError extends WasmotionError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'SnapshotError';
  }
}
