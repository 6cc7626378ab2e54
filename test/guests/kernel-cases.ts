/**
 * Reference checksums of the benchmark kernels (build/guests/kernel-*.wasm)
 * for small n, as V8 computes them. Any engine running a kernel must return
 * exactly these; i64 results are bigints.
 */
import type { KernelName } from '../../tools/guests/layout.js';

export const KERNEL_REFERENCE: Record<KernelName, { n: number; checksum: number | bigint }[]> = {
  fib: [{ n: 1, checksum: 377 }, { n: 7, checksum: 883232905 }],
  memloop: [{ n: 1, checksum: 185201112 }, { n: 7, checksum: -1166894415 }],
  intmath: [{ n: 1, checksum: 60907n }, { n: 7, checksum: 163997n }],
  floatmath: [{ n: 1, checksum: 2001979333 }, { n: 7, checksum: -570426741 }],
  hash: [{ n: 1, checksum: 768424183 }, { n: 7, checksum: -1035584942 }],
  sort: [{ n: 1, checksum: -134106010 }, { n: 7, checksum: -1733218009 }],
  compute: [{ n: 1, checksum: -1054879170 }, { n: 7, checksum: -93860304 }],
};
