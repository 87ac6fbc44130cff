// response_format json_schema (src/serve/json_constraint.*): a schema from a request, then a
// document fed byte by byte and as a whole, with a small vocabulary's token mask computed after
// each byte: compile errors must be JsonSchemaError (a transformers::Error), nothing may crash
// or hang. Input: schema JSON, a NUL, the document bytes.
#include <cmath>
#include <vector>

#include "fuzz_util.hpp"
#include "io/json.hpp"
#include "serve/json_constraint.hpp"

using namespace transformers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto vocab = serve::token_vocabulary(std::vector<std::string>{
      "{", "}", "[", "]", ",", ":", "\"", " ", "\n", "a", "ab", "\"a\"", "1", "-", ".", "e", "true", "false", "null", "\\", "u",
      "\xC3", "\xA9", "\xC3\xA9", "0", "9", "{\"", "\":", "\",", "\"}", ""});
  const auto parts = fuzz::split_nul(fuzz::bytes(data, size));
  const std::string& schema_text = parts.first;
  const std::string& doc = parts.second;
  fuzz::guarded([&] {
    const bool any_object = schema_text.empty();
    Json schema;
    if (!any_object) schema = parse_json(schema_text, "schema");
    const auto compiled = serve::compile_json_schema(any_object ? nullptr : &schema);
    serve::JsonMatcher whole(compiled), bytewise(compiled);
    const bool ok = whole.feed(doc);
    bool all = true;
    for (char c : doc) all = all && bytewise.feed(std::string(1, c));
    // The two ways must agree (a refused feed leaves `whole` at the start, `bytewise` after the
    // accepted prefix, so their states are compared only when everything was accepted).
    if (ok != all || (ok && whole.can_finish() != bytewise.can_finish())) __builtin_trap();
    auto constrain = serve::json_constraint(compiled, vocab, {30});
    std::vector<int64_t> generated;
    std::vector<float> logits(33);
    for (size_t i = 0; i < doc.size() && i < 64; ++i) {
      for (float& l : logits) l = 0.0f;
      constrain(generated, logits.data(), static_cast<int64_t>(logits.size()));
      int64_t pick = -1;
      for (size_t t = 0; t < logits.size(); ++t)
        if (std::isfinite(logits[t]) && (pick < 0 || static_cast<uint8_t>(doc[i]) % 7 == t % 7)) pick = static_cast<int64_t>(t);
      if (pick < 0) __builtin_trap();  // something (at least end of sequence) is always allowed
      if (pick == 30) break;
      generated.push_back(pick);
    }
  });
  return 0;
}
