// Weights from a GGUF file (AutoModelForCausalLM with gguf_file): llama.cpp tensor names mapped to
// HF parameters as transformers maps them, q/k rows of llama files un-permuted, float tensors
// loaded through the ordinary pipeline, and block-quantized 2-D Linear weights kept in their blocks
// (nn::Linear::quant_type) instead of expanded to fp32 as transformers does on CPU.
#include <map>

#include "io/gguf.hpp"
#include "io/gguf_mapping.hpp"
#include "models/modeling_utils.hpp"
#include "nn/layers.hpp"
#include "ops/ops.hpp"
#include "ops/quant.hpp"
#include "transformers/errors.hpp"

namespace transformers {

namespace {

// Rows of `t` (the first dimension; a 1-D tensor's elements) reordered: out[i] = t[src[i]].
// ops::gather_rows moves whole rows of bytes, so U8 block rows and float rows alike.
Tensor permute_rows(const Tensor& t, const std::vector<int64_t>& src) {
  const auto rows = static_cast<int64_t>(src.size());
  const Tensor flat = t.contiguous().view({rows, t.numel() / rows});
  return ops::gather_rows(flat, Tensor::from_ints(src, {rows})).view(t.shape());
}

}  // namespace

LoadingInfo load_gguf_weights(Model& model, const gguf::File& f, const LoadPolicy& policy) {
  const std::string mt = model.config().model_type();
  if (!gguf::weights_supported(mt))
    throw GgufError(f.path() + ": loading the weights of a '" + mt + "' GGUF file is not implemented yet (supported: llama, mistral, qwen2, qwen3)");
  Json config = Json::parse(model.config().to_json_string());
  std::map<std::string, nn::Linear*> linears;
  model.visit_modules([&](const std::string& path, nn::Module& m) {
    if (auto* l = dynamic_cast<nn::Linear*>(&m)) linears[path] = l;
  });
  std::map<std::string, nn::Parameter*> slots;
  model.visit([&](const std::string& name, nn::Parameter& p) { slots[name] = &p; });

  std::vector<std::pair<std::string, Tensor>> dense;
  std::vector<std::string> skipped;
  Tensor embed_blocks;  // the quantized token embedding as stored, for a tied lm_head
  ops::QuantType embed_type{};
  bool head_in_file = false;
  for (const gguf::TensorInfo& ti : f.tensors()) {
    const auto hf = gguf::hf_tensor_name(ti.name);
    if (!hf) {
      skipped.push_back(ti.name);  // not a parameter of the model (rope_freqs, ...): transformers skips it too
      continue;
    }
    if (*hf == "lm_head.weight") head_in_file = true;
    const auto perm = gguf::unpermute_rows(f, ti, config);
    const std::string where = "tensor '" + ti.name + "' (" + *hf + ") of " + f.path();
    const gguf::GgmlType* gt = gguf::ggml_type(ti.type);
    const bool plain = ti.type == 0 || ti.type == 1 || ti.type == 30 || ti.type == 28;
    if (plain) {
      Tensor t = f.tensor(ti);
      dense.emplace_back(*hf, perm ? permute_rows(t, *perm) : t);
      continue;
    }
    const auto qt = ops::quant_traits(ti.type);
    if (!qt)
      throw GgufError(where + " has ggml type " + std::string(gt ? gt->name : gguf::ggml_type_name(ti.type)) +
                      ", which transformers-cpp does not compute on (supported: F32, F16, BF16, F64, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, "
                      "Q2_K..Q6_K, IQ4_NL, IQ4_XS)");
    Tensor blocks = f.raw_rows(ti);
    if (perm) blocks = permute_rows(blocks, *perm);  // whole rows: the blocks run along K, so this is exact
    const bool is_weight = hf->size() > 7 && hf->compare(hf->size() - 7, 7, ".weight") == 0;
    auto lin = is_weight ? linears.find(hf->substr(0, hf->size() - 7)) : linears.end();
    if (lin != linears.end() && ti.shape.size() == 2) {
      nn::Parameter* p = slots.at(*hf);
      if (ti.shape != p->shape)
        throw ShapeMismatch(where + " has shape " + shape_str(ti.shape) + " but the model expects " + shape_str(p->shape));
      lin->second->weight = blocks;
      lin->second->quant_type = qt->type;
      p->loaded = true;
      continue;
    }
    // Not a Linear (the token embedding, or a quantized norm): dequantized to fp32 at load, since
    // a lookup or an elementwise op has no block kernel. A tied lm_head then uses this fp32 table.
    dense.emplace_back(*hf, ops::dequantize(blocks, qt->type, ti.ne[0]).view(ti.shape));
    if (*hf == "model.embed_tokens.weight" && ti.shape.size() == 2) embed_blocks = blocks, embed_type = qt->type;
  }
  LoadPolicy p = policy;
  // transformers' GGUF path dequantizes into fp32 (its default dtype) unless a dtype is asked for.
  if (!p.weight_dtype) p.weight_dtype = DType::F32;
  LoadingInfo info = load_weights(model, Checkpoint::from_tensors(f.path(), std::move(dense)), p);
  for (auto& s : skipped) info.unexpected_keys.push_back(s);
  // A tied lm_head multiplies by the embedding's blocks as stored, as llama.cpp does, instead of
  // by the fp32 table the lookups use: decode then reads the quantized bytes of the head (for
  // Qwen2.5-0.5B in Q8_0, 145 MB instead of 545 MB per token). Same values up to summation order.
  auto head = linears.find("lm_head");
  if (embed_blocks.defined() && !head_in_file && head != linears.end() && !head->second->quant_type &&
      head->second->weight.dim() == 2 && head->second->weight.size(0) == embed_blocks.size(0)) {
    head->second->weight = embed_blocks;
    head->second->quant_type = embed_type;
  }
  return info;
}

}  // namespace transformers
