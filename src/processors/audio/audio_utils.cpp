#include "processors/audio/audio_utils.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>

#include "processors/audio/fft.hpp"
#include "transformers/errors.hpp"

namespace transformers::audio {

std::vector<double> hann_window(int64_t length, bool periodic) {
  std::vector<double> w(static_cast<size_t>(length));
  const double denom = static_cast<double>(periodic ? length : length - 1);
  for (int64_t i = 0; i < length; ++i) w[i] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / denom);
  return w;
}

namespace {
constexpr double kMinLogHertz = 1000.0, kMinLogMel = 15.0;
const double kLogStep = 27.0 / std::log(6.4);
}  // namespace

double hertz_to_mel(double f, const std::string& scale) {
  if (scale == "htk") return 2595.0 * std::log10(1.0 + f / 700.0);
  if (scale == "kaldi") return 1127.0 * std::log(1.0 + f / 700.0);
  if (scale != "slaney") throw ValueError("mel_scale should be one of \"htk\", \"slaney\" or \"kaldi\", got " + scale);
  return f >= kMinLogHertz ? kMinLogMel + std::log(f / kMinLogHertz) * kLogStep : 3.0 * f / 200.0;
}

double mel_to_hertz(double m, const std::string& scale) {
  if (scale == "htk") return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0);
  if (scale == "kaldi") return 700.0 * (std::exp(m / 1127.0) - 1.0);
  if (scale != "slaney") throw ValueError("mel_scale should be one of \"htk\", \"slaney\" or \"kaldi\", got " + scale);
  return m >= kMinLogMel ? kMinLogHertz * std::exp((m - kMinLogMel) / kLogStep) : 200.0 * m / 3.0;
}

std::vector<double> mel_filter_bank(int64_t bins, int64_t mels, double fmin, double fmax, double sr, const std::string& norm,
                                    const std::string& scale, bool in_mel) {
  if (bins < 2 || mels < 1) throw ValueError("mel_filter_bank: needs at least 2 frequency bins and 1 mel filter");
  if (!norm.empty() && norm != "slaney") throw ValueError("norm must be one of None or \"slaney\", got " + norm);
  const double lo = hertz_to_mel(fmin, scale), hi = hertz_to_mel(fmax, scale);
  std::vector<double> edges(static_cast<size_t>(mels + 2)), hz(edges.size());
  for (int64_t i = 0; i < mels + 2; ++i) {
    const double m = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(mels + 1);
    hz[i] = mel_to_hertz(m, scale);
    edges[i] = in_mel ? m : hz[i];
  }
  std::vector<double> out(static_cast<size_t>(bins * mels));
  const double nyquist = std::floor(sr / 2.0), bin_width = sr / (static_cast<double>(bins - 1) * 2.0);
  for (int64_t b = 0; b < bins; ++b) {
    const double f = in_mel ? hertz_to_mel(bin_width * static_cast<double>(b), scale) : nyquist * static_cast<double>(b) / static_cast<double>(bins - 1);
    for (int64_t m = 0; m < mels; ++m) {
      const double down = (f - edges[m]) / (edges[m + 1] - edges[m]);
      const double up = (edges[m + 2] - f) / (edges[m + 2] - edges[m + 1]);
      double v = std::max(0.0, std::min(down, up));
      if (norm == "slaney") v *= 2.0 / (hz[m + 2] - hz[m]);
      out[b * mels + m] = v;
    }
  }
  return out;
}

