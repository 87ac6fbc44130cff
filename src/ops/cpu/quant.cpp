// CPU kernels of the block-quantized ops. Weight-only: activations and sums stay fp32 and every
// weight is widened to exactly the float gguf-py's dequantize gives (same fp32 products, no FMA
// in the widening), so linear_quantized equals linear(x, dequantize(W)) up to summation order.
//  - decode (M <= kMaxRows, and every M in batch-invariant mode): one pass over the quantized
//    weight, each block widened in AVX2 registers and multiplied into up to 4 activation rows;
//    threads split N. Each activation row is summed by the same instructions whatever M is.
//    Q4_0 / Q8_0 / Q4_K / Q6_K dot the integer codes with x and apply each block scale once per
//    scale group (equal to the dequantized dot up to fp32 rounding; see fsub).
//  - prefill (larger M): panels of weight rows widened to fp32, then the fp32 GEMM (oneDNN) on
//    each panel, so the weight is read once for all M rows.
// AVX2 + FMA + F16C picked at run time; a portable loop otherwise.
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>

#include "ops/dispatch.hpp"
#include "ops/kernels.hpp"
#include "ops/quant_kernels.hpp"

namespace transformers::ops::kernels::cpu {

namespace {

constexpr int64_t kMaxRows = 8;
// xsum: per-32 lane sums of x (x_run_sums) for the formats that need them, else null.
using RowsFn = void (*)(const QuantLinearArgs& a, int64_t n, int64_t m0, int64_t rows, const float* xsum, float* acc);

// Portable: one block widened at a time by the reference decoder, each x row summed in its own
// 8 fp32 lanes over k in order.
void rows_portable(const QuantLinearArgs& a, int64_t n, int64_t m0, int64_t rows, const float*, float* acc) {
  const QuantTraits& tr = quant_traits(a.type);
  const BlockDecoder dec = block_decoder(a.type);
  float lanes[kMaxRows][8] = {};
  float w[256];
  const int64_t bs = tr.block_size, nb = a.K / bs;
  const uint8_t* wr = a.w + n * a.row_bytes;
  for (int64_t b = 0; b < nb; ++b) {
    dec(wr + b * tr.type_size, w);
    for (int64_t m = 0; m < rows; ++m) {
      const float* x = a.x + (m0 + m) * a.K + b * bs;
      for (int64_t j = 0; j < bs; j += 8)
        for (int l = 0; l < 8; ++l) lanes[m][l] += x[j + l] * w[j + l];
    }
  }
  for (int64_t m = 0; m < rows; ++m) {
    float s = 0;
    for (int l = 0; l < 8; ++l) s += lanes[m][l];
    acc[m] = s;
  }
}

// ---- AVX2 block decoders: sub-block s (32 weights) of a block -> w[0..3], 8 floats each ----
#define TCPP_AVX2 __attribute__((target("avx2,fma,f16c")))

TCPP_AVX2 inline float f16s(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}
// Bytes 8*i .. 8*i+7 of a 16-byte vector, zero- or sign-extended to 8 floats.
TCPP_AVX2 inline __m256 u8_ps(__m128i v, int i) {
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(i ? _mm_srli_si128(v, 8) : v));
}
TCPP_AVX2 inline __m256 i8_ps(__m128i v, int i) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(i ? _mm_srli_si128(v, 8) : v));
}
TCPP_AVX2 inline __m128i load16(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
TCPP_AVX2 inline __m256i load32(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
// The 16 low and 16 high nibbles of 16 bytes (weights 0..15 and 16..31 of a ggml 32-run).
TCPP_AVX2 inline void nibbles16(const uint8_t* p, __m128i& lo, __m128i& hi) {
  const __m128i q = load16(p), m = _mm_set1_epi8(0x0F);
  lo = _mm_and_si128(q, m);
  hi = _mm_and_si128(_mm_srli_epi16(q, 4), m);
}
// The four 8-byte quarters of 32 bytes (values < 128) as float vectors.
TCPP_AVX2 inline void quarters_ps(__m256i v, __m256 f[4]) {
  const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
  f[0] = u8_ps(lo, 0), f[1] = u8_ps(lo, 1), f[2] = u8_ps(hi, 0), f[3] = u8_ps(hi, 1);
}
// Bits b..b+7 of a u32, as 0 / 16 in 8 int lanes (the 5th bit of Q5_0 / Q5_1 codes).
TCPP_AVX2 inline __m256i bit5(uint32_t qh, int b) {
  const __m256i v = _mm256_srlv_epi32(_mm256_set1_epi32(static_cast<int>(qh >> b)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  return _mm256_slli_epi32(_mm256_and_si256(v, _mm256_set1_epi32(1)), 4);
}

// Each format: prep() reads a block's scales once (the same scalar fp32 products as the
// reference decoder), decode() widens sub-block s (32 weights) into w[0..3]. Integer offsets
// (q - 8, q - 32, ...) are taken before the int -> float conversion: exact either way.
TCPP_AVX2 inline __m128i sub8(__m128i v, int k) { return _mm_sub_epi8(v, _mm_set1_epi8(static_cast<char>(k))); }
TCPP_AVX2 inline void squarters_ps(__m256i v, __m256 f[4]) {  // signed bytes
  const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
  f[0] = i8_ps(lo, 0), f[1] = i8_ps(lo, 1), f[2] = i8_ps(hi, 0), f[3] = i8_ps(hi, 1);
}

struct Q4_0 {
  static constexpr int kBlock = 32, kBytes = 18;
  struct Pre { float d; };
  TCPP_AVX2 static inline void prep(const uint8_t* b, Pre& p) { p.d = f16s(b); }
  TCPP_AVX2 static inline void decode(const uint8_t* b, const Pre& p, int, __m256 w[4]) {
    const __m256 d = _mm256_set1_ps(p.d);
    __m128i lo, hi;
    nibbles16(b + 2, lo, hi);
    lo = sub8(lo, 8), hi = sub8(hi, 8);
    w[0] = _mm256_mul_ps(d, i8_ps(lo, 0));
    w[1] = _mm256_mul_ps(d, i8_ps(lo, 1));
    w[2] = _mm256_mul_ps(d, i8_ps(hi, 0));
    w[3] = _mm256_mul_ps(d, i8_ps(hi, 1));
  }
};

struct Q4_1 {
  static constexpr int kBlock = 32, kBytes = 20;
  struct Pre { float d, m; };
  TCPP_AVX2 static inline void prep(const uint8_t* b, Pre& p) { p.d = f16s(b), p.m = f16s(b + 2); }
  TCPP_AVX2 static inline void decode(const uint8_t* b, const Pre& p, int, __m256 w[4]) {
    const __m256 d = _mm256_set1_ps(p.d), m = _mm256_set1_ps(p.m);
    __m128i lo, hi;
    nibbles16(b + 4, lo, hi);
    w[0] = _mm256_add_ps(_mm256_mul_ps(d, u8_ps(lo, 0)), m);
    w[1] = _mm256_add_ps(_mm256_mul_ps(d, u8_ps(lo, 1)), m);
    w[2] = _mm256_add_ps(_mm256_mul_ps(d, u8_ps(hi, 0)), m);
    w[3] = _mm256_add_ps(_mm256_mul_ps(d, u8_ps(hi, 1)), m);
  }
};

// The 32 five-bit codes of Q5_0 / Q5_1 as int lanes.
TCPP_AVX2 inline void q5_codes(const uint8_t* qh_p, const uint8_t* qs, __m256i q[4]) {
  uint32_t qh;
  std::memcpy(&qh, qh_p, 4);
  __m128i lo, hi;
  nibbles16(qs, lo, hi);
  q[0] = _mm256_or_si256(_mm256_cvtepu8_epi32(lo), bit5(qh, 0));
  q[1] = _mm256_or_si256(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)), bit5(qh, 8));
  q[2] = _mm256_or_si256(_mm256_cvtepu8_epi32(hi), bit5(qh, 16));
  q[3] = _mm256_or_si256(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8)), bit5(qh, 24));
}

