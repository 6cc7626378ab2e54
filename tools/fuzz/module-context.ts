/**
 * What a function generator may rely on about the module around it: which
 * functions it may call, which globals, tables, memory and segments exist, and
 * the two globals that keep every generated module terminating.
 */
import type { NumType, RefType, ValType } from '../../host-shim/engine/types.js';
import type { Prng } from './prng.js';
import type { FuncType, ModuleWriter } from './wasm-writer.js';

export interface FuncInfo {
  index: number;
  type: FuncType;
}

export interface GlobalInfo {
  index: number;
  type: ValType;
  mutable: boolean;
}

export interface TableInfo {
  index: number;
  element: RefType;
  min: number;
  max: number;
  /** What the active segments put in each slot at instantiation (function index or null). */
  initial: (number | null)[];
}

export interface SegmentInfo {
  type: RefType;
  length: number;
}

export interface ModuleContext {
  rng: Prng;
  writer: ModuleWriter;
  /** Functions generated code may call directly, through the table or by ref.func. */
  helpers: FuncInfo[];
  /** Globals generated code reads and writes freely (not the guard globals). */
  globals: GlobalInfo[];
  /**
   * Every loop back-edge and every call first spends one unit of this global and
   * is skipped when it is exhausted; entry functions refill it. This bounds the
   * work of one export call whatever the generated control flow does.
   */
  budgetGlobal: number;
  /** The current call depth, kept below `maxDepth` by the same guard. */
  depthGlobal: number;
  maxDepth: number;
  tables: TableInfo[];
  memory: { min: number; max: number };
  dataSegments: number[]; // lengths, by data segment index
  elemSegments: SegmentInfo[];
  /** Canonicalise floats before anything observes a NaN's bits (stores, reinterpret, copysign). */
  canonicalizeNaN: boolean;
}

export const NUM_TYPES: readonly NumType[] = ['i32', 'i64', 'f32', 'f64'];
