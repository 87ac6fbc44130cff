// Reference kernels of the block-quantized ops: one scalar decoder per ggml block format, written
// from gguf-py's dequantize_blocks (gguf/quants.py) term by term. Each product and sum is its own
// statement so no compiler contracts them into an FMA: the floats equal gguf-py's bit for bit.
#include <cstring>
#include <vector>

#include "ops/kernels.hpp"
#include "ops/quant_kernels.hpp"
#include "transformers/errors.hpp"

namespace transformers::ops::kernels {

namespace {

float f16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);  // little-endian, possibly unaligned
  return f16_to_f32(h);
}

// The 4-bit code j of a 32-weight run packed low nibbles first: bytes q[0..15] hold weights
// 0..15 in their low nibbles and 16..31 in their high nibbles.
inline int nibble32(const uint8_t* q, int j) { return j < 16 ? q[j] & 0xF : q[j - 16] >> 4; }

// IQ4_NL's non-linear 4-bit code book (shared by IQ4_XS).
constexpr int8_t kIq4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// Q4_0: d f16 | 16 B codes. w = d * (q - 8)
void q4_0(const uint8_t* b, float* y) {
  const float d = f16_at(b);
  for (int j = 0; j < 32; ++j) y[j] = d * static_cast<float>(nibble32(b + 2, j) - 8);
}

// Q4_1: d f16 | m f16 | 16 B codes. w = d * q + m
void q4_1(const uint8_t* b, float* y) {
  const float d = f16_at(b), m = f16_at(b + 2);
  for (int j = 0; j < 32; ++j) {
    const float p = d * static_cast<float>(nibble32(b + 4, j));
    y[j] = p + m;
  }
}

// The 5th bits of Q5_0 / Q5_1: a little-endian u32, bit j for weight j.
inline int q5_code(const uint8_t* qh, const uint8_t* qs, int j) {
  uint32_t h;
  std::memcpy(&h, qh, 4);
  return nibble32(qs, j) | static_cast<int>(((h >> j) & 1u) << 4);
}

// Q5_0: d f16 | qh 4 B | 16 B codes. w = d * (q - 16)
void q5_0(const uint8_t* b, float* y) {
  const float d = f16_at(b);
  for (int j = 0; j < 32; ++j) y[j] = d * static_cast<float>(q5_code(b + 2, b + 6, j) - 16);
}

// Q5_1: d f16 | m f16 | qh 4 B | 16 B codes. w = d * q + m
void q5_1(const uint8_t* b, float* y) {
  const float d = f16_at(b), m = f16_at(b + 2);
  for (int j = 0; j < 32; ++j) {
    const float p = d * static_cast<float>(q5_code(b + 4, b + 8, j));
    y[j] = p + m;
  }
}

// Q8_0: d f16 | 32 int8. w = q * d
void q8_0(const uint8_t* b, float* y) {
  const float d = f16_at(b);
  for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(static_cast<int8_t>(b[2 + j])) * d;
}

// Q2_K (256 weights): scales 16 B (low nibble: scale, high: min, one per 16 weights) | qs 64 B
// (2-bit codes: byte l of half h holds weights h*128 + s*32 + l at bits 2s) | d f16 | dmin f16.
// w = (d * sc) * q - (dmin * m)
void q2_k(const uint8_t* b, float* y) {
  const uint8_t* sc = b;
  const uint8_t* qs = b + 16;
  const float d = f16_at(b + 80), dmin = f16_at(b + 82);
  for (int e = 0; e < 256; ++e) {
    const int h = e / 128, s = (e % 128) / 32, l = e % 32;
    const int q = (qs[h * 32 + l] >> (2 * s)) & 3;
    const float dl = d * static_cast<float>(sc[e / 16] & 0xF);
    const float ml = dmin * static_cast<float>(sc[e / 16] >> 4);
    const float p = dl * static_cast<float>(q);
    y[e] = p - ml;
  }
}

// Q3_K: hmask 32 B (bit s of byte l: weight s*32 + l) | qs 64 B (2-bit codes as Q2_K) | 12 B of
// 16 six-bit scales | d f16. q = low2 - 4 * !hbit, scale = 6 bits - 32; w = (d * scale) * q
void q3_k(const uint8_t* b, float* y) {
  const uint8_t* hm = b;
  const uint8_t* qs = b + 32;
  const uint8_t* sc = b + 96;
  const float d = f16_at(b + 108);
  for (int e = 0; e < 256; ++e) {
    const int i = e / 16;
    const int lo = i < 8 ? sc[i] & 0xF : sc[i - 8] >> 4;
    const int hi = (sc[8 + i % 4] >> (2 * (i / 4))) & 3;
    const float dl = d * static_cast<float>((lo | (hi << 4)) - 32);
    const int h = e / 128, s = (e % 128) / 32, l = e % 32;
    const int low2 = (qs[h * 32 + l] >> (2 * s)) & 3;
    const int hbit = (hm[l] >> (e / 32)) & 1;
    y[e] = dl * static_cast<float>(low2 - (hbit ? 0 : 4));
  }
}

