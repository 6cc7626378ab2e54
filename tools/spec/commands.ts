/**
 * The shape of wast2json's output: one script per .wast file, a list of
 * commands, values written as decimal strings of their bits.
 */

/** A value as wast2json writes it; `value` is absent for ref.func / ref.extern patterns. */
export interface SpecValue {
  type: 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';
  /** Decimal bits, 'nan:canonical', 'nan:arithmetic', 'null', or lane list for v128. */
  value?: string | string[];
  lane_type?: string;
}

export type SpecAction =
  | { type: 'invoke'; module?: string; field: string; args: SpecValue[] }
  | { type: 'get'; module?: string; field: string };

interface Base {
  line: number;
}

export type SpecCommand =
  | (Base & { type: 'module'; name?: string; filename: string })
  | (Base & { type: 'register'; name?: string; as: string })
  | (Base & { type: 'action'; action: SpecAction; expected?: SpecValue[] })
  | (Base & { type: 'assert_return'; action: SpecAction; expected: SpecValue[]; either?: SpecValue[] })
  | (Base & { type: 'assert_trap'; action: SpecAction; text: string; expected?: SpecValue[] })
  | (Base & { type: 'assert_exhaustion'; action: SpecAction; text: string; expected?: SpecValue[] })
  | (Base & {
      type: 'assert_invalid' | 'assert_malformed' | 'assert_unlinkable' | 'assert_uninstantiable';
      filename: string;
      text: string;
      module_type: 'binary' | 'text';
    });

export interface SpecScript {
  source_filename: string;
  commands: SpecCommand[];
}
