#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <cmath>
#include <cstring>
#include <set>

#include "models/modeling_utils.hpp"
#include "transformers/errors.hpp"

namespace transformers {
namespace {

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}
bool starts_with(const std::string& s, const std::string& pre) { return s.rfind(pre, 0) == 0; }

// Legacy checkpoint names (early TF-ported BERT): LayerNorm.gamma / .beta.
std::string legacy_rename(const std::string& key) {
  if (ends_with(key, "LayerNorm.gamma")) return key.substr(0, key.size() - 5) + "weight";
  if (ends_with(key, "LayerNorm.beta")) return key.substr(0, key.size() - 4) + "bias";
  // torch.nn.utils.weight_norm's names before its parametrizations form (Wav2Vec2's position conv).
  if (ends_with(key, ".weight_g")) return key.substr(0, key.size() - 8) + "parametrizations.weight.original0";
  if (ends_with(key, ".weight_v")) return key.substr(0, key.size() - 8) + "parametrizations.weight.original1";
  return key;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest(const std::string& key, const std::vector<std::string>& candidates) {
  std::string best;
  size_t bd = SIZE_MAX;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(key, c);
    if (d < bd) { bd = d; best = c; }
  }
  return best;
}

// MXFP4 (the openai/gpt-oss releases, transformers' Mxfp4 quantizer): `<name>_blocks` [..., R, G,
// 16] packs two FP4 (e2m1) codes a byte, low nibble first, in blocks of 32 along the input;
// `<name>_scales` [..., R, G] are e8m0 exponents (value 2^(s - 127)). Dequantized to bf16 (exact) as
// [..., G * 32, R]: the transpose of the packed rows, as convert_moe_packed_tensors returns it.
Tensor dequantize_mxfp4(const Tensor& blocks, const Tensor& scales, const std::string& name) {
  static const float kFp4[16] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f, -0.0f, -0.5f, -1.0f, -1.5f, -2.0f, -3.0f, -4.0f, -6.0f};
  if (blocks.dtype() != DType::U8 || scales.dtype() != DType::U8 || blocks.dim() < 3 || blocks.size(-1) != 16 ||
      Shape(blocks.shape().begin(), blocks.shape().end() - 1) != scales.shape())
    throw ShapeMismatch("MXFP4 weight '" + name + "': blocks " + shape_str(blocks.shape()) + " and scales " + shape_str(scales.shape()) +
                        " must be uint8 [..., rows, groups, 16] and [..., rows, groups]");
  const Tensor b = blocks.contiguous(), s = scales.contiguous();
  const int64_t G = b.size(-2), R = b.size(-3), C = G * 32;
  int64_t batch = 1;
  for (int64_t d = 0; d + 3 < b.dim(); ++d) batch *= b.size(d);
  Shape out_shape(b.shape().begin(), b.shape().end() - 3);
  out_shape.push_back(C);
  out_shape.push_back(R);
  Tensor out = Tensor::empty(out_shape, DType::BF16);
  auto* o = out.data<uint16_t>();
  const uint8_t* bp = b.data<uint8_t>();
  const uint8_t* sp = s.data<uint8_t>();
  auto to_bf16 = [](float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return static_cast<uint16_t>(u >> 16);  // the values are exact in bf16: no rounding needed
  };
  for (int64_t e = 0; e < batch; ++e)
    for (int64_t r = 0; r < R; ++r)
      for (int64_t g = 0; g < G; ++g) {
        const int exp = static_cast<int>(sp[(e * R + r) * G + g]) - 127;
        const uint8_t* blk = bp + ((e * R + r) * G + g) * 16;
        for (int64_t k = 0; k < 16; ++k)
          for (int64_t half = 0; half < 2; ++half) {
            const int64_t c = g * 32 + 2 * k + half;
            const float v = std::ldexp(kFp4[half ? blk[k] >> 4 : blk[k] & 0x0F], exp);
            o[(e * C + c) * R + r] = to_bf16(v);
          }
      }
  return out;
}

