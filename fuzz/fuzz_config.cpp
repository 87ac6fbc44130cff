// config.json through AutoConfig, then every typed getter a model would call on common keys.
#include "fuzz_util.hpp"
#include "transformers/config.hpp"

using namespace transformers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::guarded([&] {
    const PretrainedConfig c = AutoConfig::from_json_string(fuzz::bytes(data, size));
    (void)c.to_json_string(), (void)c.to_diff_json_string();
    (void)c.id2label(), (void)c.label2id(), (void)c.num_labels(), (void)c.dtype(), (void)c.architectures();
    for (const char* k : {"hidden_size", "num_hidden_layers", "vocab_size", "num_attention_heads", "intermediate_size"})
      fuzz::guarded([&] { (void)c.get_int(k, 0); });
    for (const char* k : {"layer_norm_eps", "rms_norm_eps", "rope_theta", "initializer_range"})
      fuzz::guarded([&] { (void)c.get_float(k, 0.0); });
    for (const char* k : {"text_config", "vision_config", "encoder", "decoder"}) fuzz::guarded([&] { (void)c.sub_config(k); });
  });
  return 0;
}
