/* Benchmark kernel: loads and stores over linear memory. Each unit is one
 * forward prefix-sum pass and one backward mixing pass over a 64 KiB buffer
 * of u32, plus a strided byte pass. */
#include <stdint.h>

#define WORDS 16384u

static uint32_t buf[WORDS];

int32_t run(int32_t n) {
  for (uint32_t i = 0; i < WORDS; i++) buf[i] = i * 2654435761u;
  for (int32_t r = 0; r < n; r++) {
    uint32_t sum = (uint32_t)r;
    for (uint32_t i = 0; i < WORDS; i++) { sum += buf[i]; buf[i] = sum; }
    uint32_t carry = 0;
    for (uint32_t i = WORDS; i-- > 0;) { carry = (carry >> 3) ^ buf[i]; buf[i] = carry + i; }
    uint8_t *bytes = (uint8_t *)buf;
    for (uint32_t i = (uint32_t)r & 63; i < WORDS * 4; i += 61) bytes[i] ^= (uint8_t)i;
  }
  uint32_t check = 0;
  for (uint32_t i = 0; i < WORDS; i += 7) check = check * 31u + buf[i];
  return (int32_t)check;
}
