#pragma once
// The signal processing of transformers/audio_utils.py: windows, mel filter banks, power spectrograms.
#include <cstdint>
#include <string>
#include <vector>

#include "transformers/tensor.hpp"

namespace transformers::audio {

// Hann window of `length`, periodic (torch.hann_window / window_function default) or symmetric.
std::vector<double> hann_window(int64_t length, bool periodic = true);

double hertz_to_mel(double freq, const std::string& mel_scale);  // "htk" | "slaney" | "kaldi"
double mel_to_hertz(double mel, const std::string& mel_scale);

// mel_filter_bank: [num_frequency_bins][num_mel_filters], triangles in Hz over mel-spaced edges
// (or, triangularize_in_mel_space, in mel over the bins' mel positions as torchaudio / Kaldi do),
// norm "slaney" (area normalization) or "".
std::vector<double> mel_filter_bank(int64_t num_frequency_bins, int64_t num_mel_filters, double min_frequency, double max_frequency,
                                    double sampling_rate, const std::string& norm, const std::string& mel_scale,
                                    bool triangularize_in_mel_space = false);

struct StftOptions {
  int64_t frame_length = 400, hop_length = 160;
  int64_t fft_length = 0;          // 0: frame_length; larger: the frame is zero-padded
  bool center = true;              // reflect-pad frame_length / 2 on both sides (torch.stft(center=True))
  bool remove_dc_offset = false;   // subtract each frame's mean (Kaldi)
  double preemphasis = 0.0;        // x[t] -= k * x[t - 1] within the frame, x[0] *= 1 - k (Kaldi)
};
// |STFT|^2 of x as audio_utils.spectrogram(power=2) computes it, in double through a plain DFT
// (the reference the FFT below is tested against): [frames][fft_length / 2 + 1],
// frames = 1 + (padded length - frame_length) / hop_length. `window` has frame_length taps.
std::vector<double> power_spectrogram(const float* x, int64_t n, const std::vector<double>& window, const StftOptions& o, int64_t& frames);
// Kaldi-compatible log mel filter banks as audio_utils.spectrogram computes them for the AST and
// SeamlessM4T extractors: 25 ms frames every 10 ms, uncentered, DC offset removed, pre-emphasis
// 0.97, a 512-point FFT (float32), `mel` [257][M] filters, log with Kaldi's floor. [frames][M] float32.
// Their filters: num_mel_bins triangles in Kaldi's mel space over 257 bins, 20 Hz to Nyquist.
std::vector<double> kaldi_mel_filters(int64_t num_mel_bins, int64_t sampling_rate);
std::vector<float> kaldi_log_mel(const float* x, int64_t n, const std::vector<double>& window, const std::vector<double>& mel, int64_t M,
                                 int64_t& frames);
// mel @ |STFT|^2 in float32 as torch.stft + a matmul compute it, through an FFT (fft.hpp):
// [M, min(frames, max_frames)]; `mel` is [fft_length / 2 + 1][M].
Tensor mel_power_spectrogram_f32(const float* x, int64_t n, const std::vector<double>& window, const StftOptions& o,
                                 const std::vector<double>& mel, int64_t M, int64_t max_frames);

// log10(max(x, floor)) in place, vectorized (within a few ulp of libm's); returns the largest.
float log10_clamped(float* x, int64_t n, float floor);

}  // namespace transformers::audio