// The eight 6-bit (scale, min) pairs of Q4_K / Q5_K packed in 12 bytes.
inline void k_scale_min(const uint8_t* s, int j, int& sc, int& m) {
  if (j < 4) {
    sc = s[j] & 0x3F;
    m = s[j + 4] & 0x3F;
  } else {
    sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

// Q4_K: d f16 | dmin f16 | 12 B scales/mins | qs 128 B (sub-block j of 32: bytes (j/2)*32.. ,
// low nibbles for even j, high for odd). w = (d * sc) * q - (dmin * m)
void q4_k(const uint8_t* b, float* y) {
  const float d = f16_at(b), dmin = f16_at(b + 2);
  const uint8_t* qs = b + 16;
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    k_scale_min(b + 4, j, sc, m);
    const float dl = d * static_cast<float>(sc), ml = dmin * static_cast<float>(m);
    for (int l = 0; l < 32; ++l) {
      const int q = (qs[(j / 2) * 32 + l] >> (4 * (j % 2))) & 0xF;
      const float p = dl * static_cast<float>(q);
      y[j * 32 + l] = p - ml;
    }
  }
}

// Q5_K: Q4_K's fields plus qh 32 B before the codes (bit j of byte l: 5th bit of weight j*32 + l).
void q5_k(const uint8_t* b, float* y) {
  const float d = f16_at(b), dmin = f16_at(b + 2);
  const uint8_t* qh = b + 16;
  const uint8_t* qs = b + 48;
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    k_scale_min(b + 4, j, sc, m);
    const float dl = d * static_cast<float>(sc), ml = dmin * static_cast<float>(m);
    for (int l = 0; l < 32; ++l) {
      const int q = ((qs[(j / 2) * 32 + l] >> (4 * (j % 2))) & 0xF) | (((qh[l] >> j) & 1) << 4);
      const float p = dl * static_cast<float>(q);
      y[j * 32 + l] = p - ml;
    }
  }
}

// Q6_K: ql 128 B (weight h*128 + n*64 + c: nibble n of byte h*64 + c) | qh 64 B (weight
// h*128 + s*32 + l: bits 2s of byte h*32 + l) | 16 int8 scales | d f16. w = (d * scale) * (q - 32)
void q6_k(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const auto* sc = reinterpret_cast<const int8_t*>(b + 192);
  const float d = f16_at(b + 208);
  for (int e = 0; e < 256; ++e) {
    const int h = e / 128, r = e % 128;
    const int lo = (ql[h * 64 + r % 64] >> (4 * (r / 64))) & 0xF;
    const int hi = (qh[h * 32 + r % 32] >> (2 * (r / 32))) & 3;
    const float dl = d * static_cast<float>(sc[e / 16]);
    y[e] = dl * static_cast<float>((lo | (hi << 4)) - 32);
  }
}

// IQ4_NL: d f16 | 16 B codes into kIq4Values. w = d * value
void iq4_nl(const uint8_t* b, float* y) {
  const float d = f16_at(b);
  for (int j = 0; j < 32; ++j) y[j] = d * static_cast<float>(kIq4Values[nibble32(b + 2, j)]);
}

// IQ4_XS: d f16 | scales_h u16 (2 bits per sub-block) | scales_l 4 B (nibbles) | qs 128 B
// (16 B per 32-weight sub-block, packed as IQ4_NL). w = (d * (scale - 32)) * value
void iq4_xs(const uint8_t* b, float* y) {
  const float d = f16_at(b);
  uint16_t sh;
  std::memcpy(&sh, b + 2, 2);
  const uint8_t* sl = b + 4;
  const uint8_t* qs = b + 8;
  for (int j = 0; j < 8; ++j) {
    const int lo = (sl[j / 2] >> (4 * (j % 2))) & 0xF;
    const int hi = (sh >> (2 * j)) & 3;
    const float dl = d * static_cast<float>((lo | (hi << 4)) - 32);
    for (int l = 0; l < 32; ++l) y[j * 32 + l] = dl * static_cast<float>(kIq4Values[nibble32(qs + j * 16, l)]);
  }
}

}  // namespace

BlockDecoder block_decoder(QuantType t) {
  switch (t) {
    case QuantType::Q4_0: return q4_0;
    case QuantType::Q4_1: return q4_1;
    case QuantType::Q5_0: return q5_0;
    case QuantType::Q5_1: return q5_1;
    case QuantType::Q8_0: return q8_0;
    case QuantType::Q2_K: return q2_k;
    case QuantType::Q3_K: return q3_k;
    case QuantType::Q4_K: return q4_k;
    case QuantType::Q5_K: return q5_k;
    case QuantType::Q6_K: return q6_k;
    case QuantType::IQ4_NL: return iq4_nl;
    case QuantType::IQ4_XS: return iq4_xs;
  }
  throw UnsupportedDType("no block decoder for ggml type " + std::to_string(static_cast<uint32_t>(t)));
}

namespace reference {

void dequantize(const uint8_t* blocks, QuantType t, int64_t rows, int64_t cols, float* out) {
  const QuantTraits& tr = quant_traits(t);
  const BlockDecoder dec = block_decoder(t);
  const int64_t nb = cols / tr.block_size;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < nb; ++i) dec(blocks + (r * nb + i) * tr.type_size, out + r * cols + i * tr.block_size);
}

// linear(x, dequantize(W)): the whole weight widened, then the reference GEMM (double sums).
void linear_quantized(const QuantLinearArgs& a) {
  std::vector<float> w(static_cast<size_t>(a.N * a.K));
  dequantize(a.w, a.type, a.N, a.K, w.data());
  GemmArgs g;
  g.M = a.M;
  g.N = a.N;
  g.K = a.K;
  g.a = a.x;
  g.b = w.data();
  g.trans_b = true;
  g.bias = a.bias;
  g.c = a.y;
  kernels::reference::gemm(g);
}

}  // namespace reference
}  // namespace transformers::ops::kernels
