/* Appends numbered lines to a file and syncs each one before saying so: a
 * host that keeps the guest's disk in an image file must have the line in
 * that file by the time the guest prints that it is synced.
 *
 *   syncer [FILE (default /data/synced.txt)] [LINES (default 3)] [PAUSE_MS (default 1000)]
 *
 * For each line n from 1: appends "line n", fsyncs the file, prints
 * "synced n", then sleeps PAUSE_MS. A failing fsync prints
 * "sync failed: <error>" and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/data/synced.txt";
  long lines = argc > 2 ? atol(argv[2]) : 3;
  long pause_ms = argc > 3 ? atol(argv[3]) : 1000;
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) {
    fprintf(stderr, "syncer: cannot open %s: %s\n", path, strerror(errno));
    return 1;
  }
  for (long n = 1; n <= lines; n++) {
    char line[32];
    int len = snprintf(line, sizeof line, "line %ld\n", n);
    if (write(fd, line, (size_t)len) != len) {
      fprintf(stderr, "syncer: cannot write %s: %s\n", path, strerror(errno));
      return 1;
    }
    if (fsync(fd) != 0) {
      printf("sync failed: %s\n", strerror(errno));
      return 1;
    }
    printf("synced %ld\n", n);
    fflush(stdout);
    struct timespec ts = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  close(fd);
  return 0;
}