struct Q5_0 {
  static constexpr int kBlock = 32, kBytes = 22;
  struct Pre { float d; };
  TCPP_AVX2 static inline void prep(const uint8_t* b, Pre& p) { p.d = f16s(b); }
  TCPP_AVX2 static inline void decode(const uint8_t* b, const Pre& p, int, __m256 w[4]) {
    const __m256 d = _mm256_set1_ps(p.d);
    __m256i q[4];
    q5_codes(b + 2, b + 6, q);
    for (int j = 0; j < 4; ++j) w[j] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_sub_epi32(q[j], _mm256_set1_epi32(16))));
  }
};

struct Q5_1 {
  static constexpr int kBlock = 32, kBytes = 24;
  struct Pre { float d, m; };
  TCPP_AVX2 static inline void prep(const uint8_t* b, Pre& p) { p.d = f16s(b), p.m = f16s(b + 2); }
  TCPP_AVX2 static inline void decode(const uint8_t* b, const Pre& p, int, __m256 w[4]) {
    const __m256 d = _mm256_set1_ps(p.d), m = _mm256_set1_ps(p.m);
    __m256i q[4];
    q5_codes(b + 4, b + 8, q);
    for (int j = 0; j < 4; ++j) w[j] = _mm256_add_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(q[j])), m);
  }
};

