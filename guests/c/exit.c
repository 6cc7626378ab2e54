/* Exit paths: "exit N" calls exit(N) from a nested call after stdout holds
 * unflushed text (atexit handlers and stdio flushing must run); "return N"
 * returns N from main; "abort" calls abort(), which traps (unreachable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_exit_handler(void) { printf("atexit handler ran\n"); }

static void leave(int code, int depth) {
  if (depth > 0) { leave(code, depth - 1); return; }
  printf("leaving with %d", code); /* no newline: stays buffered until exit flushes */
  printf("\n");
  exit(code);
}

int main(int argc, char **argv) {
  atexit(on_exit_handler);
  const char *mode = argc > 1 ? argv[1] : "return";
  int code = argc > 2 ? atoi(argv[2]) : 0;
  if (strcmp(mode, "exit") == 0) leave(code, 10);
  if (strcmp(mode, "abort") == 0) { printf("aborting\n"); fflush(stdout); abort(); }
  printf("returning %d\n", code);
  return code;
}
