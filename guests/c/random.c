/* Draws random bytes with getentropy (random_get underneath) and prints how
 * many it read and whether they look random (not all zero, two draws not
 * equal), never the bytes themselves, so the output is deterministic. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  unsigned char a[256], b[256];
  size_t total = 0;
  if (getentropy(a, sizeof a) || getentropy(b, sizeof b)) { perror("getentropy"); return 1; }
  total += sizeof a + sizeof b;
  int nonzero = 0;
  for (size_t i = 0; i < sizeof a; i++) nonzero |= a[i];
  int differ = memcmp(a, b, sizeof a) != 0;
  printf("random: read %zu bytes\n", total);
  printf("random: nonzero %s\n", nonzero ? "ok" : "BAD");
  printf("random: draws differ %s\n", differ ? "ok" : "BAD");
  (void)argc; (void)argv;
  return nonzero && differ ? 0 : 2;
}