struct Q8_0 {
  static constexpr int kBlock = 32, kBytes = 34;
  struct Pre { float d; };
  TCPP_AVX2 static inline void prep(const uint8_t* b, Pre& p) { p.d = f16s(b); }
  TCPP_AVX2 static inline void decode(const uint8_t* b, const Pre& p, int, __m256 w[4]) {
    const __m256 d = _mm256_set1_ps(p.d);
    const __m128i q0 = load16(b + 2), q1 = load16(b + 18);
    w[0] = _mm256_mul_ps(i8_ps(q0, 0), d);
    w[1] = _mm256_mul_ps(i8_ps(q0, 1), d);
    w[2] = _mm256_mul_ps(i8_ps(q1, 0), d);
    w[3] = _mm256_mul_ps(i8_ps(q1, 1), d);
  }
};

constexpr int8_t kIq4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
// 32 IQ4 codes (16 bytes, low nibbles first) looked up in the code book and scaled by d.
TCPP_AVX2 inline void iq4_run(const uint8_t* qs, float dl, __m256 w[4]) {
  const __m128i book = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4Values));
  const __m256 d = _mm256_set1_ps(dl);
  __m128i lo, hi;
  nibbles16(qs, lo, hi);
  lo = _mm_shuffle_epi8(book, lo);
  hi = _mm_shuffle_epi8(book, hi);
  w[0] = _mm256_mul_ps(d, i8_ps(lo, 0));
  w[1] = _mm256_mul_ps(d, i8_ps(lo, 1));
  w[2] = _mm256_mul_ps(d, i8_ps(hi, 0));
  w[3] = _mm256_mul_ps(d, i8_ps(hi, 1));
}

struct IQ4_NL {
  static constexpr int kBlock = 32, kBytes = 18;
  struct Pre { float d; };
  TCPP_AVX2 static inline void prep(const uint8_t* b, Pre& p) { p.d = f16s(b); }
  TCPP_AVX2 static inline void decode(const uint8_t* b, const Pre& p, int, __m256 w[4]) { iq4_run(b + 2, p.d, w); }
};

struct IQ4_XS {
  static constexpr int kBlock = 256, kBytes = 136;
  struct Pre { float dl[8]; };
  TCPP_AVX2 static inline void prep(const uint8_t* b, Pre& p) {
    const float d = f16s(b);
    uint16_t sh;
    std::memcpy(&sh, b + 2, 2);
    for (int s = 0; s < 8; ++s) p.dl[s] = d * static_cast<float>((((b[4 + s / 2] >> (4 * (s % 2))) & 0xF) | (((sh >> (2 * s)) & 3) << 4)) - 32);
  }
  TCPP_AVX2 static inline void decode(const uint8_t* b, const Pre& p, int s, __m256 w[4]) { iq4_run(b + 8 + s * 16, p.dl[s], w); }
};

