/* Benchmark kernel: integer arithmetic, 32 and 64 bit, with division and
 * remainder. Each unit measures Collatz sequence lengths of pseudo-random
 * numbers below 2^20, takes a few 64-bit gcds, and sieves a 2,048-number
 * segment for primes. Returns an i64 so the i64 result path is exercised. */
#include <stdint.h>

#define SEGMENT 2048u

static uint8_t composite[SEGMENT];

static uint32_t collatz_length(uint64_t x) {
  uint32_t steps = 0;
  while (x != 1) { x = (x & 1) ? 3 * x + 1 : x >> 1; steps++; }
  return steps;
}

static uint64_t gcd(uint64_t a, uint64_t b) {
  while (b != 0) { uint64_t t = a % b; a = b; b = t; }
  return a;
}

/* Counts primes in [lo, lo + SEGMENT) with lo >= 2 by trial sieving. */
static uint32_t primes_in_segment(uint32_t lo) {
  for (uint32_t i = 0; i < SEGMENT; i++) composite[i] = 0;
  for (uint32_t p = 2; p * p < lo + SEGMENT; p++) {
    uint32_t first = (lo + p - 1) / p * p;
    if (first < p * p) first = p * p;
    for (uint32_t m = first; m < lo + SEGMENT; m += p) composite[m - lo] = 1;
  }
  uint32_t count = 0;
  for (uint32_t i = 0; i < SEGMENT; i++) count += composite[i] == 0;
  return count;
}

int64_t run(int32_t n) {
  uint64_t acc = 0;
  uint32_t x = 12345u;
  for (int32_t i = 0; i < n; i++) {
    for (int k = 0; k < 8; k++) {
      x = x * 1103515245u + 12345u;
      acc += collatz_length(1 + (x >> 12));
    }
    uint64_t a = ((uint64_t)x << 20) ^ (uint64_t)i * 0x9e3779b97f4a7c15ull;
    acc ^= gcd(a | 1, (a >> 7) + 977) << 5;
    acc += (int64_t)(a / 1000003u) % 65521;
    acc += primes_in_segment(1000000u + ((uint32_t)i & 255u) * SEGMENT);
  }
  return (int64_t)acc;
}
