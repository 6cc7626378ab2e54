/* Copies stdin to stdout in 4 KiB reads and reports the byte count on
 * stderr. Checks fd_read/fd_write, partial reads and end of file. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  char buf[4096];
  unsigned long long total = 0;
  for (;;) {
    ssize_t got = read(0, buf, sizeof buf);
    if (got < 0) { perror("cat: read"); return 1; }
    if (got == 0) break;
    for (ssize_t off = 0; off < got;) {
      ssize_t put = write(1, buf + off, (size_t)(got - off));
      if (put < 0) { perror("cat: write"); return 1; }
      off += put;
    }
    total += (unsigned long long)got;
  }
  fprintf(stderr, "cat: %llu bytes\n", total);
  return 0;
}