// Sub-block j's 6-bit (scale, min) of Q4_K / Q5_K.
inline void k_scale_min(const uint8_t* s, int j, int& sc, int& m) {
  if (j < 4) {
    sc = s[j] & 0x3F;
    m = s[j + 4] & 0x3F;
  } else {
    sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

// Q4_K / Q5_K: w = (d * sc) * q - (dmin * m) over 32-byte runs of 4- (and 5th-) bit codes.
template <bool kFive>
struct QK45 {
  static constexpr int kBlock = 256, kBytes = kFive ? 176 : 144;
  struct Pre { float dl[8], ml[8]; };
  TCPP_AVX2 static inline void prep(const uint8_t* b, Pre& p) {
    const float d = f16s(b), dmin = f16s(b + 2);
    for (int s = 0; s < 8; ++s) {
      int sc, mn;
      k_scale_min(b + 4, s, sc, mn);
      p.dl[s] = d * static_cast<float>(sc);
      p.ml[s] = dmin * static_cast<float>(mn);
    }
  }
  TCPP_AVX2 static inline void decode(const uint8_t* b, const Pre& p, int s, __m256 w[4]) {
    __m256i q = _mm256_and_si256(_mm256_srli_epi16(load32(b + (kFive ? 48 : 16) + (s / 2) * 32), 4 * (s % 2)), _mm256_set1_epi8(0x0F));
    if constexpr (kFive) {
      const __m256i h = _mm256_and_si256(_mm256_srli_epi16(load32(b + 16), s), _mm256_set1_epi8(1));
      q = _mm256_or_si256(q, _mm256_slli_epi16(h, 4));
    }
    __m256 f[4];
    quarters_ps(q, f);
    const __m256 vd = _mm256_set1_ps(p.dl[s]), vm = _mm256_set1_ps(p.ml[s]);
    for (int j = 0; j < 4; ++j) w[j] = _mm256_sub_ps(_mm256_mul_ps(vd, f[j]), vm);
  }
};

struct Q6_K {
  static constexpr int kBlock = 256, kBytes = 210;
  struct Pre { float dl[16]; };
  TCPP_AVX2 static inline void prep(const uint8_t* b, Pre& p) {
    const float d = f16s(b + 208);
    const auto* sc = reinterpret_cast<const int8_t*>(b + 192);
    for (int i = 0; i < 16; ++i) p.dl[i] = d * static_cast<float>(sc[i]);
  }
  TCPP_AVX2 static inline void decode(const uint8_t* b, const Pre& p, int s, __m256 w[4]) {
    const int h = s / 4, t = s % 4;
    const __m256i lo = _mm256_and_si256(_mm256_srli_epi16(load32(b + h * 64 + (t % 2) * 32), 4 * (t / 2)), _mm256_set1_epi8(0x0F));
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(load32(b + 128 + h * 32), 2 * t), _mm256_set1_epi8(3));
    const __m256i q = _mm256_sub_epi8(_mm256_or_si256(lo, _mm256_slli_epi16(hi, 4)), _mm256_set1_epi8(32));
    __m256 f[4];
    squarters_ps(q, f);
    const __m256 d0 = _mm256_set1_ps(p.dl[2 * s]), d1 = _mm256_set1_ps(p.dl[2 * s + 1]);
    w[0] = _mm256_mul_ps(d0, f[0]);
    w[1] = _mm256_mul_ps(d0, f[1]);
    w[2] = _mm256_mul_ps(d1, f[2]);
    w[3] = _mm256_mul_ps(d1, f[3]);
  }
};

struct Q2_K {
  static constexpr int kBlock = 256, kBytes = 84;
  struct Pre { float dl[16], ml[16]; };
  TCPP_AVX2 static inline void prep(const uint8_t* b, Pre& p) {
    const float d = f16s(b + 80), dmin = f16s(b + 82);
    for (int i = 0; i < 16; ++i) {
      p.dl[i] = d * static_cast<float>(b[i] & 0xF);
      p.ml[i] = dmin * static_cast<float>(b[i] >> 4);
    }
  }
  TCPP_AVX2 static inline void decode(const uint8_t* b, const Pre& p, int s, __m256 w[4]) {
    const __m256i q = _mm256_and_si256(_mm256_srli_epi16(load32(b + 16 + (s / 4) * 32), 2 * (s % 4)), _mm256_set1_epi8(3));
    __m256 f[4];
    quarters_ps(q, f);
    for (int half = 0; half < 2; ++half) {
      const __m256 dl = _mm256_set1_ps(p.dl[2 * s + half]), ml = _mm256_set1_ps(p.ml[2 * s + half]);
      w[2 * half] = _mm256_sub_ps(_mm256_mul_ps(dl, f[2 * half]), ml);
      w[2 * half + 1] = _mm256_sub_ps(_mm256_mul_ps(dl, f[2 * half + 1]), ml);
    }
  }
};

struct Q3_K {
  static constexpr int kBlock = 256, kBytes = 110;
  struct Pre { float dl[16]; };
  TCPP_AVX2 static inline void prep(const uint8_t* b, Pre& p) {
    const uint8_t* sc = b + 96;
    const float d = f16s(b + 108);
    for (int i = 0; i < 16; ++i) {
      const int lo = i < 8 ? sc[i] & 0xF : sc[i - 8] >> 4, hi = (sc[8 + i % 4] >> (2 * (i / 4))) & 3;
      p.dl[i] = d * static_cast<float>((lo | (hi << 4)) - 32);
    }
  }
  TCPP_AVX2 static inline void decode(const uint8_t* b, const Pre& p, int s, __m256 w[4]) {
    // value = (low 2 bits | hmask bit << 2) - 4
    const __m256i low2 = _mm256_and_si256(_mm256_srli_epi16(load32(b + 32 + (s / 4) * 32), 2 * (s % 4)), _mm256_set1_epi8(3));
    const __m256i hbit = _mm256_and_si256(_mm256_srli_epi16(load32(b), s), _mm256_set1_epi8(1));
    __m256 f[4];
    squarters_ps(_mm256_sub_epi8(_mm256_or_si256(low2, _mm256_slli_epi16(hbit, 2)), _mm256_set1_epi8(4)), f);
    const __m256 d0 = _mm256_set1_ps(p.dl[2 * s]), d1 = _mm256_set1_ps(p.dl[2 * s + 1]);
    w[0] = _mm256_mul_ps(d0, f[0]);
    w[1] = _mm256_mul_ps(d0, f[1]);
    w[2] = _mm256_mul_ps(d1, f[2]);
    w[3] = _mm256_mul_ps(d1, f[3]);
  }
};

TCPP_AVX2 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// R (1 or 2) rows of x (stride K) against one weight row of nb blocks. Four accumulators per row
// (one per 8-weight column of a sub-block) keep four FMA chains in flight; a row is summed by the
// same instruction sequence for either R, so its result does not depend on its neighbours.
template <class D, int R>
TCPP_AVX2 void dot_rows(const uint8_t* wrow, int64_t nb, const float* x, int64_t K, float* out) {
  __m256 acc[R][4];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < 4; ++j) acc[r][j] = _mm256_setzero_ps();
  for (int64_t bi = 0; bi < nb; ++bi) {
    const uint8_t* blk = wrow + bi * D::kBytes;
    // Hardware prefetchers stop at 4 KiB pages: fetch ahead explicitly, across rows too.
    for (int off = 0; off < D::kBytes; off += 64) _mm_prefetch(reinterpret_cast<const char*>(blk) + off + 2048, _MM_HINT_T0);
    typename D::Pre pre;
    D::prep(blk, pre);
    // Unrolled: the bit offsets of each sub-block become immediates.
#pragma GCC unroll 8
    for (int s = 0; s < D::kBlock / 32; ++s) {
      __m256 w[4];
      D::decode(blk, pre, s, w);
      const float* xs = x + bi * D::kBlock + s * 32;
      for (int r = 0; r < R; ++r)
        for (int j = 0; j < 4; ++j) acc[r][j] = _mm256_fmadd_ps(_mm256_loadu_ps(xs + r * K + 8 * j), w[j], acc[r][j]);
    }
  }
  for (int r = 0; r < R; ++r) out[r] = hsum(_mm256_add_ps(_mm256_add_ps(acc[r][0], acc[r][1]), _mm256_add_ps(acc[r][2], acc[r][3])));
}

