// Reference attention: one query row at a time, scores materialized, double accumulation.
#include <cmath>
#include <vector>

#include "ops/kernels.hpp"

namespace transformers::ops::kernels::reference {

void attention(const AttentionArgs& a) {
  std::vector<double> p(static_cast<size_t>(a.T));
  const int64_t group = a.H / a.Hkv;
  for (int64_t b = 0; b < a.B; ++b)
    for (int64_t h = 0; h < a.H; ++h)
      for (int64_t i = 0; i < a.Sq; ++i) {
        const float* q = a.q + b * a.q_sb + h * a.q_sh + i * a.q_ss;
        const int64_t kh = h / group;
        bool any = false;
        double mx = a.sinks ? a.sinks[h] : -INFINITY;
        for (int64_t j = 0; j < a.T; ++j) {
          if (!a.visible(b, i, j)) { p[j] = NAN; continue; }
          const float* k = a.k + b * a.k_sb + kh * a.k_sh + j * a.k_st;
          double s = 0;
          for (int64_t d = 0; d < a.D; ++d) s += static_cast<double>(q[d]) * k[d];
          s = static_cast<float>(s) * a.scaling;
          if (a.softcap > 0) s = std::tanh(s / a.softcap) * a.softcap;
          s += a.bias_at(b, h, i, j);
          p[j] = s;
          mx = std::max(mx, s);
          any = true;
        }
        double sum = a.sinks ? std::exp(a.sinks[h] - mx) : 0.0;
        for (int64_t j = 0; j < a.T; ++j) {
          // Hidden keys weigh nothing, unless no key is visible (and no sink): then HF's additive
          // minimum mask makes every score equal and the row averages all values.
          p[j] = std::isnan(p[j]) ? (any || a.sinks ? 0.0 : 1.0) : std::exp(p[j] - mx);
          sum += p[j];
        }
        float* o = a.out + ((b * a.Sq + i) * a.H + h) * a.Dv;
        for (int64_t d = 0; d < a.Dv; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < a.T; ++j)
            if (p[j] != 0.0) acc += p[j] * a.v[b * a.v_sb + kh * a.v_sh + j * a.v_st + d];
          o[d] = static_cast<float>(sum > 0 ? acc / sum : 0.0);
        }
        if (a.probs) {
          float* pr = a.probs + ((b * a.H + h) * a.Sq + i) * a.T;
          for (int64_t j = 0; j < a.T; ++j) pr[j] = static_cast<float>(sum > 0 ? p[j] / sum : 0.0);
        }
      }
}

}  // namespace transformers::ops::kernels::reference
