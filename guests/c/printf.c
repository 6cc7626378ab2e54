/* Exercises printf formatting of integers, floats and strings: a lot of
 * libc code (varargs, integer and float conversion) for a fixed output. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

int main(void) {
  printf("ints: %d %i %u %x %X %o %5d|%-5d|%05d\n", -42, 7, 3000000000u, 0xbeef, 0xcafe, 8, 12, 34, 56);
  printf("longs: %lld %llu %" PRIx64 " %" PRId64 "\n", -9007199254740993LL, 18446744073709551615ULL,
         (uint64_t)0x0123456789abcdefULL, (int64_t)INT64_MIN);
  printf("floats: %f %.3f %e %g %g %.10g\n", 3.14159265358979, 2.0 / 3.0, 6.02214076e23, 1e-5, 100000.0, M_PI);
  printf("special: %f %f %f %.0f %.1f\n", INFINITY, -INFINITY, NAN, 0.5, 0.25);
  printf("math: sqrt2=%.12f exp1=%.12f sin1=%.12f log10=%.12f\n", sqrt(2.0), exp(1.0), sin(1.0), log(10.0));
  printf("strings: [%s] [%10s] [%-10s] [%.3s] %c%c\n", "wasm", "right", "left", "truncate", 'o', 'k');
  double sum = 0;
  for (int i = 1; i <= 1000; i++) sum += 1.0 / ((double)i * i);
  printf("basel: %.15f\n", sum);
  unsigned h = 2166136261u;
  char line[64];
  for (int i = 0; i < 1000; i++) {
    int len = snprintf(line, sizeof line, "%d:%.4f:%x", i, i / 7.0, i * 2654435761u);
    for (int k = 0; k < len; k++) h = (h ^ (unsigned char)line[k]) * 16777619u;
  }
  printf("snprintf fnv=%08x\n", h);
  return 0;
}