// ---- Decode with the block scale factored out of the inner loop ----
// sum_i (d * q_i) * x_i == d * sum_i q_i * x_i up to fp32 rounding, so the integer codes (offsets
// such as q - 8 taken in the integer domain, exact) are widened to floats and dotted with x per
// scale group, and the group's dot is multiplied by its scale once. The "- dmin * m" of Q4_K
// is m-scaled by the sum of x over the sub-block, taken once per activation row (xsum) and shared
// by all N weight rows. Each format gives codes(): sub-block s (32 weights) as 4 float vectors,
// and scale(s, h): the scale of vectors 2h, 2h+1 (kSplit: the two halves have their own).
// 8 bytes at p zero-extended to 8 int lanes (vpmovzxbd straight from memory: one shuffle per 8
// weights, where extracting nibbles in byte lanes first costs more shuffles).
TCPP_AVX2 inline __m256i u8x8(const uint8_t* p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))); }
struct Q4_0F : Q4_0 {
  static constexpr bool kSplit = false, kMin = false;
  TCPP_AVX2 static inline void codes(const uint8_t* b, int, __m256 f[4]) {
    const __m256i a = u8x8(b + 2), c = u8x8(b + 10), m = _mm256_set1_epi32(0xF), k8 = _mm256_set1_epi32(8);
    f[0] = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_and_si256(a, m), k8));
    f[1] = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_and_si256(c, m), k8));
    f[2] = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(a, 4), k8));
    f[3] = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(c, 4), k8));
  }
  static inline float scale(const Pre& p, int, int) { return p.d; }
  static inline float minv(const Pre&, int) { return 0; }
};
struct Q8_0F : Q8_0 {
  static constexpr bool kSplit = false, kMin = false;
  TCPP_AVX2 static inline void codes(const uint8_t* b, int, __m256 f[4]) {
    for (int j = 0; j < 4; ++j) f[j] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + 2 + 8 * j))));
  }
  static inline float scale(const Pre& p, int, int) { return p.d; }
  static inline float minv(const Pre&, int) { return 0; }
};
struct Q4_KF : QK45<false> {
  static constexpr bool kSplit = false, kMin = true;
  TCPP_AVX2 static inline void codes(const uint8_t* b, int s, __m256 f[4]) {
    const uint8_t* run = b + 16 + (s / 2) * 32;
    for (int j = 0; j < 4; ++j) {
      const __m256i v = u8x8(run + 8 * j);
      f[j] = _mm256_cvtepi32_ps(s % 2 ? _mm256_srli_epi32(v, 4) : _mm256_and_si256(v, _mm256_set1_epi32(0xF)));
    }
  }
  static inline float scale(const Pre& p, int s, int) { return p.dl[s]; }
  static inline float minv(const Pre& p, int s) { return p.ml[s]; }
};
struct Q6_KF : Q6_K {
  static constexpr bool kSplit = true, kMin = false;
  TCPP_AVX2 static inline void codes(const uint8_t* b, int s, __m256 f[4]) {
    const int h = s / 4, t = s % 4;
    const __m256i lo = _mm256_and_si256(_mm256_srli_epi16(load32(b + h * 64 + (t % 2) * 32), 4 * (t / 2)), _mm256_set1_epi8(0x0F));
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(load32(b + 128 + h * 32), 2 * t), _mm256_set1_epi8(3));
    squarters_ps(_mm256_sub_epi8(_mm256_or_si256(lo, _mm256_slli_epi16(hi, 4)), _mm256_set1_epi8(32)), f);
  }
  static inline float scale(const Pre& p, int s, int h) { return p.dl[2 * s + h]; }
  static inline float minv(const Pre&, int) { return 0; }
};

