/* Lists every file under a directory, depth first in name order, with its
 * size and a checksum of its bytes: two disks whose listings are equal hold
 * the same files with the same contents (timestamps aside).
 *
 *   treesum [DIR (default /data)]
 *
 * Output: one "PATH SIZE SUM" line per file ("PATH/" for a directory),
 * then "total FILES BYTES".
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static long files, bytes;

static void fail(const char *what, const char *path) {
  fprintf(stderr, "treesum: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void sum_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) fail("cannot open", path);
  unsigned char buf[4096];
  uint32_t h = 2166136261u;
  long size = 0;
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    for (size_t i = 0; i < n; i++) h = (h ^ buf[i]) * 16777619u;
    size += (long)n;
  }
  if (ferror(f)) fail("cannot read", path);
  fclose(f);
  printf("%s %ld %08x\n", path, size, h);
  files++;
  bytes += size;
}

static void walk(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) fail("cannot list", dir);
  char **names = NULL;
  size_t count = 0, room = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (count == room) {
      room = room ? room * 2 : 16;
      names = realloc(names, room * sizeof *names);
      if (!names) fail("out of memory listing", dir);
    }
    names[count++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, count, sizeof *names, by_name);
  for (size_t i = 0; i < count; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    if (stat(path, &st) != 0) fail("cannot stat", path);
    if (S_ISDIR(st.st_mode)) {
      printf("%s/\n", path);
      walk(path);
    } else {
      sum_file(path);
    }
    free(names[i]);
  }
  free(names);
}

int main(int argc, char **argv) {
  walk(argc > 1 ? argv[1] : "/data");
  printf("total %ld %ld\n", files, bytes);
  return 0;
}
