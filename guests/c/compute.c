/* The deterministic "real program": compresses N generated 4 KiB blocks
 * (argv[1], default 64), expands them again, checks every round trip and
 * prints sizes and a digest. The same core is the benchmark kernel
 * guests/kernels/compute.c, so its digest can be cross-checked. */
#include <stdio.h>
#include <stdlib.h>
#include "../shared/compute_core.h"

int main(int argc, char **argv) {
  long blocks = argc > 1 ? strtol(argv[1], NULL, 10) : 64;
  if (blocks < 0 || blocks > 1000000) { fprintf(stderr, "compute: bad block count\n"); return 2; }
  compute_state *state = malloc(sizeof *state);
  if (!state) { fprintf(stderr, "compute: out of memory\n"); return 1; }
  compute_result r = {0, 0, 0};
  crc_init(state);
  for (long i = 0; i < blocks; i++) compute_one_block(state, (uint32_t)i, &r);
  printf("compute: blocks=%ld in=%lu out=%u\n", blocks, (unsigned long)blocks * BLOCK_SIZE, r.packed_total);
  printf("compute: digest=%08x roundtrip=%s\n", r.digest, r.bad_blocks ? "BAD" : "ok");
  printf("compute: checksum=%d\n", (int32_t)(r.digest ^ r.packed_total ^ (r.bad_blocks * 0x80000000u)));
  free(state);
  return r.bad_blocks ? 1 : 0;
}