// One sub-block (32 weights) of R rows; P picks which accumulator pair its products go to, so
// consecutive sub-blocks feed independent FMA chains.
template <class D, int R, int P>
TCPP_AVX2 __attribute__((always_inline)) inline void fsub(const uint8_t* blk, const typename D::Pre& pre, int s, const float* xs, int64_t K,
                                                          const float* xsum, __m256 (&acc)[R][4]) {
  __m256 f[4];
  D::codes(blk, s, f);
  for (int r = 0; r < R; ++r) {
    const float* xr = xs + r * K;
    __m256 g0 = _mm256_mul_ps(f[0], _mm256_loadu_ps(xr));
    __m256 g1 = _mm256_mul_ps(f[2], _mm256_loadu_ps(xr + 16));
    g0 = _mm256_fmadd_ps(f[1], _mm256_loadu_ps(xr + 8), g0);
    g1 = _mm256_fmadd_ps(f[3], _mm256_loadu_ps(xr + 24), g1);
    if constexpr (D::kSplit) {
      acc[r][2 * P] = _mm256_fmadd_ps(_mm256_set1_ps(D::scale(pre, s, 0)), g0, acc[r][2 * P]);
      acc[r][2 * P + 1] = _mm256_fmadd_ps(_mm256_set1_ps(D::scale(pre, s, 1)), g1, acc[r][2 * P + 1]);
    } else {
      acc[r][2 * P] = _mm256_fmadd_ps(_mm256_set1_ps(D::scale(pre, s, 0)), _mm256_add_ps(g0, g1), acc[r][2 * P]);
    }
    if constexpr (D::kMin) acc[r][2 * P + 1] = _mm256_fnmadd_ps(_mm256_set1_ps(D::minv(pre, s)), _mm256_loadu_ps(xsum + r * (K / 4)), acc[r][2 * P + 1]);
  }
}

// Block bi of a weight row; P as in fsub for one-sub-block formats.
template <class D, int R, int P>
TCPP_AVX2 __attribute__((always_inline)) inline void fblock(const uint8_t* wrow, int64_t bi, const float* x, int64_t K, const float* xsum,
                                                            __m256 (&acc)[R][4]) {
  const uint8_t* blk = wrow + bi * D::kBytes;
  // Hardware prefetchers stop at 4 KiB pages: fetch ahead explicitly, across rows too.
  for (int off = 0; off < D::kBytes; off += 64) _mm_prefetch(reinterpret_cast<const char*>(blk) + off + 2048, _MM_HINT_T0);
  typename D::Pre pre;
  D::prep(blk, pre);
  const float* xb = x + bi * D::kBlock;
  const float* sb = xsum ? xsum + bi * D::kBlock / 4 : nullptr;
  if constexpr (D::kBlock == 32) {
    fsub<D, R, P>(blk, pre, 0, xb, K, sb, acc);
  } else {
#pragma GCC unroll 8
    for (int s = 0; s < D::kBlock / 32; s += 2) {
      fsub<D, R, 0>(blk, pre, s, xb + s * 32, K, sb ? sb + s * 8 : nullptr, acc);
      fsub<D, R, 1>(blk, pre, s + 1, xb + (s + 1) * 32, K, sb ? sb + (s + 1) * 8 : nullptr, acc);
    }
  }
}

// R rows of x (stride K; xsum: their per-32 lane sums, stride K / 4) against one weight row. A
// row is summed by the same instructions for either R, so it does not depend on its neighbours.
template <class D, int R>
TCPP_AVX2 void fdot_rows(const uint8_t* wrow, int64_t nb, const float* x, int64_t K, const float* xsum, float* out) {
  __m256 acc[R][4];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < 4; ++j) acc[r][j] = _mm256_setzero_ps();
  int64_t bi = 0;
  if constexpr (D::kBlock == 32)
    for (; bi + 1 < nb; bi += 2) fblock<D, R, 0>(wrow, bi, x, K, xsum, acc), fblock<D, R, 1>(wrow, bi + 1, x, K, xsum, acc);
  for (; bi < nb; ++bi) fblock<D, R, 0>(wrow, bi, x, K, xsum, acc);
  for (int r = 0; r < R; ++r) out[r] = hsum(_mm256_add_ps(_mm256_add_ps(acc[r][0], acc[r][1]), _mm256_add_ps(acc[r][2], acc[r][3])));
}

