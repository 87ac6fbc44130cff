#pragma once
// transformers 5 loads a tokenizer.json through the class tokenizer_config.json names; a class with
// its own __init__ (tokenization_<model>.py) takes only the file's vocabulary (+ merges), its
// post-processor and its added tokens, and rebuilds the normalizer, pre-tokenizer, decoder and the
// model's unk / byte-fallback settings itself. The Hub files of the SentencePiece families were
// written by the older converters, whose pipelines differ (a spaces-only text, runs of spaces,
// NFKC folding), and BertTokenizer lowercases unless the config says otherwise: these rebuilds make
// ours the class's. (LlamaTokenizer and T5Tokenizer: pretrained.cpp.)
#include <optional>
#include <string>

#include "io/json.hpp"

namespace transformers::tok {

// Whether `cls` (no "Fast" suffix) is one of the classes rebuilt here.
bool rebuilds_pipeline(const std::string& cls);
// The rebuilt tokenizer.json of class `cls` ("AlbertTokenizer", "BertTokenizer") over the parsed
// file `j`, with the settings of tokenizer_config.json `cfg`; nullopt when the file's model is not
// the one the class builds (the file is then used as it is). TokenizerError where Python's __init__
// fails on the file (Pegasus without its unknown piece).
std::optional<Json> class_pipeline_rebuild(const std::string& cls, Json j, const Json& cfg, const std::string& source);

}  // namespace transformers::tok
