/* Prints its arguments and environment, then exits with the code given as
 * "--exit=N" (default 0). Checks argv/environ passing and proc_exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv) {
  int code = 0;
  printf("hello from wasi: argc=%d\n", argc);
  for (int i = 0; i < argc; i++) {
    printf("argv[%d]=%s\n", i, argv[i]);
    if (strncmp(argv[i], "--exit=", 7) == 0) code = atoi(argv[i] + 7);
  }
  int count = 0;
  for (char **e = environ; *e; e++, count++) printf("env %s\n", *e);
  printf("envc=%d\n", count);
  return code;
}
