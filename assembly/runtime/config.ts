/** Limits the embedder sets before creating anything (entry point `config_set`). */
export class Config {
  /** Largest guest memory, in 64 KiB pages; also the address space reserved per memory. */
  maxMemoryPages: u32 = 16384; // 1 GiB
  /** Deepest call nesting; beyond it the trap "call stack exhausted". */
  maxCallDepth: u32 = 20000;
  /** Size of the value stack holding every frame's locals and operands. */
  valueStackBytes: u32 = 16 << 20;
}

export const config = new Config();

export namespace ConfigKey {
  export const MaxMemoryPages: u32 = 0;
  export const MaxCallDepth: u32 = 1;
  export const ValueStackBytes: u32 = 2;
}
