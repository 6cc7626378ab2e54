/* Benchmark kernel: comparisons, swaps and branchy recursion. Each unit fills
 * 1,024 i32 with a linear congruential generator and sorts them with a
 * median-of-three quicksort (insertion sort below 16 elements). */
#include <stdint.h>

#define COUNT 1024

static int32_t values[COUNT];

static void insertion_sort(int32_t *a, int32_t lo, int32_t hi) {
  for (int32_t i = lo + 1; i <= hi; i++) {
    int32_t v = a[i], j = i - 1;
    while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
    a[j + 1] = v;
  }
}

static void swap(int32_t *a, int32_t i, int32_t j) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; }

static void quicksort(int32_t *a, int32_t lo, int32_t hi) {
  while (hi - lo >= 16) {
    int32_t mid = lo + (hi - lo) / 2;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    int32_t pivot = a[mid], i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { swap(a, i, j); i++; j--; }
    }
    /* Recurse into the smaller side so the depth stays logarithmic. */
    if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; }
    else { quicksort(a, i, hi); hi = j; }
  }
  insertion_sort(a, lo, hi);
}

int32_t run(int32_t n) {
  uint32_t x = 2463534242u, check = 0;
  for (int32_t r = 0; r < n; r++) {
    for (int32_t i = 0; i < COUNT; i++) { x = x * 1664525u + 1013904223u; values[i] = (int32_t)x >> 4; }
    quicksort(values, 0, COUNT - 1);
    int sorted = 1;
    for (int32_t i = 1; i < COUNT; i++) sorted &= values[i - 1] <= values[i];
    check = check * 31u + (uint32_t)values[r % COUNT] + (uint32_t)values[COUNT / 2] + (sorted ? 0u : 0x80000000u);
  }
  return (int32_t)check;
}
