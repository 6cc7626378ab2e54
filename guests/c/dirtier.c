/* Keeps MEM_MIB of memory in use and rewrites DIRTY_MB (10^6 bytes) of it per
 * second, page by page, for SECONDS (0 = forever): a guest whose dirty rate a
 * migration benchmark sets. Prints "ready" once every page was written, then
 * one line per second with the pages it rewrote.
 *
 *   dirtier MEM_MIB DIRTY_MB SECONDS [FILL]
 *
 * FILL is what the pages hold: "sparse" (the default), one byte written in
 * each, the rest zeros; "random", every byte pseudo-random, which no
 * compression shrinks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE 4096
#define TICK_MS 5

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
  size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 16;
  double rate = argc > 2 ? atof(argv[2]) : 10;
  long seconds = argc > 3 ? atol(argv[3]) : 0;
  size_t pages = mib * 1024 * 1024 / PAGE;
  volatile uint8_t *buf = malloc(pages * PAGE);
  if (!buf) {
    fprintf(stderr, "dirtier: cannot allocate %zu MiB\n", mib);
    return 1;
  }
  if (argc > 4 && strcmp(argv[4], "random") == 0) {
    uint64_t x = 0x9e3779b97f4a7c15ull;
    volatile uint64_t *words = (volatile uint64_t *)buf;
    for (size_t w = 0; w < pages * PAGE / 8; w++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      words[w] = x;
    }
  } else if (argc > 4 && strcmp(argv[4], "sparse") != 0) {
    fprintf(stderr, "dirtier: FILL is sparse or random, not %s\n", argv[4]);
    return 2;
  } else {
    for (size_t p = 0; p < pages; p++) buf[p * PAGE] = (uint8_t)(p | 1);
  }
  printf("ready %zu pages\n", pages);
  fflush(stdout);
  double per_tick = rate * 1e6 / PAGE * TICK_MS / 1000.0;
  double owed = 0;
  size_t cursor = 0, rewritten = 0;
  uint64_t start = now_ms(), last_report = start;
  for (;;) {
    uint64_t t = now_ms();
    if (seconds > 0 && t - start >= (uint64_t)seconds * 1000) break;
    owed += per_tick;
    while (owed >= 1) {
      buf[cursor * PAGE + (rewritten % 61) * 64] += 1;
      cursor = (cursor + 1) % pages;
      rewritten++;
      owed -= 1;
    }
    if (t - last_report >= 1000) {
      printf("rewrote %zu pages\n", rewritten);
      fflush(stdout);
      last_report = t;
    }
    struct timespec ts = {0, TICK_MS * 1000000L};
    nanosleep(&ts, NULL);
  }
  return 0;
}
