// Chat templates rendered byte for byte as transformers' apply_chat_template(tokenize=False).
#include <fstream>
#include <set>

#include "io/json.hpp"
#include "test_util.hpp"
#include "tokenizers/jinja.hpp"

using namespace transformers;
using testutil::fixture;

namespace {
std::string qwen3_template() {
  testutil::TempDir d;
  const std::string tarball = std::string(SOURCE_DIR) + "/../shared/data/tokenizers-qwen3-llama2.tar.xz";
  EXPECT_EQ(testutil::run("tar -xJf '" + tarball + "' -C '" + d.path.string() + "' qwen3/tokenizer_config.json"), 0);
  return parse_json_file(d / "qwen3/tokenizer_config.json")["chat_template"].get<std::string>();
}

std::unique_ptr<PreTrainedTokenizer> tiny_tokenizer(const testutil::TempDir& d) {
  std::ofstream(d / "tokenizer.json") << R"({"model": {"type": "WordLevel", "vocab": {"<unk>": 0}, "unk_token": "<unk>"}})";
  std::ofstream(d / "tokenizer_config.json") << R"({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"})";
  return PreTrainedTokenizer::from_files(d / "tokenizer.json", d / "tokenizer_config.json");
}
}  // namespace

TEST(ChatTemplate, MatchesTransformers) {
  // Insertion order matters (tojson keeps it): parse as ordered JSON.
  std::ifstream f(fixture("chat/cases.json"));
  const nlohmann::ordered_json all = nlohmann::ordered_json::parse(f);
  testutil::TempDir d;
  auto tok = tiny_tokenizer(d);
  const std::string qwen = qwen3_template();
  int n = 0;
  for (const auto& c : all["cases"]) {
    SCOPED_TRACE(c["template"].get<std::string>() + " case " + std::to_string(n++));
    ChatTemplateOptions o;
    o.chat_template = c["template"] == "qwen3" ? qwen : all["templates"][c["template"].get<std::string>()].get<std::string>();
    o.add_generation_prompt = c["add_generation_prompt"];
    if (!c["tools"].is_null()) o.tools_json = c["tools"].dump();
    for (auto& [k, v] : c["kwargs"].items()) o.kwargs[k] = v.dump();
    const auto& msgs = c["messages"];
    if (!c["error"].is_null()) {
      EXPECT_THROW(tok->apply_chat_template(msgs.dump(), o), TemplateError);
      continue;
    }
    EXPECT_EQ(tok->apply_chat_template(msgs.dump(), o), c["expected"].get<std::string>());
  }
  EXPECT_GE(n, 10);
}

// 103 published templates — Llama 2 / 3 / 3.1 / 3.2 / 3.3, Gemma 2 / 3 / 4, Mistral v0.1 / v0.3 /
// Nemo / Small 3.2 / Large / Ministral / Devstral, Mixtral, Phi-3 / 3.5, DeepSeek V2.5 / V3 / V3.1 /
// V3.2 / R1, gpt-oss, SmolLM3, Qwen 2.5 / 3 / 3-VL / QwQ / Coder, Granite, Hermes, Command R, Kimi,
// GLM, MiniMax, ... (scripts/make_chat_fixtures.py takes them from PyPI: llama-cpp-python's sdist
// and xinference's model registry) on plain, system, thinking and tool-calling conversations:
// byte-identical to apply_chat_template, and an error wherever Python raises.
TEST(ChatTemplate, RealTemplatesMatchTransformers) {
  std::ifstream f(fixture("chat/real_templates.json"));
  const nlohmann::ordered_json all = nlohmann::ordered_json::parse(f);
  testutil::TempDir d;
  std::ofstream(d / "tokenizer.json") << R"({"model": {"type": "WordLevel", "vocab": {"<unk>": 0}, "unk_token": "<unk>"}})";
  std::ofstream(d / "tokenizer_config.json") << R"({"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "unk_token": "<unk>"})";
  auto tok = PreTrainedTokenizer::from_files(d / "tokenizer.json", d / "tokenizer_config.json");
  int n = 0, failures = 0;
  std::set<std::string> names;
  std::tm fixture_now{};
  fixture_now.tm_year = 2026 - 1900;
  fixture_now.tm_mon = 11;
  fixture_now.tm_mday = 1;
  fixture_now.tm_hour = 12;
  fixture_now.tm_wday = 2;  // a Tuesday
  fixture_now.tm_yday = 334;
  for (const auto& c : all["cases"]) {
    const std::string name = c["template"];
    names.insert(name);
    ChatTemplateOptions o;
    o.chat_template = all["templates"][name].get<std::string>();
    o.now = fixture_now;  // the date the generator renders strftime_now with
    o.add_generation_prompt = c["add_generation_prompt"];
    if (!c["tools"].is_null()) o.tools_json = c["tools"].dump();
    for (auto& [k, v] : c["kwargs"].items()) o.kwargs[k] = v.dump();
    ++n;
    std::string got, err;
    try {
      got = tok->apply_chat_template(c["messages"].dump(), o);
    } catch (const TemplateError& e) {
      err = e.what();
    }
    const bool ok = c["error"].is_null() ? err.empty() && got == c["expected"].get<std::string>() : !err.empty();
    if (!ok && ++failures <= 8)
      ADD_FAILURE() << name << " case " << n << (c["error"].is_null() ? "" : " (Python: " + c["error"].get<std::string>() + ")")
                    << (err.empty() ? "" : "\n error: " + err) << "\n got:\n" << got << "\n want:\n"
                    << (c["expected"].is_null() ? "" : c["expected"].get<std::string>());
  }
  EXPECT_EQ(failures, 0) << "of " << n;
  EXPECT_GE(names.size(), 20u);
}

