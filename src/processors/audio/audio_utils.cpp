#include "processors/audio/audio_utils.hpp"

#include <cmath>
#include <numbers>

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
                                    const std::string& scale) {
  if (bins < 2 || mels < 1) throw ValueError("mel_filter_bank: needs at least 2 frequency bins and 1 mel filter");
  if (!norm.empty() && norm != "slaney") throw ValueError("norm must be one of None or \"slaney\", got " + norm);
  const double lo = hertz_to_mel(fmin, scale), hi = hertz_to_mel(fmax, scale);
  std::vector<double> edges(static_cast<size_t>(mels + 2));
  for (int64_t i = 0; i < mels + 2; ++i) edges[i] = mel_to_hertz(lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(mels + 1), scale);
  std::vector<double> out(static_cast<size_t>(bins * mels));
  const double nyquist = std::floor(sr / 2.0);
  for (int64_t b = 0; b < bins; ++b) {
    const double f = nyquist * static_cast<double>(b) / static_cast<double>(bins - 1);
    for (int64_t m = 0; m < mels; ++m) {
      const double down = (f - edges[m]) / (edges[m + 1] - edges[m]);
      const double up = (edges[m + 2] - f) / (edges[m + 2] - edges[m + 1]);
      double v = std::max(0.0, std::min(down, up));
      if (norm == "slaney") v *= 2.0 / (edges[m + 2] - edges[m]);
      out[b * mels + m] = v;
    }
  }
  return out;
}

std::vector<double> power_spectrogram(const float* x, int64_t n, int64_t n_fft, int64_t hop, const std::vector<double>& window,
                                      int64_t& frames) {
  const int64_t half = n_fft / 2, bins = n_fft / 2 + 1;
  if (n <= half) throw ValueError("spectrogram: " + std::to_string(n) + " samples are too few to reflect-pad by " + std::to_string(half));
  // Reflect padding (the edge sample is not repeated).
  std::vector<double> padded(static_cast<size_t>(n + 2 * half));
  for (int64_t i = 0; i < n + 2 * half; ++i) {
    int64_t j = i - half;
    if (j < 0) j = -j;
    if (j >= n) j = 2 * (n - 1) - j;
    padded[i] = x[j];
  }
  frames = 1 + n / hop;
  // DFT through a twiddle table: n_fft need not be a power of two (Whisper's is 400).
  std::vector<double> c(static_cast<size_t>(bins * n_fft)), s(c.size());
  for (int64_t k = 0; k < bins; ++k)
    for (int64_t t = 0; t < n_fft; ++t) {
      const double a = 2.0 * std::numbers::pi * static_cast<double>((k * t) % n_fft) / static_cast<double>(n_fft);
      c[k * n_fft + t] = std::cos(a), s[k * n_fft + t] = std::sin(a);
    }
  std::vector<double> out(static_cast<size_t>(frames * bins));
#pragma omp parallel for schedule(static)
  for (int64_t f = 0; f < frames; ++f) {
    std::vector<double> seg(static_cast<size_t>(n_fft));
    for (int64_t t = 0; t < n_fft; ++t) seg[t] = padded[f * hop + t] * window[t];
    for (int64_t k = 0; k < bins; ++k) {
      double re = 0, im = 0;
      const double *ck = &c[k * n_fft], *sk = &s[k * n_fft];
      for (int64_t t = 0; t < n_fft; ++t) re += seg[t] * ck[t], im += seg[t] * sk[t];
      out[f * bins + k] = re * re + im * im;
    }
  }
  return out;
}

}  // namespace transformers::audio
