/* Benchmark kernel: floating point. Each unit renders one 96-pixel row of a
 * Mandelbrot set in f64 (escape after at most 64 iterations) and takes a few
 * f32 steps of a damped oscillator. The checksum folds the iteration counts
 * and the exact bits of the float accumulators; wasm floats are deterministic
 * apart from NaN payloads, and no NaN is produced here. */
#include <stdint.h>

#define WIDTH 96
#define HEIGHT 64
#define MAX_ITER 64

static uint32_t mandel_row(int32_t row) {
  double ci = -1.2 + 2.4 * (double)row / HEIGHT;
  uint32_t sum = 0;
  for (int32_t col = 0; col < WIDTH; col++) {
    double cr = -2.1 + 3.0 * (double)col / WIDTH;
    double zr = 0, zi = 0;
    int32_t it = 0;
    while (it < MAX_ITER && zr * zr + zi * zi <= 4.0) {
      double t = zr * zr - zi * zi + cr;
      zi = 2.0 * zr * zi + ci;
      zr = t;
      it++;
    }
    sum = sum * 7u + (uint32_t)it;
  }
  return sum;
}

int32_t run(int32_t n) {
  uint32_t acc = 0;
  float pos = 1.0f, vel = 0.0f;
  double energy = 0.0;
  for (int32_t i = 0; i < n; i++) {
    acc = acc * 31u + mandel_row(i % HEIGHT);
    for (int k = 0; k < 16; k++) {
      vel = vel * 0.999f - pos * 0.01f;
      pos += vel * 0.1f;
    }
    energy += (double)pos * (double)pos + (double)vel * (double)vel;
  }
  union { float f; uint32_t u; } p = {pos};
  union { double d; uint64_t u; } e = {energy};
  return (int32_t)(acc ^ p.u ^ (uint32_t)e.u ^ (uint32_t)(e.u >> 32));
}
