#pragma once
// The signal processing of transformers/audio_utils.py: windows, mel filter banks, power spectrograms.
#include <cstdint>
#include <string>
#include <vector>

namespace transformers::audio {

// Hann window of `length`, periodic (torch.hann_window / window_function default) or symmetric.
std::vector<double> hann_window(int64_t length, bool periodic = true);

double hertz_to_mel(double freq, const std::string& mel_scale);  // "htk" | "slaney" | "kaldi"
double mel_to_hertz(double mel, const std::string& mel_scale);

// mel_filter_bank: [num_frequency_bins][num_mel_filters], triangles in Hz over mel-spaced edges,
// norm "slaney" (area normalization) or "".
std::vector<double> mel_filter_bank(int64_t num_frequency_bins, int64_t num_mel_filters, double min_frequency, double max_frequency,
                                    double sampling_rate, const std::string& norm, const std::string& mel_scale);

// |STFT|^2 of x, frames centered (reflect padding of n_fft / 2, as torch.stft(center=True)):
// [frames][n_fft / 2 + 1] with frames = 1 + n / hop.
std::vector<double> power_spectrogram(const float* x, int64_t n, int64_t n_fft, int64_t hop, const std::vector<double>& window,
                                      int64_t& frames);

}  // namespace transformers::audio
