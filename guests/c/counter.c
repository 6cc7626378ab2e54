/* Prints a counter line by line, forever or up to a count, while it keeps
 * rewriting a buffer of memory: each line carries a checksum of that buffer,
 * so a page lost or stale after a migration shows as a wrong line.
 *
 *   counter [LINES (0 = forever)] [BUFFER_KIB (default 1024)] [SLEEP_MS (default 10)]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
  long lines = argc > 1 ? atol(argv[1]) : 0;
  size_t kib = argc > 2 ? (size_t)atol(argv[2]) : 1024;
  long sleep_ms = argc > 3 ? atol(argv[3]) : 10;
  size_t words = kib * 1024 / sizeof(uint32_t);
  uint32_t *buf = calloc(words ? words : 1, sizeof(uint32_t));
  if (!buf) {
    fprintf(stderr, "counter: out of memory\n");
    return 1;
  }
  uint32_t state = 2463534242u;
  for (long n = 1; lines == 0 || n <= lines; n++) {
    /* Touch a spread of pages, deterministically. */
    for (size_t i = 0; i < words; i += 256) {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      buf[(i + state % 256) % words] += state;
    }
    uint32_t sum = 0;
    for (size_t i = 0; i < words; i += 64) sum = sum * 31 + buf[i];
    printf("count %ld sum %08x\n", n, sum);
    fflush(stdout);
    if (sleep_ms > 0) {
      struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  free(buf);
  return 0;
}
