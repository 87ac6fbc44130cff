#include "processors/audio/audio_utils.hpp"

#include <cmath>
#include <map>
#include <mutex>
#include <numbers>

#include "ops/ops.hpp"
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
// DC offset removed, pre-emphasized and windowed, zero-padded to fft_length. [frames][fft].
std::vector<double> analysis_frames(const float* x, int64_t n, const std::vector<double>& window, const StftOptions& o, int64_t& frames,
                                    int64_t& fft) {
  const int64_t len = o.frame_length;
  fft = o.fft_length ? o.fft_length : o.frame_length;
  if (len <= 0 || o.hop_length <= 0 || fft < len || static_cast<int64_t>(window.size()) != len)
    throw ValueError("spectrogram: needs 0 < frame_length <= fft_length, a positive hop and a window of frame_length taps");
  std::vector<double> padded;
  if (o.center) {
    // Reflect padding (the edge sample is not repeated).
    const int64_t half = len / 2;
    if (n <= half) throw ValueError("spectrogram: " + std::to_string(n) + " samples are too few to reflect-pad by " + std::to_string(half));
    padded.resize(static_cast<size_t>(n + 2 * half));
    for (int64_t i = 0; i < n + 2 * half; ++i) {
      int64_t j = i - half;
      if (j < 0) j = -j;
      if (j >= n) j = 2 * (n - 1) - j;
      padded[i] = x[j];
    }
  } else {
    padded.assign(x, x + n);
  }
  const int64_t total = static_cast<int64_t>(padded.size());
  if (total < len) throw ValueError("spectrogram: " + std::to_string(n) + " samples are fewer than one frame of " + std::to_string(len));
  frames = 1 + (total - len) / o.hop_length;
  std::vector<double> out(static_cast<size_t>(frames * fft), 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t f = 0; f < frames; ++f) {
    double* seg = &out[f * fft];
    std::copy(padded.begin() + f * o.hop_length, padded.begin() + f * o.hop_length + len, seg);
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

std::vector<float> kaldi_log_mel(const float* x, int64_t n, const std::vector<double>& window, const std::vector<double>& mel, int64_t M,
                                 int64_t& frames) {
  constexpr int64_t bins = 257;
  if (static_cast<int64_t>(mel.size()) != bins * M) throw ValueError("kaldi_log_mel: the filters must be [257][num_mel_bins]");
  const auto power = power_spectrogram(
      x, n, window, StftOptions{.frame_length = 400, .hop_length = 160, .fft_length = 512, .center = false, .remove_dc_offset = true, .preemphasis = 0.97},
      frames);
  std::vector<float> out(static_cast<size_t>(frames * M));
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t m = 0; m < M; ++m) {
      double e = 0;
      for (int64_t k = 0; k < bins; ++k) e += mel[k * M + m] * power[f * bins + k];
      out[f * M + m] = static_cast<float>(std::log(std::max(1.192092955078125e-07, e)));
    }
  return out;
}

namespace {
// [2 * bins, len] rows cos(2 pi k t / fft), then sin; built once per size.
Tensor dft_basis(int64_t len, int64_t fft) {
  static std::mutex mu;
  static std::map<std::pair<int64_t, int64_t>, Tensor> cache;
  std::lock_guard<std::mutex> lock(mu);
  Tensor& basis = cache[{len, fft}];
  if (!basis.defined()) {
    const int64_t bins = fft / 2 + 1;
    basis = Tensor::empty({2 * bins, len});
    for (int64_t k = 0; k < bins; ++k)
      for (int64_t t = 0; t < len; ++t) {
        const double a = 2.0 * std::numbers::pi * static_cast<double>((k * t) % fft) / static_cast<double>(fft);
        basis.data<float>()[k * len + t] = static_cast<float>(std::cos(a));
        basis.data<float>()[(bins + k) * len + t] = static_cast<float>(std::sin(a));
      }
  }
  return basis;
}
}  // namespace

Tensor power_spectrogram_f32(const float* x, int64_t n, const std::vector<double>& window, const StftOptions& o) {
  int64_t frames = 0, fft = 0;
  const std::vector<double> seg = analysis_frames(x, n, window, o, frames, fft);
  const int64_t len = o.frame_length, bins = fft / 2 + 1;
  Tensor fr = Tensor::empty({frames, len});
  float* frp = fr.data<float>();  // pointers hoisted: data<T>() is an out-of-line call
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t t = 0; t < len; ++t) frp[f * len + t] = static_cast<float>(seg[f * fft + t]);
  const Tensor ri = ops::linear(fr, dft_basis(len, fft));  // [frames, 2 * bins]
  Tensor out = Tensor::empty({frames, bins});
  const float* rip = ri.data<float>();
  float* op = out.data<float>();
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t k = 0; k < bins; ++k) {
      const float re = rip[f * 2 * bins + k], im = rip[f * 2 * bins + bins + k];
      op[f * bins + k] = re * re + im * im;
    }
  return out;
}

}  // namespace transformers::audio