namespace {

// The frames audio_utils.spectrogram analyses, before the DFT: padded (reflect, when centered),
// DC offset removed, pre-emphasized and windowed, zero-padded to fft_length.
struct Framing {
  std::vector<double> padded;
  int64_t frames = 0, fft = 0;
};

Framing frame_signal(const float* x, int64_t n, const std::vector<double>& window, const StftOptions& o) {
  const int64_t len = o.frame_length;
  Framing fr;
  fr.fft = o.fft_length ? o.fft_length : o.frame_length;
  if (len <= 0 || o.hop_length <= 0 || fr.fft < len || static_cast<int64_t>(window.size()) != len)
    throw ValueError("spectrogram: needs 0 < frame_length <= fft_length, a positive hop and a window of frame_length taps");
  if (o.center) {
    // Reflect padding (the edge sample is not repeated).
    const int64_t half = len / 2;
    if (n <= half) throw ValueError("spectrogram: " + std::to_string(n) + " samples are too few to reflect-pad by " + std::to_string(half));
    fr.padded.resize(static_cast<size_t>(n + 2 * half));
    for (int64_t i = 0; i < n + 2 * half; ++i) {
      int64_t j = i - half;
      if (j < 0) j = -j;
      if (j >= n) j = 2 * (n - 1) - j;
      fr.padded[i] = x[j];
    }
  } else {
    fr.padded.assign(x, x + n);
  }
  const int64_t total = static_cast<int64_t>(fr.padded.size());
  if (total < len) throw ValueError("spectrogram: " + std::to_string(n) + " samples are fewer than one frame of " + std::to_string(len));
  fr.frames = 1 + (total - len) / o.hop_length;
  return fr;
}

// Frame f's frame_length analysed samples into seg.
void analysis_frame(const Framing& fr, const std::vector<double>& window, const StftOptions& o, int64_t f, double* seg) {
  const int64_t len = o.frame_length;
  std::copy(fr.padded.begin() + f * o.hop_length, fr.padded.begin() + f * o.hop_length + len, seg);
  if (o.remove_dc_offset) {
    double mean = 0;
    for (int64_t t = 0; t < len; ++t) mean += seg[t];
    mean /= static_cast<double>(len);
    for (int64_t t = 0; t < len; ++t) seg[t] -= mean;
  }
  if (o.preemphasis != 0.0) {
    for (int64_t t = len - 1; t > 0; --t) seg[t] -= o.preemphasis * seg[t - 1];
    seg[0] *= 1.0 - o.preemphasis;
  }
  for (int64_t t = 0; t < len; ++t) seg[t] *= window[t];
}

// Every frame: [frames][fft], zero beyond frame_length.
std::vector<double> analysis_frames(const float* x, int64_t n, const std::vector<double>& window, const StftOptions& o, int64_t& frames,
                                    int64_t& fft) {
  const Framing fr = frame_signal(x, n, window, o);
  frames = fr.frames, fft = fr.fft;
  std::vector<double> out(static_cast<size_t>(frames * fft), 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t f = 0; f < frames; ++f) analysis_frame(fr, window, o, f, &out[f * fft]);
  return out;
}

}  // namespace

std::vector<double> power_spectrogram(const float* x, int64_t n, const std::vector<double>& window, const StftOptions& o, int64_t& frames) {
  int64_t fft = 0;
  const std::vector<double> seg = analysis_frames(x, n, window, o, frames, fft);
  const int64_t len = o.frame_length, bins = fft / 2 + 1;
  // DFT through a twiddle table (taps past frame_length are zero): fft_length need not be a power
  // of two (Whisper's is 400). Double precision, as numpy's FFT.
  std::vector<double> c(static_cast<size_t>(bins * len)), s(c.size());
  for (int64_t k = 0; k < bins; ++k)
    for (int64_t t = 0; t < len; ++t) {
      const double a = 2.0 * std::numbers::pi * static_cast<double>((k * t) % fft) / static_cast<double>(fft);
      c[k * len + t] = std::cos(a), s[k * len + t] = std::sin(a);
    }
  std::vector<double> out(static_cast<size_t>(frames * bins));
#pragma omp parallel for schedule(static)
  for (int64_t f = 0; f < frames; ++f) {
    const double* sg = &seg[f * fft];
    for (int64_t k = 0; k < bins; ++k) {
      double re = 0, im = 0;
      const double *ck = &c[k * len], *sk = &s[k * len];
      for (int64_t t = 0; t < len; ++t) re += sg[t] * ck[t], im += sg[t] * sk[t];
      out[f * bins + k] = re * re + im * im;
    }
  }
  return out;
}

std::vector<double> kaldi_mel_filters(int64_t num_mel_bins, int64_t sr) {
  return mel_filter_bank(257, num_mel_bins, 20.0, static_cast<double>(sr / 2), static_cast<double>(sr), "", "kaldi", true);
}

