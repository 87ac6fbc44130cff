// Rotary embeddings as transformers/modeling_rope_utils.py computes them: inv_freq in float32 from
// int64 exponents, freqs = position * inv_freq in float32, cos/sin scaled by attention_scaling.
#include "nn/rope.hpp"

#include <cmath>

#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::nn {

namespace {
std::vector<float> base_inv_freq(double theta, int64_t dim) {
  std::vector<float> f(static_cast<size_t>(dim / 2));
  for (int64_t i = 0; i < dim / 2; ++i)
    f[i] = 1.0f / std::pow(static_cast<float>(theta), static_cast<float>(2 * i) / static_cast<float>(dim));
  return f;
}
}  // namespace

RotaryEmbedding RotaryEmbedding::with_theta(double theta, int64_t head_dim) {
  RotaryEmbedding r;
  r.head_dim_ = r.dim_ = head_dim;
  r.theta_ = theta;
  r.inv_freq_ = base_inv_freq(theta, head_dim);
  return r;
}

RotaryEmbedding RotaryEmbedding::from_config(const PretrainedConfig& c, int64_t head_dim, const std::string& layer_type,
                                             double default_theta) {
  std::optional<PretrainedConfig> rp;
  if (auto p = c.sub_config("rope_parameters")) {
    rp = p;
    if (!layer_type.empty())
      if (auto per = p->sub_config(layer_type)) rp = per;
  } else if (auto legacy = c.sub_config("rope_scaling")) {
    rp = legacy;
  }
  RotaryEmbedding r;
  r.head_dim_ = head_dim;
  // (rotary_emb_base / rotary_pct: GPT-NeoX configs before v5)
  r.theta_ = rp && rp->has("rope_theta") ? rp->get_float("rope_theta") : c.get_float("rope_theta", c.get_float("rotary_emb_base", default_theta));
  r.type_ = rp ? rp->get_string("rope_type", rp->get_string("type", "default")) : "default";
  double partial = c.get_float("partial_rotary_factor", c.get_float("rotary_pct", 1.0));
  if (rp && rp->has("partial_rotary_factor")) partial = rp->get_float("partial_rotary_factor");
  r.dim_ = static_cast<int64_t>(static_cast<double>(head_dim) * partial);
  if (r.dim_ <= 0 || r.dim_ % 2 || r.dim_ > head_dim) throw ConfigError("rope: rotary dimension " + std::to_string(r.dim_) + " is invalid");
  r.max_pos_ = c.get_int("max_position_embeddings", 2048);
  auto need = [&](const char* key) {
    if (!rp || !rp->has(key)) throw ConfigError(std::string("rope type '") + r.type_ + "' needs rope_parameters." + key);
    return rp->get_float(key);
  };
  r.original_max_pos_ = rp && rp->has("original_max_position_embeddings") ? rp->get_int("original_max_position_embeddings")
                                                                           : c.get_int("original_max_position_embeddings", r.max_pos_);
  const int64_t dim = r.dim_;
  r.inv_freq_ = base_inv_freq(r.theta_, dim);
  if (r.type_ == "default") {
  } else if (r.type_ == "linear") {
    r.factor_ = need("factor");
    for (float& f : r.inv_freq_) f = static_cast<float>(f / r.factor_);
  } else if (r.type_ == "dynamic") {
    r.factor_ = need("factor");
  } else if (r.type_ == "llama3") {
    const double factor = need("factor"), lo = need("low_freq_factor"), hi = need("high_freq_factor");
    const double old_ctx = static_cast<double>(r.original_max_pos_);
    const double lo_wave = old_ctx / lo, hi_wave = old_ctx / hi;
    for (float& f : r.inv_freq_) {
      const float wave = static_cast<float>(2 * M_PI) / f;
      const float scaled = wave > lo_wave ? static_cast<float>(f / factor) : f;
      const float smooth = static_cast<float>((old_ctx / wave - lo) / (hi - lo));
      const float smoothed = (1 - smooth) * scaled / static_cast<float>(factor) + smooth * scaled;
      f = (!(wave < hi_wave) && !(wave > lo_wave)) ? smoothed : scaled;
    }
  } else if (r.type_ == "yarn") {
    double factor = rp->has("factor") ? rp->get_float("factor") : static_cast<double>(r.max_pos_) / static_cast<double>(r.original_max_pos_);
    auto mscale = [](double scale, double m) { return scale <= 1 ? 1.0 : 0.1 * m * std::log(scale) + 1.0; };
    if (rp->has("attention_factor")) {
      r.attention_scaling_ = static_cast<float>(rp->get_float("attention_factor"));
    } else if (rp->has("mscale") && rp->has("mscale_all_dim") && rp->get_float("mscale") != 0 && rp->get_float("mscale_all_dim") != 0) {
      r.attention_scaling_ = static_cast<float>(mscale(factor, rp->get_float("mscale")) / mscale(factor, rp->get_float("mscale_all_dim")));
    } else {
      r.attention_scaling_ = static_cast<float>(mscale(factor, 1.0));
    }
    const double beta_fast = rp->get_float("beta_fast", 32.0) ? rp->get_float("beta_fast", 32.0) : 32.0;
    const double beta_slow = rp->get_float("beta_slow", 1.0) ? rp->get_float("beta_slow", 1.0) : 1.0;
    auto corr = [&](double rot) {
      return static_cast<double>(dim) * std::log(static_cast<double>(r.original_max_pos_) / (rot * 2 * M_PI)) / (2 * std::log(r.theta_));
    };
    double low = corr(beta_fast), high = corr(beta_slow);
    if (rp->get_bool("truncate", true)) low = std::floor(low), high = std::ceil(high);
    low = std::max(low, 0.0), high = std::min(high, static_cast<double>(dim - 1));
    if (low == high) high += 0.001;
    for (int64_t i = 0; i < dim / 2; ++i) {
      const float pos = std::pow(static_cast<float>(r.theta_), static_cast<float>(2 * i) / static_cast<float>(dim));
      const float extra = 1.0f / pos, inter = 1.0f / (static_cast<float>(factor) * pos);
      const float ramp = std::clamp((static_cast<float>(i) - static_cast<float>(low)) / static_cast<float>(high - low), 0.0f, 1.0f);
      const float ef = 1.0f - ramp;
      r.inv_freq_[i] = inter * (1 - ef) + extra * ef;
    }
  } else if (r.type_ == "longrope") {
    const auto shortf = rp->get_float_list("short_factor"), longf = rp->get_float_list("long_factor");
    if (static_cast<int64_t>(shortf.size()) != dim / 2 || static_cast<int64_t>(longf.size()) != dim / 2)
      throw ConfigError("rope: longrope short_factor / long_factor must have rotary_dim / 2 entries");
    double factor = rp->has("factor") ? rp->get_float("factor") : static_cast<double>(r.max_pos_) / static_cast<double>(r.original_max_pos_);
    if (rp->has("attention_factor")) r.attention_scaling_ = static_cast<float>(rp->get_float("attention_factor"));
    else r.attention_scaling_ = factor <= 1.0 ? 1.0f : static_cast<float>(std::sqrt(1 + std::log(factor) / std::log(static_cast<double>(r.original_max_pos_))));
    r.long_inv_freq_ = r.inv_freq_;
    for (int64_t i = 0; i < dim / 2; ++i) {
      const float base = std::pow(static_cast<float>(r.theta_), static_cast<float>(2 * i) / static_cast<float>(dim));
      r.inv_freq_[i] = 1.0f / (static_cast<float>(shortf[i]) * base);
      r.long_inv_freq_[i] = 1.0f / (static_cast<float>(longf[i]) * base);
    }
  } else {
    throw ConfigError("rope: unsupported rope_type '" + r.type_ + "'");
  }
  return r;
}