template <class D>
void frows_avx2(const QuantLinearArgs& a, int64_t n, int64_t m0, int64_t rows, const float* xsum, float* acc) {
  const uint8_t* wr = a.w + n * a.row_bytes;
  const int64_t nb = a.K / D::kBlock;
  for (int64_t r0 = 0; r0 < rows; r0 += 2) {
    const float* x = a.x + (m0 + r0) * a.K;
    const float* xs = xsum ? xsum + (m0 + r0) * (a.K / 4) : nullptr;
    if (rows - r0 >= 2) fdot_rows<D, 2>(wr, nb, x, a.K, xs, acc + r0);
    else fdot_rows<D, 1>(wr, nb, x, a.K, xs, acc + r0);
  }
}

// Per row of x, the 8-lane sums of each 32-run (x[32c + l] + x[32c + 8 + l] + ...): K / 4 floats.
TCPP_AVX2 void x_run_sums(const float* x, int64_t M, int64_t K, float* out) {
  for (int64_t i = 0; i < M * K / 32; ++i) {
    const float* p = x + 32 * i;
    const __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)), _mm256_add_ps(_mm256_loadu_ps(p + 16), _mm256_loadu_ps(p + 24)));
    _mm256_storeu_ps(out + 8 * i, s);
  }
}

template <class D>
void rows_avx2(const QuantLinearArgs& a, int64_t n, int64_t m0, int64_t rows, const float*, float* acc) {
  const uint8_t* wr = a.w + n * a.row_bytes;
  const int64_t nb = a.K / D::kBlock;
  for (int64_t r0 = 0; r0 < rows; r0 += 2) {
    const float* x = a.x + (m0 + r0) * a.K;
    if (rows - r0 >= 2) dot_rows<D, 2>(wr, nb, x, a.K, acc + r0);
    else dot_rows<D, 1>(wr, nb, x, a.K, acc + r0);
  }
}

