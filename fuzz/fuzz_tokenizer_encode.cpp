// Encode and decode arbitrary bytes with real tokenizers: the fixtures' (BERT WordPiece, byte-level
// BPE, Unigram / Metaspace, SentencePiece precompiled) and, when FUZZ_TOKENIZERS names folders
// (':'-separated, e.g. Qwen3 and Llama 2 unpacked from shared/data), those too.
// Input: byte 0 picks the tokenizer, byte 1 the operation, the rest is the text (or ids).
#include <cstring>
#include <memory>
#include <sstream>
#include <vector>

#include "fuzz_util.hpp"
#include "transformers/tokenizer.hpp"

using namespace transformers;

namespace {

std::vector<std::unique_ptr<PreTrainedTokenizer>>& tokenizers() {
  static std::vector<std::unique_ptr<PreTrainedTokenizer>> all = [] {
    std::vector<std::unique_ptr<PreTrainedTokenizer>> v;
    std::vector<std::string> dirs;
    for (const char* d : {"bert-minilm", "bytelevel-bpe", "unigram-metaspace"}) dirs.push_back(std::string(FIXTURES_DIR) + "/tokenizers/" + d);
    if (const char* extra = std::getenv("FUZZ_TOKENIZERS")) {
      std::stringstream ss(extra);
      for (std::string d; std::getline(ss, d, ':');)
        if (!d.empty()) dirs.push_back(d);
    }
    for (const auto& d : dirs) v.push_back(AutoTokenizer::from_pretrained(d));
    v.push_back(PreTrainedTokenizer::from_files(std::string(FIXTURES_DIR) + "/tokenizers/spm-precompiled/tokenizer.json", ""));
    return v;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  auto& all = tokenizers();
  const PreTrainedTokenizer& t = *all[data[0] % all.size()];
  const uint8_t op = data[1];
  const std::string text = fuzz::bytes(data + 2, size - 2);
  fuzz::guarded([&] {
    TokenizerCallOptions o;
    o.errors = op & 1 ? "replace" : "strict";
    o.split_special_tokens = (op & 2) != 0;
    switch ((op >> 2) % 4) {
      case 0: {
        const Encoding e = t.encode(text, nullptr, o);
        (void)t.decode(e.ids, (op & 0x80) != 0);
        break;
      }
      case 1: {  // a pair, truncated with overflow and padded
        const auto [a, b] = fuzz::split_nul(text);
        o.truncation = op & 0x40 ? "longest_first" : "only_first";
        o.max_length = 1 + (op >> 4) % 8;
        o.stride = (op >> 6) % 2;
        o.return_overflowing_tokens = true;
        o.padding = "max_length";
        o.pad_to_multiple_of = 3;
        const std::vector<std::string> texts{a}, pairs{b};
        (void)t(texts, &pairs, o);
        break;
      }
      case 2: {  // any ids, in range or not
        std::vector<int64_t> ids;
        for (size_t i = 0; i + 4 <= text.size(); i += 4) {
          int32_t v;
          std::memcpy(&v, text.data() + i, 4);
          ids.push_back(op & 0x80 ? v : static_cast<int64_t>(static_cast<uint32_t>(v) % (t.vocab_size() + 8)));
        }
        (void)t.decode(ids, (op & 0x40) != 0);
        (void)t.convert_ids_to_tokens(ids);
        break;
      }
      default: {  // batch of lines
        std::vector<std::string> lines;
        std::stringstream ss(text);
        for (std::string l; std::getline(ss, l);) lines.push_back(l);
        if (lines.empty()) lines.push_back("");
        o.padding = "longest";
        const BatchEncoding b = t(lines, nullptr, o);
        (void)b.input_ids(), (void)b.attention_mask();
        break;
      }
    }
  });
  return 0;
}
