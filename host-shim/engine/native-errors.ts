/**
 * Translates V8's WebAssembly error messages into wasmotion errors worded as
 * the spec tests expect. V8's wording is its own and sometimes coarser than the
 * spec's (one V8 message can stand for two spec errors), so the translation is
 * a best effort: the native engine is a reference for results, not for the
 * exact wording of every error.
 */
import { GuestTrap, ModuleError, type ModuleErrorKind, type TrapKind } from '../errors.js';

/**
 * [pattern, kind, spec reason]. When the pattern captures an index, the reason
 * gets it appended ("unknown global 1"), as some spec texts include it.
 */
type Rule = [RegExp, ModuleErrorKind, string];

/** First match wins; more specific patterns come first. */
const MODULE_RULES: Rule[] = [
  [/expected magic word/, 'malformed', 'magic header not detected'],
  [/expected version/, 'malformed', 'unknown binary version'],
  [/BufferSource argument is empty/, 'malformed', 'unexpected end'],
  [/extra bits in varint|limits flags/, 'malformed', 'integer too large'],
  [/no valid UTF-8 string/, 'malformed', 'malformed UTF-8 encoding'],
  [/unknown section code|unexpected section <StringRef>/, 'malformed', 'malformed section id'],
  [/unexpected section <|Multiple DataCount|must appear before/, 'malformed', 'unexpected content after last section'],
  [/section was shorter than expected size/, 'malformed', 'section size mismatch'],
  [/extends past end of the module/, 'malformed', 'length out of bounds'],
  [/function body must end with "end" opcode/, 'malformed', 'END opcode expected'],
  [/fell off end|expected section length|length:|missing 'end'|unterminated control structure/, 'malformed', 'unexpected end'],
  // V8 names the LEB128 it failed to read; the usual cause is one too long
  [/(^|failed: )expected [a-z0-9. ]*(count|size|index|flag|alignment|immi\d+|const):? *$/, 'malformed', 'integer representation too long'],
  [/Invalid opcode/, 'malformed', 'illegal opcode'],
  [/expected memory index 0, found/, 'malformed', 'zero byte expected'],
  [/local count too large/, 'malformed', 'too many locals'],
  [/function body count .* mismatch|code section is absent/, 'malformed', 'function and code section have inconsistent lengths'],
  [/data segments count .* mismatch/, 'malformed', 'data count and data section have inconsistent lengths'],
  [/unknown import kind/, 'malformed', 'malformed import kind'],
  [/invalid mutability/, 'malformed', 'malformed mutability'],
  // an alignment exponent of 32 or more cannot be a valid memarg flag at all
  [/actual alignment is (?:[3-9]\d|\d{3,})$/, 'malformed', 'malformed memop flags'],
  [/invalid alignment/, 'invalid', 'alignment must not be larger than natural'],
  [/invalid branch depth/, 'invalid', 'unknown label'],
  [/function index #?(\d+) (is )?out of bounds/, 'invalid', 'unknown function'],
  [/invalid table index: (\d+)|table index (\d+) out of bounds|out of bounds table index (\d+)/, 'invalid', 'unknown table'],
  [/invalid signature index|no signature at index/, 'invalid', 'unknown type'],
  [/global index:? (\d+)|non-imported globals/, 'invalid', 'unknown global'],
  [/memory index (\d+) != 0/, 'invalid', 'unknown memory'],
  [/without memory|memory index|with no memory/, 'invalid', 'unknown memory 0'],
  [/not allowed in constant expressions|mutable globals cannot be used/, 'invalid', 'constant expression required'],
  [/Duplicate export name/, 'invalid', 'duplicate export name'],
  [/immutable global/, 'invalid', 'global is immutable'],
  [/At most one memory|memory count of/, 'invalid', 'multiple memories'],
  [/invalid local index/, 'invalid', 'unknown local'],
  [/is less than initial/, 'invalid', 'size minimum must not be greater than maximum'],
  [/memory size .* larger than implementation limit/, 'invalid', 'memory size must be at most 65536 pages (4GiB)'],
  [/invalid data segment index: (\d+)/, 'invalid', 'unknown data segment'],
  [/invalid element segment index: (\d+)/, 'invalid', 'unknown elem segment'],
  [/undeclared reference to function/, 'invalid', 'undeclared function reference'],
  [/Select accepts exactly one type/, 'invalid', 'invalid result arity'],
  [/invalid start function/, 'invalid', 'start function'],
  [
    /elements on the stack|type error in|not enough arguments|expected type|expected reference type|arity|not of a function type|super-type|subtype|must reference a table|select without type/,
    'invalid',
    'type mismatch',
  ],
];

/** A ModuleError for a V8 CompileError. */
export function moduleErrorFromV8(message: string): ModuleError {
  const text = message.replace(/^WebAssembly\.Module\(\): /, '');
  const at = /@\+(\d+)/.exec(text);
  const offset = at ? Number(at[1]) : 0;
  const detail = text.replace(/ ?@\+\d+/, '');
  for (const [pattern, kind, reason] of MODULE_RULES) {
    const m = pattern.exec(detail);
    if (!m) continue;
    const index = m.slice(1).find((g) => g !== undefined && /^\d+$/.test(g));
    return new ModuleError(kind, `${reason}${index === undefined ? '' : ` ${index}`}: ${detail}`, offset);
  }
  return new ModuleError(/Compiling function/.test(detail) ? 'invalid' : 'malformed', detail, offset);
}

type TrapRule = [RegExp, TrapKind, string];

const TRAP_RULES: TrapRule[] = [
  [/^unreachable/, 'unreachable', 'unreachable'],
  [/memory access out of bounds|data segment/, 'out_of_bounds_memory', 'out of bounds memory access'],
  [/divide by zero|remainder by zero/, 'integer_divide_by_zero', 'integer divide by zero'],
  [/divide result unrepresentable/, 'integer_overflow', 'integer overflow'],
  [/float unrepresentable in integer range/, 'invalid_conversion', 'invalid conversion to integer'],
  [/invalid index into function table/, 'undefined_element', 'undefined element'],
  [/table index is out of bounds|table access|element segment/, 'out_of_bounds_table', 'out of bounds table access'],
  // V8 says the same for a null entry and a wrong signature; a null entry is by far
  // the more frequent cause in practice.
  [/null function or function signature mismatch/, 'uninitialized_element', 'uninitialized element'],
  [/signature mismatch/, 'indirect_call_type_mismatch', 'indirect call type mismatch'],
];

/** A GuestTrap for a V8 RuntimeError, or undefined when the message is unknown. */
export function trapFromV8(message: string): GuestTrap | undefined {
  for (const [pattern, kind, wording] of TRAP_RULES) {
    if (pattern.test(message)) return new GuestTrap(kind, `${wording} (V8: ${message})`);
  }
  return undefined;
}

export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /Maximum call stack size exceeded/.test(err.message);
}
