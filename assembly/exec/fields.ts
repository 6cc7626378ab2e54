import { FuncInst, MemInst, TableInst } from "../runtime/store";

/**
 * Raw field reads of store objects for the dispatch loop. Going through a
 * managed reference there would make the compiler spill it to the GC's shadow
 * stack on every call and return; these read the same fields by offset.
 *
 * SAFETY: every address passed here is a live object of the named class: the
 * compiler baked it into the code from the store, which keeps it alive.
 */
@inline export function funcCode(f: usize): usize { return load<usize>(f + offsetof<FuncInst>("code")); }
@inline export function funcKind(f: usize): u8 { return load<u8>(f + offsetof<FuncInst>("kind")); }
@inline export function funcTypeId(f: usize): u32 { return load<u32>(f + offsetof<FuncInst>("typeId")); }
@inline export function funcFrameBytes(f: usize): u32 { return load<u32>(f + offsetof<FuncInst>("frameBytes")); }
@inline export function funcParamBytes(f: usize): u32 { return load<u32>(f + offsetof<FuncInst>("paramBytes")); }
@inline export function funcLocalBytes(f: usize): u32 { return load<u32>(f + offsetof<FuncInst>("localBytes")); }
@inline export function funcMemory(f: usize): usize { return load<usize>(f + offsetof<FuncInst>("memory")); }

@inline export function memBase(m: usize): usize { return load<usize>(m + offsetof<MemInst>("base")); }
@inline export function memByteLength(m: usize): u64 { return load<u64>(m + offsetof<MemInst>("byteLength")); }
@inline export function memDirty(m: usize): usize { return load<usize>(m + offsetof<MemInst>("dirty")); }

@inline export function tableSize(t: usize): u32 { return load<u32>(t + offsetof<TableInst>("size")); }
@inline export function tableElements(t: usize): usize { return load<usize>(t + offsetof<TableInst>("elements")); }