bool is_mxfp4(const PretrainedConfig& c) {
  if (!c.has("quantization_config")) return false;
  const auto q = c.sub_config("quantization_config");
  return q && q->get_string("quant_method", "") == "mxfp4";
}

}  // namespace

void init_parameter(nn::Parameter& p, const std::string& name, float initializer_range, uint64_t seed) {
  Tensor t = Tensor::empty(p.shape, DType::F32);
  float* d = t.data<float>();
  if (p.kind == nn::ParamKind::Weight) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> dist(0.0f, initializer_range);
    for (int64_t i = 0; i < t.numel(); ++i) d[i] = dist(rng);
  } else {
    const float v = ends_with(name, "bias") ? 0.0f : 1.0f;
    for (int64_t i = 0; i < t.numel(); ++i) d[i] = v;
  }
  p.value = t;
}

std::optional<DType> resolve_dtype(const std::string& option, const PretrainedConfig& config, const Checkpoint& ckpt) {
  auto compute = [](DType d) -> DType {
    if (d == DType::F32 || d == DType::BF16 || d == DType::F16) return d;
    if (is_floating(d)) return DType::F32;  // f64 and float8 run in fp32
    throw UnsupportedDType("dtype " + dtype_name(d) + " cannot be a model's compute dtype");
  };
  if (option != "auto") {
    try {
      return compute(dtype_from_name(option));
    } catch (const UnsupportedDType&) {
      throw ValueError("`dtype` provided as a `str` can only be `'auto'`, or a string representation of a valid "
                       "`torch.dtype`, got '" + option + "'");
    }
  }
  if (auto d = config.dtype()) return compute(*d);
  for (const auto& f : ckpt.files())
    for (const auto& t : f.tensors())
      if (is_floating(t.dtype) && t.dtype != DType::F8_E4M3 && t.dtype != DType::F8_E5M2) return compute(t.dtype);
  return DType::F32;
}

