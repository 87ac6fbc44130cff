// Randomized hostile input: arbitrary bytes and random Unicode through every tokenizer, and
// random template fragments through the Jinja interpreter. Typed errors are fine; a crash, a
// sanitizer report or an untyped exception is not.
#include <cstdlib>
#include <random>

#include "test_util.hpp"
#include "tokenizers/jinja.hpp"

using namespace transformers;
using testutil::fixture;

namespace {
std::string random_utf8(std::mt19937& rng, size_t n) {
  static const char32_t ranges[][2] = {{0x20, 0x7e}, {0x00, 0x1f}, {0xa0, 0x2ff}, {0x300, 0x36f}, {0x4e00, 0x4fff},
                                       {0x3040, 0x30ff}, {0xac00, 0xacff}, {0x1f300, 0x1f6ff}, {0x200b, 0x200f}, {0xfe00, 0xfe0f}};
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    const auto& r = ranges[rng() % 10];
    const char32_t c = r[0] + rng() % (r[1] - r[0] + 1);
    if (c < 0x80) s += static_cast<char>(c);
    else if (c < 0x800) { s += static_cast<char>(0xC0 | (c >> 6)); s += static_cast<char>(0x80 | (c & 0x3F)); }
    else if (c < 0x10000) { s += static_cast<char>(0xE0 | (c >> 12)); s += static_cast<char>(0x80 | ((c >> 6) & 0x3F)); s += static_cast<char>(0x80 | (c & 0x3F)); }
    else { s += static_cast<char>(0xF0 | (c >> 18)); s += static_cast<char>(0x80 | ((c >> 12) & 0x3F)); s += static_cast<char>(0x80 | ((c >> 6) & 0x3F)); s += static_cast<char>(0x80 | (c & 0x3F)); }
  }
  return s;
}
}  // namespace

TEST(Robustness, TokenizersSurviveRandomText) {
  std::mt19937 rng(1234);
  for (const char* name : {"bert-minilm", "bytelevel-bpe", "unigram-metaspace", "spm-precompiled"}) {
    Tokenizer tok = Tokenizer::from_file(fixture(std::string("tokenizers/") + name + "/tokenizer.json"));
    for (int i = 0; i < 150; ++i) {
      const std::string text = random_utf8(rng, rng() % 64);
      const Encoding e = tok.encode(text);
      EXPECT_EQ(e.ids.size(), e.offsets.size());
      for (auto [a, b] : e.offsets) EXPECT_LE(a, b);
      (void)tok.decode(e.ids, false);
      std::string bytes(rng() % 32, '\0');
      for (auto& c : bytes) c = static_cast<char>(rng());
      try {
        tok.encode(bytes);
      } catch (const TokenizerError&) {
      }
      std::vector<int64_t> ids(rng() % 16);
      for (auto& id : ids) id = static_cast<int64_t>(rng() % 5000) - 100;  // negative and unknown ids too
      (void)tok.decode(ids, true);
    }
  }
}

// Every filter and test on every kind of value, with no, one and two arguments: a result or a
// TemplateError, never another exception or a bad read (ASan watches).
TEST(Robustness, JinjaFiltersAndTestsOnEveryKindOfValue) {
  static const char* filters[] = {"length", "count", "tojson", "trim", "string", "upper", "lower", "title", "capitalize", "replace", "int",
                                  "float", "default", "d", "first", "last", "min", "max", "sum", "list", "join", "items", "dictsort", "map",
                                  "select", "reject", "selectattr", "rejectattr", "indent", "abs", "unique", "reverse", "safe", "escape",
                                  "e", "sort", "batch", "round", "wordcount", "center", "format", "groupby", "attr", "striptags"};
  static const char* tests[] = {"defined", "undefined", "none", "number", "string", "integer", "iterable", "sequence", "mapping", "even",
                                "odd", "divisibleby", "in", "eq", "ne", "lt", "true", "false", "boolean", "callable", "sameas", "equalto"};
  static const char* values[] = {"none", "nope", "1", "-2.5", "true", "'héllo'", "''", "[1, 'a', none]", "[]", "{'k': 1, 'j': [2]}",
                                 "messages", "messages | selectattr('role')", "range(3)", "('a' | safe)"};
  static const char* args[] = {"", "()", "(1)", "('x', 'y')", "(attribute='role')", "(none, 2, 3)"};
  jinja::Dict ctx{{"messages", jinja::Value(jinja::List{jinja::Value(jinja::Dict{{"role", jinja::Value("user")}, {"content", jinja::Value("hi")}})})}};
  int rendered = 0, refused = 0;
  auto run = [&](const std::string& src) {
    if (std::getenv("TCPP_TRACE_JINJA")) std::fprintf(stderr, "%s\n", src.c_str());
    try {
      jinja::Template t(src);
      (void)t.render(ctx);
      ++rendered;
    } catch (const TemplateError&) {
      ++refused;
    }
  };
  for (const char* v : values)
    for (const char* a : args) {
      for (const char* f : filters) run(std::string("{{ (") + v + ") | " + f + a + " }}");
      for (const char* t : tests) run(std::string("{{ (") + v + ") is " + t + a + " }}");
      run(std::string("{% for x in (") + v + ") %}{{ x }}{% endfor %}{{ (" + v + ")[0] }}");
    }
  EXPECT_GT(rendered, 500);
  EXPECT_GT(refused, 100);
}

TEST(Robustness, JinjaSurvivesRandomTemplates) {
  static const char* pieces[] = {"{{", "}}", "{%", "%}", "{#", "#}", "-", "if", "for", "endfor", "endif", " x ", "in", "messages",
                                 "|", "length", "(", ")", "[", "]", "'a'", "\"b\"", "1", "+", "~", ".", "content", "set", "=",
                                 "macro", "endmacro", "loop.index", "not", "and", "or", "is", "defined", "none", ",", ":", "\n", " "};
  std::mt19937 rng(99);
  jinja::Dict ctx{{"messages", jinja::Value(jinja::List{jinja::Value(jinja::Dict{{"role", jinja::Value("user")}, {"content", jinja::Value("hi")}})})}};
  int rendered = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string src;
    const int n = static_cast<int>(rng() % 20);
    for (int k = 0; k < n; ++k) src += pieces[rng() % (sizeof pieces / sizeof *pieces)];
    try {
      jinja::Template t(src);
      (void)t.render(ctx);
      ++rendered;
    } catch (const TemplateError&) {
    }
  }
  EXPECT_GT(rendered, 100);
}
