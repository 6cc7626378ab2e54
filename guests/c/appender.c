/* Appends numbered lines to files in a preopened directory, reads every
 * file back, and prints a checksum of what it read: a file that lost or
 * repeated a line (after a migration, say) shows as a wrong checksum. It
 * also makes a subdirectory, renames and removes a file, and lists the
 * directory, so that every file call wasi-libc uses is exercised.
 *
 *   appender [DIR (default /data)] [ROUNDS (default 200)] [FILES (default 4)] [SLEEP_MS (default 0)]
 *
 * Output: one "round N sum S" line every 50 rounds, then the final files
 * with their sizes, then "checksum S".
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint32_t fnv(uint32_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static void fail(const char *what, const char *path) {
  fprintf(stderr, "appender: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

/* Reads a whole file and folds it into the checksum. */
static uint32_t sum_file(const char *path, uint32_t h, long *size) {
  FILE *f = fopen(path, "rb");
  if (!f) fail("cannot open", path);
  unsigned char buf[1500];
  size_t n;
  *size = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    h = fnv(h, buf, n);
    *size += (long)n;
  }
  if (ferror(f)) fail("cannot read", path);
  fclose(f);
  return h;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/data";
  long rounds = argc > 2 ? atol(argv[2]) : 200;
  int files = argc > 3 ? atoi(argv[3]) : 4;
  long sleep_ms = argc > 4 ? atol(argv[4]) : 0;
  if (files < 1 || files > 64) files = 4;
  char path[512], other[512];

  snprintf(path, sizeof path, "%s/logs", dir);
  if (mkdir(path, 0777) != 0 && errno != EEXIST) fail("cannot make", path);

  uint32_t h = 2166136261u;
  for (long r = 1; r <= rounds; r++) {
    for (int i = 0; i < files; i++) {
      snprintf(path, sizeof path, "%s/logs/file%d.txt", dir, i);
      FILE *f = fopen(path, "a");
      if (!f) fail("cannot append to", path);
      /* Lines of growing length, so files cross block boundaries at odd places. */
      fprintf(f, "%ld:%d:", r, i);
      for (long k = 0; k < (r * 7 + i) % 97; k++) fputc('a' + (int)((r + k) % 26), f);
      fputc('\n', f);
      if (fclose(f) != 0) fail("cannot close", path);
    }
    if (r % 50 == 0) {
      long size;
      snprintf(path, sizeof path, "%s/logs/file0.txt", dir);
      printf("round %ld sum %08x\n", r, sum_file(path, h, &size));
      fflush(stdout);
    }
    if (sleep_ms > 0) {
      struct timespec ts = { sleep_ms / 1000, (sleep_ms % 1000) * 1000000L };
      nanosleep(&ts, NULL);
    }
  }

  /* Rename one file, write and remove another, overwrite the start of a third with pwrite. */
  snprintf(path, sizeof path, "%s/logs/file0.txt", dir);
  snprintf(other, sizeof other, "%s/logs/renamed.txt", dir);
  if (rename(path, other) != 0) fail("cannot rename", path);
  snprintf(path, sizeof path, "%s/scratch.tmp", dir);
  FILE *t = fopen(path, "w");
  if (!t || fputs("temporary\n", t) < 0 || fclose(t) != 0) fail("cannot write", path);
  if (unlink(path) != 0) fail("cannot remove", path);
  if (files > 1) {
    snprintf(path, sizeof path, "%s/logs/file1.txt", dir);
    FILE *p = fopen(path, "r+");
    if (!p || fseek(p, 0, SEEK_SET) != 0 || fputs("OVERWRITTEN", p) < 0 || fclose(p) != 0) fail("cannot overwrite", path);
  }

  /* List the directory in name order and checksum every file in it. */
  snprintf(path, sizeof path, "%s/logs", dir);
  DIR *d = opendir(path);
  if (!d) fail("cannot list", path);
  char *names[80];
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && count < 80) {
    if (e->d_name[0] == '.') continue;
    names[count++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, (size_t)count, sizeof names[0], by_name);
  for (int i = 0; i < count; i++) {
    long size;
    snprintf(path, sizeof path, "%s/logs/%s", dir, names[i]);
    struct stat st;
    if (stat(path, &st) != 0) fail("cannot stat", path);
    h = sum_file(path, h, &size);
    if (size != (long)st.st_size) {
      fprintf(stderr, "appender: %s: read %ld bytes, stat says %lld\n", path, size, (long long)st.st_size);
      return 1;
    }
    printf("%s %ld\n", names[i], size);
    free(names[i]);
  }
  printf("checksum %08x\n", h);
  return 0;
}
