// Chat templates: the input is the template source, then a NUL, then the messages as JSON (a fixed
// conversation when there is no NUL). Rendered by a real tokenizer with generation prompt on/off.
#include <ctime>
#include <memory>

#include "fuzz_util.hpp"
#include "transformers/tokenizer.hpp"

using namespace transformers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<PreTrainedTokenizer> tok = AutoTokenizer::from_pretrained(std::string(FIXTURES_DIR) + "/tokenizers/bytelevel-bpe");
  const auto parts = fuzz::split_nul(fuzz::bytes(data, size));
  const std::string& source = parts.first;
  std::string messages = parts.second;
  if (messages.empty())
    messages = R"([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                  {"role": "assistant", "content": "Hello", "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]},
                  {"role": "user", "content": [{"type": "text", "text": "And?"}, {"type": "image"}]}])";
  ChatTemplateOptions o;
  o.chat_template = source;
  o.now = std::tm{};  // strftime_now must not depend on the clock
  o.add_generation_prompt = size % 2 == 0;
  o.tools_json = R"([{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}])";
  o.kwargs["enable_thinking"] = "false";
  fuzz::guarded([&] { (void)tok->apply_chat_template(messages, o); });
  return 0;
}
