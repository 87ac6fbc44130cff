// Sound files through libsndfile (WAV, FLAC, OGG/Vorbis, MP3), mono mixdown, soxr resampling.
#include <sndfile.h>
#include <soxr.h>

#include <memory>

#include "transformers/errors.hpp"
#include "transformers/feature_extraction.hpp"

namespace transformers {

std::vector<float> resample(const std::vector<float>& x, double from, double to) {
  if (!(from > 0) || !(to > 0)) throw ValueError("resample: sampling rates must be positive");
  if (from == to || x.empty()) return x;
  std::vector<float> out(static_cast<size_t>(static_cast<double>(x.size()) * to / from + 16));
  size_t done = 0;
  const soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
  const soxr_error_t err = soxr_oneshot(from, to, 1, x.data(), x.size(), nullptr, out.data(), out.size(), &done, nullptr, &q, nullptr);
  if (err) throw ValueError(std::string("resample: soxr failed: ") + err);
  out.resize(done);
  return out;
}

std::vector<float> load_audio(const std::string& path, int64_t sampling_rate) {
  SF_INFO info{};
  std::unique_ptr<SNDFILE, int (*)(SNDFILE*)> f(sf_open(path.c_str(), SFM_READ, &info), sf_close);
  if (!f) throw OSError("cannot read audio file " + path + ": " + sf_strerror(nullptr));
  if (info.channels <= 0 || info.samplerate <= 0) throw ValueError(path + ": invalid audio header");
  if (info.frames <= 0) throw ValueError(path + ": the audio file holds no samples");
  // Integer PCM is scaled to [-1, 1) as soundfile / ffmpeg do (int16 / 32768).
  std::vector<float> inter(static_cast<size_t>(info.frames) * static_cast<size_t>(info.channels));
  const sf_count_t got = sf_readf_float(f.get(), inter.data(), info.frames);
  if (got <= 0) throw OSError(path + ": no samples could be decoded");
  std::vector<float> mono(static_cast<size_t>(got));
  for (sf_count_t i = 0; i < got; ++i) {
    double s = 0;
    for (int c = 0; c < info.channels; ++c) s += inter[static_cast<size_t>(i * info.channels + c)];
    mono[static_cast<size_t>(i)] = static_cast<float>(s / info.channels);
  }
  return resample(mono, info.samplerate, static_cast<double>(sampling_rate));
}

}  // namespace transformers
