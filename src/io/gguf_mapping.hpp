#pragma once
// What transformers makes of a GGUF file's metadata and tensor names (its legacy GGUF path,
// modeling_gguf_pytorch_utils.load_gguf_checkpoint + integrations/ggml.py GGUF_CONFIG_MAPPING, and
// integrations/gguf/gguf_tokenizer_mapping.py for the tokenizer): a config dict, a tokenizer.json
// with its tokenizer_config, and the GGUF -> HF tensor names with the tensor processors' fixes.
#include <optional>
#include <string>

#include "io/gguf.hpp"
#include "io/json.hpp"
#include "transformers/hub.hpp"

namespace transformers::gguf {

// The file `gguf_file` names: a path that exists as given, else a file of the folder / repo.
std::string resolve_file(const std::string& name_or_path, const std::string& gguf_file, const HubOptions& o);

// config.json as transformers builds it from the metadata (model_type from general.architecture).
Json config_dict(const File& f);

struct TokenizerFiles {
  std::string tokenizer_json;    // the backend tokenizer (tokenizers' serialization)
  std::string tokenizer_config;  // special tokens, add_bos/eos_token, chat_template, tokenizer_class
};
TokenizerFiles tokenizer_files(const File& f);

// The architectures whose GGUF weights we map and load (AutoModelForCausalLM with gguf_file).
bool weights_supported(const std::string& model_type);
// The HF parameter name of a GGUF tensor for a Llama-style decoder, or nullopt when the model has
// no such parameter (llama.cpp extras like rope_freqs are skipped, as transformers does).
std::optional<std::string> hf_tensor_name(const std::string& gguf_name);
// transformers' LlamaTensorProcessor: the row permutation that undoes llama.cpp's q/k permute
// (rotary halves interleaved per head): output row h*2*dim + t*dim + d is input row h*2*dim + 2*d + t.
// nullopt when the tensor needs none. Rows are whole (a quantized row's blocks run along K).
std::optional<std::vector<int64_t>> unpermute_rows(const File& f, const TensorInfo& t, const Json& config);

}  // namespace transformers::gguf
