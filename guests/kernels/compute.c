/* Benchmark kernel: the "real program" of guests/c/compute.c, n blocks of
 * 4 KiB generated, compressed, expanded, checked and CRC'd. */
#include "../shared/compute_core.h"

static compute_state state;

int32_t run(int32_t n) {
  compute_result r = {0, 0, 0};
  crc_init(&state);
  for (int32_t i = 0; i < n; i++) compute_one_block(&state, (uint32_t)i, &r);
  /* A failed round trip must show in the checksum, not hide in it. */
  return (int32_t)(r.digest ^ r.packed_total ^ (r.bad_blocks * 0x80000000u));
}
