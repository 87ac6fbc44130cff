// apply_chat_template: the tokenizer's Jinja template over messages, tools, special tokens and
// extra variables, as transformers renders it.
#include <algorithm>

#include "tokenizers/jinja.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"
#include "transformers/tokenizer.hpp"

namespace transformers {

namespace {
jinja::Value parse_value(const std::string& text, const std::string& what) {
  try {
    return jinja::Value::from_json(nlohmann::ordered_json::parse(text));
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(what + ": malformed JSON: " + e.what());
  }
}
}  // namespace

std::string PreTrainedTokenizer::apply_chat_template(const std::string& messages_json, const ChatTemplateOptions& o) const {
  const std::string& source = o.chat_template.empty() ? chat_template_ : o.chat_template;
  if (source.empty())
    throw ValueError("Cannot use chat template functions because tokenizer.chat_template is not set and no template argument was passed!");
  tok::validate_utf8(messages_json, "messages");
  jinja::Value messages = parse_value(messages_json, "messages");
  if (messages.kind != jinja::Value::ListV) throw ValueError("messages must be a JSON list of {role, content} objects");
  for (const auto& m : *messages.list)
    if (m.kind != jinja::Value::DictV) throw ValueError("each message must be a JSON object");
  const std::string sentinel = "\x1f<<continue-final-message>>\x1f";
  if (o.continue_final_message) {
    if (messages.list->empty()) throw ValueError("continue_final_message needs at least one message");
    for (auto& [k, v] : *messages.list->back().dict)
      if (k == "content" && v.kind == jinja::Value::Str) v.s += sentinel;
  }
  jinja::Dict ctx;
  for (const auto& [name, value] : special_) ctx.emplace_back(name, jinja::Value(value));
  ctx.emplace_back("messages", messages);
  ctx.emplace_back("tools", o.tools_json.empty() ? jinja::Value::none() : parse_value(o.tools_json, "tools"));
  ctx.emplace_back("documents", jinja::Value::none());
  ctx.emplace_back("add_generation_prompt", jinja::Value(o.add_generation_prompt));
  for (const auto& kw : o.kwargs) {  // kwargs override special tokens
    const std::string& k = kw.first;  // not a structured binding: clang 14 cannot capture one in a lambda
    const std::string& v = kw.second;
    auto it = std::find_if(ctx.begin(), ctx.end(), [&](const auto& e) { return e.first == k; });
    if (it != ctx.end()) it->second = parse_value(v, k);
    else ctx.emplace_back(k, parse_value(v, k));
  }
  std::string out = jinja::Template(source).render(ctx, o.now ? &*o.now : nullptr);
  if (o.continue_final_message) {
    const size_t cut = out.rfind(sentinel);
    if (cut == std::string::npos) throw TemplateError("continue_final_message: the template dropped the final message's content");
    out.resize(cut);
  }
  return out;
}

std::vector<int64_t> PreTrainedTokenizer::apply_chat_template_ids(const std::string& messages_json, const ChatTemplateOptions& o) const {
  TokenizerCallOptions co;
  co.add_special_tokens = false;
  return encode(apply_chat_template(messages_json, o), nullptr, co).ids;
}

}  // namespace transformers