std::vector<float> RotaryEmbedding::inv_freq_for(int64_t seq_len) const {
  if (type_ == "longrope") return seq_len > original_max_pos_ ? long_inv_freq_ : inv_freq_;
  if (type_ == "dynamic" && seq_len > max_pos_) {
    const double d = static_cast<double>(dim_);
    const double base = theta_ * std::pow(factor_ * static_cast<double>(seq_len) / static_cast<double>(max_pos_) - (factor_ - 1), d / (d - 2));
    return base_inv_freq(base, dim_);
  }
  return inv_freq_;
}

void RotaryEmbedding::apply(Tensor& x, const Tensor& position_ids) const {
  if (x.dim() != 4 || !x.is_contiguous() || x.dtype() != DType::F32)
    throw ShapeMismatch("rope: expected contiguous fp32 [batch, seq, heads, head_dim], got " + shape_str(x.shape()));
  const int64_t B = x.size(0), S = x.size(1), D = x.size(3);
  if (D != head_dim_) throw ShapeMismatch("rope: head_dim " + std::to_string(D) + " differs from " + std::to_string(head_dim_));
  Tensor pos = position_ids.to(DType::I64).contiguous();
  if (pos.dim() != 2 || pos.size(0) != B || pos.size(1) != S)
    throw ShapeMismatch("rope: position_ids " + shape_str(pos.shape()) + " must be [batch, seq] = [" + std::to_string(B) + ", " + std::to_string(S) + "]");
  if (pos.numel() == 0) return;
  const auto max_pos = static_cast<int64_t>(ops::max(pos.reshape({-1}), 0).item());  // exact: positions far below 2^24
  const std::vector<float> inv = inv_freq_for(max_pos + 1);
  ops::rotary_(x, pos, Tensor::from_floats(std::vector<float>(inv.begin(), inv.begin() + dim_ / 2), {dim_ / 2}), attention_scaling_);
}

}  // namespace transformers::nn

