/* Reads the monotonic and realtime clocks around a short nanosleep and
 * prints the deltas in microseconds plus "ok" lines whose truth the host
 * can check without knowing the exact timing: the monotonic clock never
 * goes back, the sleep lasted as long as asked (less a millisecond: hosts
 * whose timers count whole milliseconds, as node:wasi's do, may wake that
 * much early), and the realtime clock is after 2020. */
#include <stdio.h>
#include <time.h>

static long long ns_of(struct timespec t) { return (long long)t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
  struct timespec m0, m1, r0, r1, res;
  const long sleep_ns = 5 * 1000000L, slack_ns = 1000000L;
  if (clock_gettime(CLOCK_MONOTONIC, &m0) || clock_gettime(CLOCK_REALTIME, &r0)) { perror("clock_gettime"); return 1; }
  struct timespec want = {0, sleep_ns};
  if (nanosleep(&want, NULL)) { perror("nanosleep"); return 1; }
  if (clock_gettime(CLOCK_MONOTONIC, &m1) || clock_gettime(CLOCK_REALTIME, &r1)) { perror("clock_gettime"); return 1; }
  long long mono = ns_of(m1) - ns_of(m0), real = ns_of(r1) - ns_of(r0);
  printf("monotonic delta us=%lld\n", mono / 1000);
  printf("realtime delta us=%lld\n", real / 1000);
  printf("realtime seconds=%lld\n", (long long)r1.tv_sec);
  if (clock_getres(CLOCK_MONOTONIC, &res) == 0) printf("monotonic resolution ns=%lld\n", ns_of(res));
  printf("monotonic forward: %s\n", mono >= 0 ? "ok" : "BAD");
  printf("slept long enough: %s\n", mono >= sleep_ns - slack_ns ? "ok" : "BAD");
  printf("realtime after 2020: %s\n", r1.tv_sec > 1577836800LL ? "ok" : "BAD");
  return mono >= sleep_ns - slack_ns && r1.tv_sec > 1577836800LL ? 0 : 2;
}