namespace {

constexpr int64_t kLanes = RealFftPlan<float>::kLanes;

// kLanes frames side by side, [len][kLanes]: frame l starts hop samples after frame l - 1.
template <typename T>
inline __attribute__((always_inline)) void window_lanes_body(const double* src, int64_t hop, const double* window, int64_t len, T* out) {
  for (int64_t t = 0; t < len; ++t)
    for (int64_t l = 0; l < kLanes; ++l) out[t * kLanes + l] = static_cast<T>(src[l * hop + t] * window[t]);
}
__attribute__((target_clones("avx512f", "avx2", "default"))) void window_lanes(const double* src, int64_t hop, const double* window, int64_t len,
                                                                               float* out) {
  window_lanes_body(src, hop, window, len, out);
}
__attribute__((target_clones("avx512f", "avx2", "default"))) void window_lanes(const double* src, int64_t hop, const double* window, int64_t len,
                                                                               double* out) {
  window_lanes_body(src, hop, window, len, out);
}

// M filters over kLanes power spectra [bins][kLanes], each over its non-zero span only.
template <typename T>
inline __attribute__((always_inline)) void mel_lanes_body(const T* power, const T* taps, const int64_t* lo, const int64_t* hi, const int64_t* at,
                                                          int64_t M, T* out) {
  for (int64_t m = 0; m < M; ++m) {
    T acc[kLanes] = {};
    const T* w = taps + at[m] - lo[m];
    for (int64_t k = lo[m]; k < hi[m]; ++k)
      for (int64_t l = 0; l < kLanes; ++l) acc[l] += w[k] * power[k * kLanes + l];
    std::copy(acc, acc + kLanes, out + m * kLanes);
  }
}
__attribute__((target_clones("avx512f", "avx2", "default"))) void mel_lanes(const float* power, const float* taps, const int64_t* lo, const int64_t* hi,
                                                                            const int64_t* at, int64_t M, float* out) {
  mel_lanes_body(power, taps, lo, hi, at, M, out);
}
__attribute__((target_clones("avx512f", "avx2", "default"))) void mel_lanes(const double* power, const double* taps, const int64_t* lo,
                                                                            const int64_t* hi, const int64_t* at, int64_t M, double* out) {
  mel_lanes_body(power, taps, lo, hi, at, M, out);
}

// log10 of a positive normal float: exponent plus ln(1 + f) = 2 atanh(f / (2 + f)) as an odd series
// in s = f / (2 + f), |s| <= 0.172 once the mantissa is folded into [sqrt(1/2), sqrt(2)).
inline __attribute__((always_inline)) float log10_positive(float x) {
  const uint32_t b = std::bit_cast<uint32_t>(x);
  int32_t e = static_cast<int32_t>(b >> 23) - 127;
  float m = std::bit_cast<float>((b & 0x7fffffu) | 0x3f800000u);
  const bool big = m > 1.41421356f;
  m = big ? 0.5f * m : m;
  e += big ? 1 : 0;
  const float f = m - 1.0f, s = f / (2.0f + f), s2 = s * s;
  const float ln = 2.0f * s * (1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9)))));
  return (static_cast<float>(e) * 0.693147180559945f + ln) * 0.434294481903252f;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) float log10_clamped_span(float* x, int64_t n, float floor) {
  for (int64_t i = 0; i < n; ++i) x[i] = log10_positive(std::max(x[i], floor));
  float lanes[16];  // per-lane maxima, so the compiler need not reorder a floating-point reduction
  std::fill(lanes, lanes + 16, -INFINITY);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int64_t l = 0; l < 16; ++l) lanes[l] = std::max(lanes[l], x[i + l]);
  for (; i < n; ++i) lanes[0] = std::max(lanes[0], x[i]);
  return *std::max_element(lanes, lanes + 16);
}

}  // namespace

float log10_clamped(float* x, int64_t n, float floor) {
  if (!(floor >= std::numeric_limits<float>::min())) throw ValueError("log10_clamped: the floor must be a positive normal float");
  float mx = -INFINITY;
  constexpr int64_t kChunk = 16384;
#pragma omp parallel for reduction(max : mx) schedule(static)
  for (int64_t c = 0; c < (n + kChunk - 1) / kChunk; ++c) mx = std::max(mx, log10_clamped_span(x + c * kChunk, std::min(kChunk, n - c * kChunk), floor));
  return mx;
}

