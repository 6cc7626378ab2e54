/**
 * Validation error texts, worded as the WebAssembly spec tests expect (the
 * tests match them as prefixes). Lookups of an index that does not exist are
 * reported as "unknown <space> <index>", as the spec's reference interpreter
 * does; build those with `unknownIndex`.
 */

export const E_TYPE_MISMATCH = "type mismatch";
export const E_UNKNOWN_LOCAL = "unknown local";
export const E_UNKNOWN_GLOBAL = "unknown global";
export const E_UNKNOWN_FUNCTION = "unknown function";
export const E_UNKNOWN_TABLE = "unknown table";
export const E_UNKNOWN_MEMORY = "unknown memory";
export const E_UNKNOWN_TYPE = "unknown type";
export const E_UNKNOWN_LABEL = "unknown label";
export const E_UNKNOWN_DATA = "unknown data segment";
export const E_UNKNOWN_ELEM = "unknown elem segment";
export const E_GLOBAL_IMMUTABLE = "global is immutable";
export const E_ALIGNMENT = "alignment must not be larger than natural";
export const E_CONST_REQUIRED = "constant expression required";
export const E_DUPLICATE_EXPORT = "duplicate export name";
export const E_MULTIPLE_MEMORIES = "multiple memories";
export const E_MEMORY_SIZE = "memory size must be at most 65536 pages (4GiB)";
export const E_MIN_GREATER_THAN_MAX = "size minimum must not be greater than maximum";
export const E_START_TYPE = "start function must not have parameters or results";
export const E_SELECT_ARITY = "invalid result arity";
export const E_UNDECLARED_FUNC_REF = "undeclared function reference";

// Implementation limits of the VMM (Status.LimitExceeded), not spec errors.
export const E_TOO_MANY_OPERANDS = "operand stack too large";
export const E_BLOCKS_TOO_DEEP = "blocks nested too deeply";

/** "unknown local 7": the message of a failed index lookup. Allocates: error paths only. */
export function unknownIndex(message: string, index: u32): string {
  return message + " " + index.toString();
}