LoadingInfo load_weights(Model& model, const Checkpoint& ckpt, const LoadPolicy& policy) {
  check_quantization_config(model.config());
  LoadingInfo info;
  std::map<std::string, nn::Parameter*> slots;
  model.visit([&](const std::string& name, nn::Parameter& p) { slots[name] = &p; });
  const std::string prefix = model.base_model_prefix();
  const std::string pre = prefix.empty() ? "" : prefix + ".";

  const DType wdt = policy.weight_dtype.value_or(DType::F32);
  // Packed MXFP4 pairs become one dense weight under the name without the suffix.
  std::map<std::string, Tensor> unpacked;
  std::vector<std::string> keys;
  const bool mxfp4 = is_mxfp4(model.config());
  for (const std::string& k : ckpt.keys()) {
    if (mxfp4 && ends_with(k, "_blocks") && ckpt.contains(k.substr(0, k.size() - 7) + "_scales")) {
      const std::string stem = k.substr(0, k.size() - 7);
      unpacked[stem] = dequantize_mxfp4(ckpt.get(k), ckpt.get(stem + "_scales"), stem);
      keys.push_back(stem);
    } else if (!(mxfp4 && ends_with(k, "_scales") && ckpt.contains(k.substr(0, k.size() - 7) + "_blocks"))) {
      keys.push_back(k);
    }
  }
  for (const std::string& ck_key : keys) {
    std::string key = model.checkpoint_key(legacy_rename(ck_key));
    if (!slots.count(key) && !pre.empty()) {
      if (starts_with(key, pre) && slots.count(key.substr(pre.size()))) key = key.substr(pre.size());
      else if (slots.count(pre + key)) key = pre + key;
    }
    auto it = slots.find(key);
    if (it == slots.end()) {
      if (is_quantization_tensor_key(ck_key))
        throw QuantizationError("checkpoint key '" + ck_key + "' in " + ckpt.description() + " is a quantization tensor (scale / "
                                "zero point / packed weight) that " + model.class_name() + " does not use: the checkpoint is "
                                "quantized with a method transformers-cpp does not implement");
      info.unexpected_keys.push_back(ck_key);
      continue;
    }
    nn::Parameter& p = *it->second;
    const auto packed = unpacked.find(ck_key);
    const Shape ck_shape = packed != unpacked.end() ? packed->second.shape() : ckpt.info(ck_key).shape;
    if (ck_shape != p.shape) {
      if (!policy.ignore_mismatched_sizes)
        throw ShapeMismatch("weight '" + ck_key + "' in " + ckpt.description() + " has shape " + shape_str(ck_shape) +
                            " but the model expects " + shape_str(p.shape) + " (" + model.class_name() +
                            "; pass ignore_mismatched_sizes to reinitialize it)");
      info.mismatched_keys.push_back(key + ": checkpoint " + shape_str(ck_shape) + " vs model " + shape_str(p.shape));
      continue;
    }
    Tensor t = packed != unpacked.end() ? packed->second : ckpt.get(ck_key);
    const DType want = p.kind == nn::ParamKind::Weight ? wdt : DType::F32;
    if (t.dtype() == want) {
      ++info.zero_copy_tensors;
    } else {
      t = t.to(want);
      ++info.converted_tensors;
    }
    p.value = t;
    p.loaded = true;
  }

  if (model.ties_word_embeddings()) {
    for (const auto& [target, source] : model.tied_weights()) {
      auto t = slots.find(target), s = slots.find(source);
      if (t == slots.end() || s == slots.end()) continue;
      if (s->second->loaded && !t->second->loaded) {
        t->second->value = s->second->value;
        t->second->loaded = true;
        info.tied_keys.push_back(target);
      } else if (!s->second->loaded && t->second->loaded) {
        s->second->value = t->second->value;
        s->second->loaded = true;
        info.tied_keys.push_back(source);
      }
    }
  }

  const auto may_miss = model.may_be_missing();
  const float init_range = static_cast<float>(model.config().get_float("initializer_range", 0.02));
  uint64_t seed = 0;
  for (auto& slot : slots) {
    const std::string& name = slot.first;  // not a structured binding: clang 14 cannot capture one in a lambda
    auto& p = slot.second;
    ++seed;
    if (p->loaded) continue;
    const bool allowed = policy.allow_missing_weights ||
                         std::any_of(may_miss.begin(), may_miss.end(), [&](const std::string& m) { return starts_with(name, m); }) ||
                         std::any_of(info.mismatched_keys.begin(), info.mismatched_keys.end(),
                                     [&](const std::string& m) { return starts_with(m, name + ":"); });
    if (!allowed) {
      const auto keys = ckpt.keys();
      throw WeightNotFound(name, nearest(pre.empty() || starts_with(name, pre) ? name : pre + name, keys),
                           ckpt.description() + " for " + model.class_name());
    }
    info.missing_keys.push_back(name);
    init_parameter(*p, name, init_range, seed);
    if (p->kind == nn::ParamKind::Weight && wdt != DType::F32) p->value = p->value.to(wdt);
  }
  // A freshly initialized tie target shares its source, as after Python's tie_weights().
  if (model.ties_word_embeddings())
    for (const auto& [target, source] : model.tied_weights()) {
      auto t = slots.find(target), s = slots.find(source);
      if (t != slots.end() && s != slots.end() &&
          std::find(info.missing_keys.begin(), info.missing_keys.end(), target) != info.missing_keys.end())
        t->second->value = s->second->value;
    }
  return info;
}

const Tensor* find_input(const ModelInputs& in, const std::string& name) {
  auto it = in.find(name);
  return it == in.end() || !it->second.defined() ? nullptr : &it->second;
}

const Tensor& require_input(const ModelInputs& in, const std::string& name, const std::string& model) {
  const Tensor* t = find_input(in, name);
  if (!t) throw ValueError(model + ".forward: missing required input '" + name + "'");
  return *t;
}

}  // namespace transformers