bool have_avx2() {
  static const bool ok = [] {
    // F16C predates AVX2 on every x86 line (clang 14 cannot name it in __builtin_cpu_supports).
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return ok;
}

std::atomic<bool> g_force_portable{false};

RowsFn pick_rows(QuantType t) {
  if (!have_avx2() || g_force_portable) return rows_portable;
  switch (t) {
    case QuantType::Q4_0: return frows_avx2<Q4_0F>;
    case QuantType::Q4_1: return rows_avx2<Q4_1>;
    case QuantType::Q5_0: return rows_avx2<Q5_0>;
    case QuantType::Q5_1: return rows_avx2<Q5_1>;
    case QuantType::Q8_0: return frows_avx2<Q8_0F>;
    case QuantType::Q2_K: return rows_avx2<Q2_K>;
    case QuantType::Q3_K: return rows_avx2<Q3_K>;
    case QuantType::Q4_K: return frows_avx2<Q4_KF>;
    case QuantType::Q5_K: return rows_avx2<QK45<true>>;
    case QuantType::Q6_K: return frows_avx2<Q6_KF>;
    case QuantType::IQ4_NL: return rows_avx2<IQ4_NL>;
    case QuantType::IQ4_XS: return rows_avx2<IQ4_XS>;
  }
  return rows_portable;
}

// Fused widen-and-dot, rows in tiles of kMaxRows; each weight row stays in cache across the tiles.
void linear_rows(const QuantLinearArgs& a) {
  const RowsFn rows_fn = pick_rows(a.type);
  std::unique_ptr<float[]> xsum;
  if (rows_fn == frows_avx2<Q4_KF>) {  // fully written before use
    xsum.reset(new float[static_cast<size_t>(a.M * a.K / 4)]);
    x_run_sums(a.x, a.M, a.K, xsum.get());
  }
#pragma omp parallel for schedule(static) if (a.N * a.K > 32768)
  for (int64_t n = 0; n < a.N; ++n) {
    const float bias = a.bias ? a.bias[n] : 0.0f;
    for (int64_t m0 = 0; m0 < a.M; m0 += kMaxRows) {
      const int64_t rows = std::min(kMaxRows, a.M - m0);
      float acc[kMaxRows];
      rows_fn(a, n, m0, rows, xsum.get(), acc);
      for (int64_t m = 0; m < rows; ++m) a.y[(m0 + m) * a.N + n] = acc[m] + bias;
    }
  }
}

// Panels of weight rows widened to fp32 (about 4 MiB each), each multiplied by all of x with the
// fp32 GEMM straight into its columns of y when there is one panel, else through a buffer.
void linear_panels(const QuantLinearArgs& a) {
  const int64_t P = std::min(a.N, std::max<int64_t>((int64_t{1} << 20) / a.K, 16));
  std::unique_ptr<float[]> panel(new float[static_cast<size_t>(P * a.K)]);  // fully written before use
  std::unique_ptr<float[]> out(P < a.N ? new float[static_cast<size_t>(a.M * P)] : nullptr);
  for (int64_t n0 = 0; n0 < a.N; n0 += P) {
    const int64_t p = std::min(P, a.N - n0);
    dequantize(a.w + n0 * a.row_bytes, a.type, p, a.K, panel.get());
    GemmArgs g;
    g.M = a.M;
    g.N = p;
    g.K = a.K;
    g.a = a.x;
    g.b = panel.get();
    g.trans_b = true;
    g.bias = a.bias ? a.bias + n0 : nullptr;
    g.c = out ? out.get() : a.y;
    gemm(g);
    if (out) {
#pragma omp parallel for schedule(static) if (a.M * p > 65536)
      for (int64_t m = 0; m < a.M; ++m) std::memcpy(a.y + m * a.N + n0, out.get() + m * p, static_cast<size_t>(p) * sizeof(float));
    }
  }
}

// Whole blocks widened by the AVX2 decoders and stored: the same floats as the reference decoders
// (Quant.DequantizeEqualsGgufPyBitForBit checks both), several times faster (prefill panels).
template <class D>
TCPP_AVX2 void dequantize_avx2(const uint8_t* blocks, int64_t nblocks, float* out) {
  for (int64_t i = 0; i < nblocks; ++i) {
    const uint8_t* blk = blocks + i * D::kBytes;
    typename D::Pre pre;
    D::prep(blk, pre);
#pragma GCC unroll 8
    for (int s = 0; s < D::kBlock / 32; ++s) {
      __m256 w[4];
      D::decode(blk, pre, s, w);
      for (int j = 0; j < 4; ++j) _mm256_storeu_ps(out + i * D::kBlock + s * 32 + 8 * j, w[j]);
    }
  }
}

using DequantizeBlocksFn = void (*)(const uint8_t* blocks, int64_t nblocks, float* out);
DequantizeBlocksFn pick_dequantize(QuantType t) {
  if (!have_avx2() || g_force_portable) return nullptr;
  switch (t) {
    case QuantType::Q4_0: return dequantize_avx2<Q4_0>;
    case QuantType::Q4_1: return dequantize_avx2<Q4_1>;
    case QuantType::Q5_0: return dequantize_avx2<Q5_0>;
    case QuantType::Q5_1: return dequantize_avx2<Q5_1>;
    case QuantType::Q8_0: return dequantize_avx2<Q8_0>;
    case QuantType::Q2_K: return dequantize_avx2<Q2_K>;
    case QuantType::Q3_K: return dequantize_avx2<Q3_K>;
    case QuantType::Q4_K: return dequantize_avx2<QK45<false>>;
    case QuantType::Q5_K: return dequantize_avx2<QK45<true>>;
    case QuantType::Q6_K: return dequantize_avx2<Q6_K>;
    case QuantType::IQ4_NL: return dequantize_avx2<IQ4_NL>;
    case QuantType::IQ4_XS: return dequantize_avx2<IQ4_XS>;
  }
  return nullptr;
}

}  // namespace

void dequantize(const uint8_t* blocks, QuantType t, int64_t rows, int64_t cols, float* out) {
  const QuantTraits& tr = quant_traits(t);
  const int64_t total = rows * (cols / tr.block_size);
  constexpr int64_t kChunk = 64;  // blocks per task
  const int64_t chunks = (total + kChunk - 1) / kChunk;
  const DequantizeBlocksFn fast = pick_dequantize(t);
  const BlockDecoder dec = block_decoder(t);
#pragma omp parallel for schedule(static) if (total * tr.block_size > 65536)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t b0 = c * kChunk, nb = std::min(kChunk, total - b0);
    if (fast) {
      fast(blocks + b0 * tr.type_size, nb, out + b0 * tr.block_size);
    } else {
      for (int64_t i = b0; i < b0 + nb; ++i) dec(blocks + i * tr.type_size, out + i * tr.block_size);
    }
  }
}

void force_portable_quant(bool on) { g_force_portable = on; }

void linear_quantized(const QuantLinearArgs& a) {
  // Batch-invariant: the panel GEMM's blocking (so a row's summation order) depends on M.
  if (a.M <= kMaxRows || batch_invariant()) return linear_rows(a);
  linear_panels(a);
}

}  // namespace transformers::ops::kernels::cpu
