// Refusing quantized checkpoints we cannot run. A quantized checkpoint loaded as if it were dense
// computes with raw codes (e4m3 bytes, packed int4, ...) and unscaled weights: a silent wrong
// answer. So config.json's quantization_config must name a method implemented here (MXFP4 for
// gpt_oss, dequantized at load), and a checkpoint tensor that only a quantizer would consume
// (scales, zero points, packed weights, bitsandbytes state) is an error when the model has no slot
// for it, whatever config.json says.
#include <algorithm>
#include <string>

#include "models/modeling_utils.hpp"
#include "transformers/errors.hpp"

namespace transformers {
namespace {

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

}  // namespace

void check_quantization_config(const PretrainedConfig& config) {
  if (!config.has("quantization_config")) return;
  std::optional<PretrainedConfig> q;
  try {
    q = config.sub_config("quantization_config");
  } catch (const Error&) {
    q.reset();
  }
  if (!q) throw QuantizationError("config.json: quantization_config must be an object with a quant_method");
  std::string method = q->get_string("quant_method", "");
  // Python's AutoQuantizationConfig maps the legacy bitsandbytes flags to their method.
  if (method.empty() && (q->get_bool("load_in_8bit", false) || q->get_bool("load_in_4bit", false))) method = "bitsandbytes";
  if (method.empty())
    throw QuantizationError("config.json: quantization_config has no quant_method; the checkpoint is quantized with an "
                            "unknown method and cannot be loaded");
  if (method == "mxfp4" && config.model_type() == "gpt_oss") return;
  throw QuantizationError("config.json: quantization_config quant_method '" + method + "'" +
                          (method == "mxfp4" ? " for model_type '" + config.model_type() + "'" : std::string()) +
                          " is not supported by transformers-cpp (only gpt_oss's mxfp4, dequantized at load); loading it "
                          "as a dense checkpoint would compute with unscaled quantized weights");
}

bool is_quantization_tensor_key(const std::string& key) {
  // bitsandbytes 4-bit state: `<w>.weight.quant_state.bitsandbytes__nf4` / `__fp4`.
  if (key.find("quant_state") != std::string::npos) return true;
  const size_t dot = key.rfind('.');
  const std::string last = dot == std::string::npos ? key : key.substr(dot + 1);
  // The tensor names of the quantizers transformers knows (fp8 / fbgemm / compressed-tensors scales,
  // GPTQ / AWQ packed weights and zero points, bitsandbytes' absmax / quant_map / SCB, ...).
  static const char* const kNames[] = {"qweight", "qzeros", "scales", "g_idx", "absmax", "quant_map", "nested_absmax",
                                       "nested_quant_map", "SCB", "weight_format", "weight_scale", "weight_scale_inv",
                                       "weight_scale_2", "input_scale", "input_scale_inv", "output_scale", "k_scale",
                                       "v_scale", "q_scale", "weight_zero_point", "input_zero_point", "zero_point",
                                       "zeros", "weight_packed", "weight_shape", "weight_global_scale",
                                       "input_global_scale", "scale_inv", "codes", "codebooks"};
  if (std::any_of(std::begin(kNames), std::end(kNames), [&](const char* n) { return last == n; })) return true;
  // Suffixed forms: `..._scale_inv`, gpt-oss style `<name>_scales` / `<name>_blocks` (MXFP4 packing).
  for (const char* suf : {"_scale_inv", "_scales", "_blocks", "_zero_point", "_zeros", "_absmax"})
    if (ends_with(last, suf)) return true;
  return false;
}

}  // namespace transformers
