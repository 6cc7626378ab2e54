/*
 * The "real program" shared by the WASI command guests/c/compute.c and the
 * benchmark kernel guests/kernels/compute.c: generate a block of word-like
 * text, compress it with a small LZ77 (hash table of 3-byte prefixes), expand
 * it again, check the round trip, and fold a CRC-32 of the compressed bytes
 * into a running digest. Everything is deterministic and uses no libc, so
 * both builds (with and without wasi-libc) compute the same digest.
 *
 * Compressed format, one token after another:
 *   0x00..0x7f  literal run: (byte + 1) literal bytes follow
 *   0x80..0xff  match: length = (byte & 0x7f) + MIN_MATCH, then 2 bytes of
 *               little-endian distance back into the output (1..65535)
 */
#ifndef COMPUTE_CORE_H
#define COMPUTE_CORE_H

#include <stdint.h>

#define BLOCK_SIZE 4096u
#define MIN_MATCH 4u
#define MAX_MATCH (0x7fu + MIN_MATCH)
#define HASH_BITS 12u
/* Worst case: every 128 literals cost one extra byte. */
#define MAX_PACKED (BLOCK_SIZE + BLOCK_SIZE / 128u + 16u)

typedef struct {
  uint8_t input[BLOCK_SIZE];
  uint8_t packed[MAX_PACKED];
  uint8_t unpacked[BLOCK_SIZE];
  uint32_t head[1u << HASH_BITS];
  uint32_t crc_table[256];
} compute_state;

static void crc_init(compute_state *s) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    s->crc_table[i] = c;
  }
}

static uint32_t crc32(const compute_state *s, const uint8_t *p, uint32_t n) {
  uint32_t c = 0xffffffffu;
  for (uint32_t i = 0; i < n; i++) c = s->crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

/* Word-like text from a small vocabulary, so that LZ77 finds real matches. */
static void generate_block(compute_state *s, uint32_t seed) {
  static const char *const words[16] = {
      "wasm ", "guest ", "host ", "page ", "dirty ", "migrate ", "vmm ", "stack ",
      "frame ", "local ", "global ", "table ", "memory ", "trap ", "fuel ", "the "};
  uint32_t x = seed * 2654435761u + 0x9e3779b9u;
  uint32_t at = 0;
  while (at < BLOCK_SIZE) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5; /* xorshift32 */
    const char *w = words[x & 15];
    if ((x >> 8) % 23 == 0) w = (x & 64) ? "\n" : ", ";
    for (; *w && at < BLOCK_SIZE; w++) s->input[at++] = (uint8_t)*w;
  }
}

static uint32_t hash3(const uint8_t *p) {
  uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
  return (v * 2654435761u) >> (32u - HASH_BITS);
}

static uint32_t flush_literals(uint8_t *out, uint32_t o, const uint8_t *lit, uint32_t n) {
  while (n > 0) {
    uint32_t run = n > 128 ? 128 : n;
    out[o++] = (uint8_t)(run - 1);
    for (uint32_t i = 0; i < run; i++) out[o++] = lit[i];
    lit += run;
    n -= run;
  }
  return o;
}

/* Returns the packed size. */
static uint32_t compress_block(compute_state *s) {
  const uint8_t *in = s->input;
  uint8_t *out = s->packed;
  for (uint32_t i = 0; i < (1u << HASH_BITS); i++) s->head[i] = 0xffffffffu;
  uint32_t o = 0, i = 0, lit_start = 0;
  while (i + MIN_MATCH <= BLOCK_SIZE) {
    uint32_t h = hash3(in + i);
    uint32_t cand = s->head[h];
    s->head[h] = i;
    uint32_t len = 0;
    if (cand != 0xffffffffu && i - cand < 65536u) {
      uint32_t max = BLOCK_SIZE - i < MAX_MATCH ? BLOCK_SIZE - i : MAX_MATCH;
      while (len < max && in[cand + len] == in[i + len]) len++;
    }
    if (len >= MIN_MATCH) {
      o = flush_literals(out, o, in + lit_start, i - lit_start);
      uint32_t dist = i - cand;
      out[o++] = (uint8_t)(0x80u | (len - MIN_MATCH));
      out[o++] = (uint8_t)dist;
      out[o++] = (uint8_t)(dist >> 8);
      i += len;
      lit_start = i;
    } else {
      i++;
    }
  }
  return flush_literals(out, o, in + lit_start, BLOCK_SIZE - lit_start);
}

/* Returns the unpacked size, or 0xffffffff on a corrupt stream. */
static uint32_t expand_block(compute_state *s, uint32_t packed_size) {
  const uint8_t *in = s->packed;
  uint8_t *out = s->unpacked;
  uint32_t i = 0, o = 0;
  while (i < packed_size) {
    uint8_t t = in[i++];
    if (t < 0x80) {
      uint32_t run = (uint32_t)t + 1;
      if (o + run > BLOCK_SIZE || i + run > packed_size) return 0xffffffffu;
      for (uint32_t k = 0; k < run; k++) out[o++] = in[i++];
    } else {
      uint32_t len = (uint32_t)(t & 0x7f) + MIN_MATCH;
      if (i + 2 > packed_size) return 0xffffffffu;
      uint32_t dist = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;
      i += 2;
      if (dist == 0 || dist > o || o + len > BLOCK_SIZE) return 0xffffffffu;
      for (uint32_t k = 0; k < len; k++, o++) out[o] = out[o - dist];
    }
  }
  return o;
}

typedef struct {
  uint32_t digest;
  uint32_t packed_total;
  uint32_t bad_blocks;
} compute_result;

/* One unit of work: one block. The digest chains over all blocks so far. */
static void compute_one_block(compute_state *s, uint32_t seed, compute_result *r) {
  generate_block(s, seed);
  uint32_t packed = compress_block(s);
  uint32_t unpacked = expand_block(s, packed);
  int same = unpacked == BLOCK_SIZE;
  for (uint32_t i = 0; same && i < BLOCK_SIZE; i++) same = s->input[i] == s->unpacked[i];
  if (!same) r->bad_blocks++;
  r->packed_total += packed;
  r->digest = (r->digest * 31u) ^ crc32(s, s->packed, packed);
}

#endif