// Syntax and runtime errors name the line and column of the tag they happened in.
TEST(ChatTemplate, ErrorsNameLineAndColumn) {
  const std::pair<const char*, const char*> cases[] = {
      {"line1\n{% if %}x{% endif %}", "(line 2, column 1)"},
      {"a\nb\n  {{ 1 + }}", "(line 3, column 3)"},
      {"ok\n{% for m in messages %}\n  x {{ m.y.z }}{% endfor %}", "(line 3, column 5)"},
      {"x\n\n    {{ raise_exception('bad input') }}", "(line 3, column 5)"},
      {"{% if true %}\n{% for x in none %}{% endfor %}{% endif %}", "(line 2, column 1)"},
      {"{% if true %}\nunclosed", "(line 1, column 1)"},
      {"ab {{ 'x' }}\n  {{ [1] | nope }}", "(line 2, column 3)"}};
  jinja::Dict ctx{{"messages", jinja::Value(jinja::List{jinja::Value(jinja::Dict{{"role", jinja::Value("user")}})})}};
  for (const auto& [src, where] : cases) {
    try {
      jinja::Template(src).render(ctx);
      ADD_FAILURE() << "rendered: " << src;
    } catch (const TemplateError& e) {
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what() << " for " << src;
    }
  }
}

TEST(ChatTemplate, HostileTemplatesAreTypedErrors) {
  testutil::TempDir d;
  auto tok = tiny_tokenizer(d);
  const std::string msgs = R"([{"role": "user", "content": "hi"}])";
  auto render = [&](const std::string& t) {
    ChatTemplateOptions o;
    o.chat_template = t;
    return tok->apply_chat_template(msgs, o);
  };
  EXPECT_THROW(render("{% for m in messages %}"), TemplateError);               // unclosed block
  EXPECT_THROW(render("{{ messages[0].content "), TemplateError);               // unclosed tag
  EXPECT_THROW(render("{{ raise_exception('nope') }}"), TemplateError);
  EXPECT_THROW(render("{% set x = [] %}{{ x.append(1) }}"), TemplateError);     // immutable sandbox
  EXPECT_THROW(render("{{ undefined_thing.attr }}"), TemplateError);
  EXPECT_THROW(render("{{ 1 // 0 }}"), TemplateError);
  EXPECT_THROW(render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"), TemplateError);  // unbounded recursion
  EXPECT_THROW(render("{% include 'x' %}"), TemplateError);
  EXPECT_THROW(tok->apply_chat_template("[{\"role\": ", {}), ValueError);
  EXPECT_THROW(tok->apply_chat_template(msgs, {}), ValueError);  // no template set
  EXPECT_EQ(render("{{ messages[0]['content'] | upper }}{# comment #}"), "HI");
  ChatTemplateOptions cont;
  cont.chat_template = "{% for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}";
  cont.continue_final_message = true;
  EXPECT_EQ(tok->apply_chat_template(msgs, cont), "<user>hi");
}

TEST(ChatTemplate, UndefinedIsNotNone) {
  testutil::TempDir d;
  auto tok = tiny_tokenizer(d);
  ChatTemplateOptions o;
  o.chat_template = "{{ (missing == none) ~ '|' ~ (none == none) ~ '|' ~ (missing == other_missing) }}";
  EXPECT_EQ(tok->apply_chat_template(R"([])", o), "False|True|True");
}
