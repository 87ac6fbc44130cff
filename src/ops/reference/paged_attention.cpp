// Reference paged attention: the textbook softmax(q k^T) v per (token, head) row in double,
// keys looked up through the sequence's slot list. The oracle of the CPU kernel.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/kernels.hpp"

namespace transformers::ops::kernels::reference {

void paged_attention(const PagedAttentionArgs& a) {
  for (int64_t n = 0; n < a.N; ++n)
    for (int64_t h = 0; h < a.H; ++h) {
      const PagedSequence& sq = a.seqs[a.seq_of[n]];
      const int64_t qp = sq.past + (n - sq.offset), kh = h / (a.H / a.Hkv);
      std::vector<double> w;
      std::vector<int64_t> keys;
      for (int64_t j = 0; j <= qp; ++j) {
        if (a.window > 0 && qp - j >= a.window) continue;
        double dot = 0;
        for (int64_t d = 0; d < a.D; ++d) dot += double{a.q[(n * a.H + h) * a.D + d]} * a.k[(sq.slots[j] * a.Hkv + kh) * a.D + d];
        double v = dot * a.scaling;
        if (a.softcap > 0) v = std::tanh(v / a.softcap) * a.softcap;
        w.push_back(v);
        keys.push_back(sq.slots[j]);
      }
      double mx = a.sinks ? a.sinks[h] : -INFINITY;
      for (double v : w) mx = std::max(mx, v);
      double z = a.sinks ? std::exp(a.sinks[h] - mx) : 0.0;
      for (double& v : w) z += (v = std::exp(v - mx));
      for (int64_t d = 0; d < a.Dv; ++d) {
        double o = 0;
        for (size_t j = 0; j < w.size(); ++j) o += w[j] / z * a.v[(keys[j] * a.Hkv + kh) * a.Dv + d];
        a.out[(n * a.H + h) * a.Dv + d] = static_cast<float>(o);
      }
    }
}

}  // namespace transformers::ops::kernels::reference
