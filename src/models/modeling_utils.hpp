#pragma once
// What every concrete model class shares: it is a PreTrainedModel (public face) and the root of
// its module tree (HF parameter names), and declares HF's loading metadata.
#include <optional>

#include "nn/module.hpp"
#include "transformers/modeling.hpp"
#include "transformers/safetensors.hpp"

namespace transformers {
namespace gguf { class File; }

class Model : public PreTrainedModel, public nn::Module {
 public:
  explicit Model(const PretrainedConfig& c) : PreTrainedModel(c) {}
  // Python's `base_model_prefix` ("bert", "model", "transformer"); empty for a base model class.
  virtual std::string base_model_prefix() const = 0;
  // Python's `_tied_weights_keys` {target: source}; applied when config.tie_word_embeddings is true.
  virtual std::vector<std::pair<std::string, std::string>> tied_weights() const { return {}; }
  // Whether tied_weights() apply: config.tie_word_embeddings, unless a family forces it.
  virtual bool ties_word_embeddings() const { return config().get_bool("tie_word_embeddings", false); }
  // Weights Python would freshly initialize when absent without the load being wrong: a pooler
  // when loading a base model from a head checkpoint, a task head from a base checkpoint.
  virtual std::vector<std::string> may_be_missing() const { return {}; }
  // A family's checkpoint conversion (Python's conversion_mapping.py): the name a checkpoint key
  // has in this model, e.g. older ViT-style names renamed to the current ones.
  virtual std::string checkpoint_key(const std::string& key) const { return key; }
};

struct LoadPolicy {
  std::optional<DType> weight_dtype;  // nullopt: the checkpoint's own floating dtype
  bool ignore_mismatched_sizes = false;
  bool allow_missing_weights = false;
};

// HF's load pipeline: legacy renames, base_model_prefix added or stripped, shape checks, dtype
// policy (zero-copy when it matches), tied weights, then the missing-weight rules.
LoadingInfo load_weights(Model& model, const Checkpoint& checkpoint, const LoadPolicy& policy);
// The weights of a GGUF file (models/gguf_loading.cpp): names mapped as transformers maps them,
// block-quantized Linear weights kept quantized, the rest through load_weights.
LoadingInfo load_gguf_weights(Model& model, const gguf::File& file, const LoadPolicy& policy);
// A QuantizationError unless config.json's quantization_config is absent or a method implemented
// here (gpt_oss's mxfp4): quantized weights loaded as dense ones compute silently wrong answers.
void check_quantization_config(const PretrainedConfig& config);
// Whether an (unexpected) checkpoint key is a quantizer's tensor: scales, zero points, packed
// weights, g_idx, bitsandbytes state. load_weights refuses such keys instead of dropping them.
bool is_quantization_tensor_key(const std::string& key);
// Random init of every parameter (from_config, and missing heads): normal(0, initializer_range)
// for matrices, ones / zeros for norms and biases.
void init_parameter(nn::Parameter& p, const std::string& name, float initializer_range, uint64_t seed);

// The `dtype` option resolved against config.json and the checkpoint, as Python's _get_dtype.
std::optional<DType> resolve_dtype(const std::string& option, const PretrainedConfig& config, const Checkpoint& ckpt);

// Helpers for forward(): fetch a named input or its default.
const Tensor* find_input(const ModelInputs& in, const std::string& name);
const Tensor& require_input(const ModelInputs& in, const std::string& name, const std::string& model);

}  // namespace transformers
