// Quantized checkpoints we do not implement are refused by name, never loaded as dense weights
// (which would compute with raw quantized codes and no scales): a quantization_config with an
// unimplemented quant_method, and quantizer tensors (scales, zero points, packed weights) among the
// checkpoint keys whatever config.json says. The tiny llama of fixtures/decoders is the base.
#include <fstream>

#include "io/json.hpp"
#include "test_util.hpp"

using namespace transformers;
namespace fs = std::filesystem;
using testutil::fixture;
using testutil::TempDir;

namespace {

// fixtures/decoders/llama with config.json patched by `edit_config` and `extra` tensors added.
std::string llama_copy(const TempDir& d, const std::function<void(Json&)>& edit_config,
                       const std::vector<std::pair<std::string, Tensor>>& extra = {}) {
  const std::string src = fixture("decoders/llama");
  Json cfg = parse_json_file(src + "/config.json");
  edit_config(cfg);
  std::ofstream(d / "config.json") << cfg.dump(2);
  SafeTensorsFile f = SafeTensorsFile::open(src + "/model.safetensors");
  std::vector<std::pair<std::string, Tensor>> ts;
  for (const auto& t : f.tensors()) ts.emplace_back(t.name, f.get(t.name).clone());
  for (const auto& e : extra) ts.push_back(e);
  save_safetensors(ts, d / "model.safetensors");
  return d.path.string();
}

// The QuantizationError message of loading `dir`, or "" when it loads.
std::string refusal(const std::string& dir) {
  try {
    AutoModelForCausalLM::from_pretrained(dir);
  } catch (const QuantizationError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(QuantizedCheckpoints, EveryUnimplementedQuantMethodIsRefusedByName) {
  // transformers' QuantizationMethod values, less the one implemented here.
  for (const std::string method : {"fp8", "gptq", "awq", "bitsandbytes", "compressed-tensors", "hqq", "eetq", "quanto",
                                   "torchao", "aqlm", "vptq", "bitnet", "fbgemm_fp8", "higgs", "spqr", "quark",
                                   "auto-round", "fouroversix", "some-future-method"}) {
    SCOPED_TRACE(method);
    TempDir d;
    const std::string dir = llama_copy(d, [&](Json& c) { c["quantization_config"] = {{"quant_method", method}}; });
    const std::string msg = refusal(dir);
    EXPECT_NE(msg.find("'" + method + "'"), std::string::npos) << msg;
  }
}

TEST(QuantizedCheckpoints, Fp8BlockScaledLlamaIsRefused) {
  // The case seen in the wild: quant_method fp8, 32x32 blocks, weight_scale_inv next to each weight.
  TempDir d;
  std::vector<std::pair<std::string, Tensor>> scales;
  for (const std::string proj : {"q_proj", "k_proj", "v_proj", "o_proj"})
    scales.emplace_back("model.layers.0.self_attn." + proj + ".weight_scale_inv", Tensor::zeros({1, 1}));
  const std::string dir = llama_copy(d, [](Json& c) {
    c["quantization_config"] = {{"quant_method", "fp8"}, {"activation_scheme", "dynamic"}, {"weight_block_size", {32, 32}}};
  }, scales);
  EXPECT_NE(refusal(dir).find("'fp8'"), std::string::npos);
  EXPECT_THROW(AutoModel::from_pretrained(dir), QuantizationError);  // every Auto class, the base too
  EXPECT_THROW(AutoModel::from_pretrained(dir), ConfigError);        // and catchable as a config problem
}

TEST(QuantizedCheckpoints, QuantizationConfigWithoutMethod) {
  TempDir d, e;
  // Python's AutoQuantizationConfig reads the legacy bitsandbytes flags as that method.
  EXPECT_NE(refusal(llama_copy(d, [](Json& c) { c["quantization_config"] = {{"load_in_4bit", true}}; })).find("'bitsandbytes'"),
            std::string::npos);
  EXPECT_NE(refusal(llama_copy(e, [](Json& c) { c["quantization_config"] = {{"bits", 4}}; })).find("no quant_method"),
            std::string::npos);
  TempDir f;
  EXPECT_NE(refusal(llama_copy(f, [](Json& c) { c["quantization_config"] = "fp8"; })), "");
}

TEST(QuantizedCheckpoints, QuantizerTensorsAmongUnexpectedKeysAreErrors) {
  // No quantization_config at all: the tensors alone betray a quantized checkpoint.
  const std::string w = "model.layers.1.mlp.down_proj.";
  for (const std::string& key :
       {w + "weight_scale_inv", w + "weight_scale", w + "input_scale", w + "qweight", w + "qzeros", w + "scales", w + "g_idx",
        w + "weight.absmax", w + "weight.quant_map", w + "weight.nested_absmax", w + "SCB", w + "weight_format",
        w + "weight.quant_state.bitsandbytes__nf4", w + "weight_zero_point", w + "weight_packed", w + "weight_global_scale",
        std::string("model.layers.0.mlp.experts.gate_up_proj_scales"), std::string("model.layers.0.mlp.experts.down_proj_blocks")}) {
    SCOPED_TRACE(key);
    TempDir d;
    const std::string dir = llama_copy(d, [](Json&) {}, {{key, Tensor::zeros({2})}});
    const std::string msg = refusal(dir);
    EXPECT_NE(msg.find("'" + key + "'"), std::string::npos) << msg;
  }
}

TEST(QuantizedCheckpoints, DenseCheckpointsStillLoad) {
  // No quantization_config (or a null one), and an unrelated extra tensor: a warning, as in Python.
  TempDir d;
  const std::string dir = llama_copy(d, [](Json& c) { c["quantization_config"] = nullptr; },
                                     {{"model.layers.0.self_attn.rotary_emb.inv_freq", Tensor::zeros({4})}});
  auto m = AutoModelForCausalLM::from_pretrained(dir);
  EXPECT_EQ(m->loading_info().unexpected_keys, (std::vector<std::string>{"model.layers.0.self_attn.rotary_emb.inv_freq"}));
  const auto in = testutil::read_inputs(fixture("decoders/llama"));
  const SafeTensorsFile out = SafeTensorsFile::open(fixture("decoders/llama/outputs.safetensors"));
  EXPECT_TRUE(testutil::allclose(m->forward(in)["logits"], out.get("logits")));
  // gpt_oss's MXFP4 is implemented (dequantized at load); the same method on another model is not.
  EXPECT_NO_THROW(AutoModelForCausalLM::from_pretrained(fixture("mxfp4/gpt_oss-mxfp4")));
  TempDir e;
  EXPECT_NE(refusal(llama_copy(e, [](Json& c) { c["quantization_config"] = {{"quant_method", "mxfp4"}}; })).find("'mxfp4'"),
            std::string::npos);
}
