#pragma once
// Power spectra of real frames by a mixed-radix Stockham FFT (radices 4, 2, 5, then any prime),
// kLanes frames at once, one per SIMD lane, so every butterfly is a vector operation. In float32
// as torch.stft computes Whisper's features, or in double as numpy computes the Kaldi fbanks;
// lengths need not be powers of two (400).
#include <cstdint>
#include <vector>

namespace transformers::audio {

template <typename T>
class RealFftPlan {
 public:
  static constexpr int64_t kLanes = 16;
  explicit RealFftPlan(int64_t n);
  int64_t size() const { return n_; }
  int64_t bins() const { return n_ / 2 + 1; }
  // Values of scratch that power() needs besides its input.
  int64_t work_size() const;
  // in: [n][kLanes] real samples, overwritten; out: [bins][kLanes] |X_k|^2.
  void power(T* in, T* out, T* work) const;

  struct Stage {
    int64_t radix, span;  // span: the length of the sub-transforms this stage combines into radix * span
    std::vector<T> tw;    // per k < span, the twiddles w^(r k), r = 1..radix-1, (re, im)
    std::vector<T> rot;   // the radix's roots e^(-2 pi i m / radix), (re, im)
  };

 private:
  int64_t n_, h_;  // h_: the complex length (n / 2 for even n, whose samples pair up; else n)
  std::vector<Stage> stages_;
  std::vector<T> post_;  // even n: e^(-2 pi i k / n), k <= h, to split the packed transform
};

extern template class RealFftPlan<float>;
extern template class RealFftPlan<double>;

}  // namespace transformers::audio