namespace {

// mel @ |STFT|^2 in T (float: torch's precision; double: numpy's): [M][min(frames, max_frames)].
template <typename T>
std::vector<T> mel_power_spectrogram(const float* x, int64_t n, const std::vector<double>& window, const StftOptions& o, const std::vector<double>& mel,
                                     int64_t M, int64_t max_frames, int64_t& frames) {
  const Framing fr = frame_signal(x, n, window, o);
  const int64_t len = o.frame_length, fft = fr.fft, bins = fft / 2 + 1, F = std::min(fr.frames, max_frames);
  frames = F;
  if (static_cast<int64_t>(mel.size()) != bins * M) throw ValueError("mel_power_spectrogram: the filters must be [fft_length / 2 + 1][M]");
  // Each filter's non-zero span (float32 taps as Python hands the filters to torch).
  std::vector<int64_t> lo(static_cast<size_t>(M), 0), hi(static_cast<size_t>(M), 0);
  std::vector<T> taps;
  std::vector<int64_t> at(static_cast<size_t>(M));
  for (int64_t m = 0; m < M; ++m) {
    int64_t a = 0, b = bins;
    while (a < bins && mel[a * M + m] == 0.0) ++a;
    while (b > a && mel[(b - 1) * M + m] == 0.0) --b;
    lo[m] = a, hi[m] = b, at[m] = static_cast<int64_t>(taps.size());
    for (int64_t k = a; k < b; ++k) taps.push_back(static_cast<T>(mel[k * M + m]));
  }
  static std::mutex mu;
  static std::map<int64_t, std::shared_ptr<const RealFftPlan<T>>> plans;
  std::shared_ptr<const RealFftPlan<T>> plan;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto& p = plans[fft];
    if (!p) p = std::make_shared<const RealFftPlan<T>>(fft);
    plan = p;
  }
  constexpr int64_t L = kLanes;
  std::vector<T> out(static_cast<size_t>(M * F));
  const int64_t groups = (F + L - 1) / L;
  const bool plain = !o.remove_dc_offset && o.preemphasis == 0.0;
#pragma omp parallel
  {
    std::vector<T> in(static_cast<size_t>(fft * L)), work(static_cast<size_t>(plan->work_size())), power(static_cast<size_t>(bins * L)),
        mels(static_cast<size_t>(M * L));
    std::vector<double> seg(static_cast<size_t>(len));
#pragma omp for schedule(static)
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t lanes = std::min(L, F - g * L);
      if (lanes < L) std::fill(in.begin(), in.begin() + len * L, T(0));
      std::fill(in.begin() + len * L, in.end(), T(0));
      if (plain && lanes == L) {
        window_lanes(fr.padded.data() + g * L * o.hop_length, o.hop_length, window.data(), len, in.data());
      } else {
        for (int64_t l = 0; l < lanes; ++l) {
          analysis_frame(fr, window, o, g * L + l, seg.data());
          for (int64_t t = 0; t < len; ++t) in[t * L + l] = static_cast<T>(seg[t]);
        }
      }
      plan->power(in.data(), power.data(), work.data());
      mel_lanes(power.data(), taps.data(), lo.data(), hi.data(), at.data(), M, mels.data());
      for (int64_t m = 0; m < M; ++m) std::copy(mels.begin() + m * L, mels.begin() + m * L + lanes, out.begin() + m * F + g * L);
    }
  }
  return out;
}

}  // namespace

Tensor mel_power_spectrogram_f32(const float* x, int64_t n, const std::vector<double>& window, const StftOptions& o,
                                 const std::vector<double>& mel, int64_t M, int64_t max_frames) {
  int64_t frames = 0;
  const std::vector<float> e = mel_power_spectrogram<float>(x, n, window, o, mel, M, max_frames, frames);
  Tensor out = Tensor::empty({M, frames});
  std::copy(e.begin(), e.end(), out.data<float>());
  return out;
}

std::vector<float> kaldi_log_mel(const float* x, int64_t n, const std::vector<double>& window, const std::vector<double>& mel, int64_t M,
                                 int64_t& frames) {
  constexpr int64_t bins = 257;
  if (static_cast<int64_t>(mel.size()) != bins * M) throw ValueError("kaldi_log_mel: the filters must be [257][num_mel_bins]");
  // In double, as numpy computes it: Kaldi's quiet bins would show float32's rounding.
  const StftOptions o{.frame_length = 400, .hop_length = 160, .fft_length = 512, .center = false, .remove_dc_offset = true, .preemphasis = 0.97};
  const std::vector<double> e = mel_power_spectrogram<double>(x, n, window, o, mel, M, std::numeric_limits<int64_t>::max(), frames);
  std::vector<float> out(static_cast<size_t>(frames * M));
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t m = 0; m < M; ++m) out[f * M + m] = static_cast<float>(std::log(std::max(1.192092955078125e-07, e[m * frames + f])));
  return out;
}

}  // namespace transformers::audio
