/* Benchmark kernel: calls. Each unit is a doubly recursive Fibonacci of a
 * small argument (about 2,000 calls), so the cost is dominated by call and
 * return, not by arithmetic. */
#include <stdint.h>

/* noinline keeps clang from turning the recursion into a loop. */
__attribute__((noinline)) static uint32_t fib(uint32_t k) {
  return k < 2 ? k : fib(k - 1) + fib(k - 2);
}

int32_t run(int32_t n) {
  uint32_t acc = 0;
  for (int32_t i = 0; i < n; i++) acc = acc * 33u + fib(14u + (uint32_t)(i & 3));
  return (int32_t)acc;
}