namespace transformers::nn {

Tensor apply_rotary(const Tensor& x0, float theta, const std::vector<int64_t>& positions) {
  if (x0.dim() != 4) throw ShapeMismatch("apply_rotary: expected [batch, heads, seq, head_dim], got " + shape_str(x0.shape()));
  const int64_t B = x0.size(0), S = x0.size(2);
  if (!positions.empty() && static_cast<int64_t>(positions.size()) != S) throw ShapeMismatch("apply_rotary: positions must have seq entries");
  Tensor x = x0.to(DType::F32).permute({0, 2, 1, 3}).contiguous();
  std::vector<int64_t> pos(static_cast<size_t>(B * S));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s) pos[b * S + s] = positions.empty() ? s : positions[static_cast<size_t>(s)];
  RotaryEmbedding::with_theta(theta, x.size(3)).apply(x, Tensor::from_ints(pos, {B, S}));
  return x.permute({0, 2, 1, 3}).contiguous();
}

Tensor deinterleave(const Tensor& x0, int64_t n) {
  const Tensor x = x0.to(DType::F32).contiguous();
  const int64_t D = x.size(-1), rows = x.numel() / std::max<int64_t>(D, 1);
  if (n == 0) n = D;
  if (n < 0 || n > D || n % 2) throw ShapeMismatch("deinterleave: " + std::to_string(n) + " channels of " + std::to_string(D));
  // (x0, x1), (x2, x3), ... as pairs: the even channels, then the odd ones, then the rest.
  const Tensor flat = x.view({rows, D});
  const Tensor pairs = flat.slice(1, 0, n).contiguous().view({rows, n / 2, 2});
  std::vector<Tensor> parts{pairs.select(2, 0), pairs.select(2, 1)};
  if (n < D) parts.push_back(flat.slice(1, n, D));
  return ops::concat(parts, 1).view(x.shape());
}

}  // namespace transformers::nn
