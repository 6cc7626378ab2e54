/* Asks its host which wasm features it may use, through the "wasmotion"
 * feature query, and prints the answer COUNT times (default 1), INTERVAL ms
 * apart (default 0): "features 0x5f: sign-ext sat-float-to-int ...". The
 * bits are those of docs/evc.md; a guest under a baseline sees exactly the
 * baseline's features, on every host it moves to. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__attribute__((import_module("wasmotion"), import_name("features"))) uint64_t wasmotion_features(void);

static const char *const NAMES[] = {
  "sign-ext", "sat-float-to-int", "multi-value", "bulk-memory", "reference-types", "simd128", "mutable-globals",
};

static void print_features(uint64_t mask) {
  printf("features 0x%llx:", (unsigned long long)mask);
  for (unsigned bit = 0; bit < 64; bit++) {
    if (!(mask & (1ULL << bit))) continue;
    if (bit < sizeof NAMES / sizeof NAMES[0]) printf(" %s", NAMES[bit]);
    else printf(" bit%u", bit);
  }
  printf("\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  int count = argc > 1 ? atoi(argv[1]) : 1;
  long interval_ms = argc > 2 ? atol(argv[2]) : 0;
  for (int i = 0; i < count; i++) {
    if (i > 0 && interval_ms > 0) {
      struct timespec pause = {interval_ms / 1000, (interval_ms % 1000) * 1000000L};
      nanosleep(&pause, NULL);
    }
    print_features(wasmotion_features());
  }
  return 0;
}
