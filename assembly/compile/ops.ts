/**
 * The VMM's internal code (IR). A function compiles to a sequence of 32-bit
 * words; each instruction is an Op word followed by its operands. Operands
 * are slot offsets in bytes from the frame pointer `fp` (every local and every
 * operand-stack position of a frame has an 8-byte slot), immediates, or
 * relative jump distances in bytes from the start of the instruction.
 *
 * Operand layout by suffix, documented once here:
 *   unary      OP dst a            (3 words)
 *   binary     OP dst a b          (4 words)
 *   ...Imm     OP dst a imm        (4 words; b is the i32 immediate)
 *   load       OP dst addr offset  (4 words)
 *   store      OP addr value offset (4 words)
 * Other instructions document their operands beside their entry.
 *
 * The IR is internal: checkpoints never contain it. Every instruction starts
 * at a wasm instruction boundary, recorded in the function's offset map.
 */
export const enum Op {
  Unreachable,
  Copy,        // dst src: copy one 8-byte slot
  BrMove,      // dst src n rel: move n slots (overlap allowed), then jump
  Const32,     // dst value
  Const64,     // dst lo hi
  Br,          // rel
  BrIf,        // cond rel: jump if the i32 in cond is not 0
  BrIfEqz,     // cond rel: jump if the i32 in cond is 0
  BrTable,     // index count src n, then (dst rel) per target, the default last:
               // move n slots from src to the target's dst, then jump
  BrIfMove,    // cond dst src n rel: if cond is not 0, move n slots, then jump
  Return,      // src n: copy n result slots from src to slot 0 and return
  Call,        // func base: callee's frame starts at slot offset base
  CallIndirect, // table typeId base index
  Select,      // dst a b cond
  GlobalGet,   // dst cell
  GlobalSet,   // cell src
  MemorySize,  // dst
  MemoryGrow,  // dst delta
  MemoryFill,  // d val n
  MemoryCopy,  // d s n
  MemoryInit,  // data d s n
  DataDrop,    // data
  TableGet,    // dst table index
  TableSet,    // table index value
  TableSize,   // dst table
  TableGrow,   // dst table init n
  TableFill,   // table i value n
  TableCopy,   // dstTable srcTable d s n
  TableInit,   // table elem d s n
  ElemDrop,    // elem
  RefIsNull,   // dst a
  I32Load, I64Load, F32Load, F64Load,
  I32Load8S, I32Load8U, I32Load16S, I32Load16U,
  I64Load8S, I64Load8U, I64Load16S, I64Load16U, I64Load32S, I64Load32U,
  I32Store, I64Store, F32Store, F64Store,
  I32Store8, I32Store16, I64Store8, I64Store16, I64Store32,
  I32Eqz,
  I32Eq,
  I32EqImm,
  I32Ne,
  I32NeImm,
  I32LtS,
  I32LtSImm,
  I32LtU,
  I32LtUImm,
  I32GtS,
  I32GtSImm,
  I32GtU,
  I32GtUImm,
  I32LeS,
  I32LeSImm,
  I32LeU,
  I32LeUImm,
  I32GeS,
  I32GeSImm,
  I32GeU,
  I32GeUImm,
  I64Eqz,
  I64Eq,
  I64Ne,
  I64LtS,
  I64LtU,
  I64GtS,
  I64GtU,
  I64LeS,
  I64LeU,
  I64GeS,
  I64GeU,
  F32Eq,
  F32Ne,
  F32Lt,
  F32Gt,
  F32Le,
  F32Ge,
  F64Eq,
  F64Ne,
  F64Lt,
  F64Gt,
  F64Le,
  F64Ge,
  I32Clz,
  I32Ctz,
  I32Popcnt,
  I32Add,
  I32AddImm,
  I32Sub,
  I32SubImm,
  I32Mul,
  I32MulImm,
  I32DivS,
  I32DivU,
  I32RemS,
  I32RemU,
  I32And,
  I32AndImm,
  I32Or,
  I32OrImm,
  I32Xor,
  I32XorImm,
  I32Shl,
  I32ShlImm,
  I32ShrS,
  I32ShrSImm,
  I32ShrU,
  I32ShrUImm,
  I32Rotl,
  I32RotlImm,
  I32Rotr,
  I32RotrImm,
  I64Clz,
  I64Ctz,
  I64Popcnt,
  I64Add,
  I64Sub,
  I64Mul,
  I64DivS,
  I64DivU,
  I64RemS,
  I64RemU,
  I64And,
  I64Or,
  I64Xor,
  I64Shl,
  I64ShrS,
  I64ShrU,
  I64Rotl,
  I64Rotr,
  F32Abs,
  F32Neg,
  F32Ceil,
  F32Floor,
  F32Trunc,
  F32Nearest,
  F32Sqrt,
  F32Add,
  F32Sub,
  F32Mul,
  F32Div,
  F32Min,
  F32Max,
  F32Copysign,
  F64Abs,
  F64Neg,
  F64Ceil,
  F64Floor,
  F64Trunc,
  F64Nearest,
  F64Sqrt,
  F64Add,
  F64Sub,
  F64Mul,
  F64Div,
  F64Min,
  F64Max,
  F64Copysign,
  I32WrapI64,
  I32TruncF32S,
  I32TruncF32U,
  I32TruncF64S,
  I32TruncF64U,
  I64ExtendI32S,
  I64ExtendI32U,
  I64TruncF32S,
  I64TruncF32U,
  I64TruncF64S,
  I64TruncF64U,
  F32ConvertI32S,
  F32ConvertI32U,
  F32ConvertI64S,
  F32ConvertI64U,
  F32DemoteF64,
  F64ConvertI32S,
  F64ConvertI32U,
  F64ConvertI64S,
  F64ConvertI64U,
  F64PromoteF32,
  I32ReinterpretF32,
  I64ReinterpretF64,
  F32ReinterpretI32,
  F64ReinterpretI64,
  I32Extend8S,
  I32Extend16S,
  I64Extend8S,
  I64Extend16S,
  I64Extend32S,
  I32TruncSatF32S,
  I32TruncSatF32U,
  I32TruncSatF64S,
  I32TruncSatF64U,
  I64TruncSatF32S,
  I64TruncSatF32U,
  I64TruncSatF64S,
  I64TruncSatF64U,
  // Compare and branch: OP a b rel (a and b slots; b an i32 immediate in ...Imm).
  BrI32Eq,
  BrI32EqImm,
  BrI32Ne,
  BrI32NeImm,
  BrI32LtS,
  BrI32LtSImm,
  BrI32LtU,
  BrI32LtUImm,
  BrI32GtS,
  BrI32GtSImm,
  BrI32GtU,
  BrI32GtUImm,
  BrI32LeS,
  BrI32LeSImm,
  BrI32LeU,
  BrI32LeUImm,
  BrI32GeS,
  BrI32GeSImm,
  BrI32GeU,
  BrI32GeUImm,
  Count,
}
