// Randomized hostile input: arbitrary bytes and random Unicode through every tokenizer, and
// random template fragments through the Jinja interpreter, and the fuzzers' findings (fuzz/) as
// regressions. Typed errors are fine; a crash, a sanitizer report or an untyped exception is not.
#include <cstdlib>
#include <fstream>
#include <random>

#include "io/json.hpp"
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

// ---------------------------------------------------------------------------------------------
// Findings from fuzzing the public API (fuzz/): each input once crashed, read freed memory or let
// an exception other than transformers::Error escape. Each must now be a typed error.

namespace {
// A small tokenizer.json (WordLevel) whose post-processor and other sections the tests replace.
Json small_tokenizer_json() {
  return Json::parse(R"({"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": {"type": "Whitespace"},
    "post_processor": null, "decoder": null,
    "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "[CLS]": 1, "hello": 2}, "unk_token": "[UNK]"}})");
}
void write_file(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }
std::string safetensors_bytes(const std::string& header, size_t data_bytes) {
  std::string s(8, '\0');
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) s[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s + header + std::string(data_bytes, '\0');
}
}  // namespace

// nlohmann's const operator[] on a missing key is undefined behaviour; io/json.hpp makes it throw.
TEST(Robustness, ConstJsonLookupOfMissingKeyThrowsJsonError) {
  const Json j = Json::parse(R"({"a": 1})");
  EXPECT_THROW((void)j["missing"], JsonError);
  EXPECT_EQ(j["a"], 1);
}

// Heap use-after-free: TemplateProcessing without special_tokens iterated a missing key.
TEST(Robustness, TemplateProcessingWithoutSpecialTokens) {
  Json t = small_tokenizer_json();
  t["post_processor"] = Json::parse(R"({"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
    "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}]})");
  EXPECT_THROW(Tokenizer::from_str(t.dump()), TokenizerError);
  // Without SpecialToken pieces the missing section is no error at all.
  t["post_processor"]["single"] = Json::parse(R"([{"Sequence": {"id": "A", "type_id": 0}}])");
  EXPECT_EQ(Tokenizer::from_str(t.dump()).encode("hello").ids, std::vector<int64_t>{2});
  // Malformed entries: not lists, wrong element types, negative ids.
  for (const char* bad : {R"({"[CLS]": 5})", R"({"[CLS]": {"id": "[CLS]"}})", R"({"[CLS]": {"ids": 1, "tokens": ["[CLS]"]}})",
                          R"({"[CLS]": {"ids": [1.5], "tokens": ["[CLS]"]}})", R"({"[CLS]": {"ids": [-1], "tokens": ["[CLS]"]}})",
                          R"({"[CLS]": {"ids": [1], "tokens": [7]}})", R"([1, 2])"}) {
    t["post_processor"]["special_tokens"] = Json::parse(bad);
    EXPECT_THROW(Tokenizer::from_str(t.dump()), TokenizerError) << bad;
  }
}

// A malformed {% set %} (no target) indexed an empty vector at render time; every statement's
// parts are now checked when the template is parsed.
TEST(Robustness, MalformedStatementsAreSyntaxErrors) {
  for (const char* src : {"{% set= messag0000dfor %}&", "{% set = 1 %}", "{% set , = 1 %}", "{% set 1x = 2 %}", "{% set a.b.c = 2 %}",
                          "{% set %}x{% endset %}", "{% for in messages %}x{% endfor %}", "{% for a.b in messages %}{% endfor %}",
                          "{% for , in messages %}{% endfor %}", "{% for x in xs %}{% break now %}{% endfor %}",
                          "{% for x in xs %}{% continue 2 %}{% endfor %}"}) {
    EXPECT_THROW(jinja::Template{src}, TemplateError) << src;
  }
  // The well-formed neighbours still work.
  jinja::Dict ctx{{"xs", jinja::Value(jinja::List{jinja::Value(int64_t{1}), jinja::Value(int64_t{2})})}};
  EXPECT_EQ(jinja::Template("{% set a, b = xs %}{{ b }}{% set ns = namespace(v=0) %}{% set ns.v = 3 %}{{ ns.v }}").render(ctx), "23");
  EXPECT_EQ(jinja::Template("{% set y %}k{% endset %}{{ y }}{% for x in xs %}{% if x > 1 %}{% break %}{% endif %}{{ x }}{% endfor %}").render(ctx), "k1");
}

// Found by fuzzing for ten minutes: deep nesting overflowed the stack while parsing (and would
// have while evaluating or freeing the tree). Every form of nesting is bounded by a TemplateError;
// the bound leaves real templates far below it.
TEST(Robustness, DeeplyNestedTemplatesAreTemplateErrors) {
  const auto rep = [](const std::string& s, int n) {
    std::string r;
    for (int i = 0; i < n; ++i) r += s;
    return r;
  };
  for (const std::string& src : {"{{ messages" + rep("[", 3000) + " }}", "{{ " + rep("(", 3000) + "1 }}", "{{ " + rep("[", 3000) + " }}",
                                 "{{ " + rep("not ", 3000) + "x }}", "{{ " + rep("-", 3000) + "1 }}", "{{ 1" + rep(" + 1", 3000) + " }}",
                                 "{{ x" + rep("[0]", 3000) + " }}", "{{ x" + rep(".a", 3000) + " }}", "{{ x" + rep("|trim", 3000) + " }}",
                                 "{{ {" + rep("'a': {", 3000) + " }}", rep("{% if x %}", 3000) + "y",
                                 rep("{% for x in xs %}", 3000)}) {
    EXPECT_THROW(jinja::Template{src}, TemplateError) << src.substr(0, 40);
  }
  // Nesting well below the bound still parses and renders.
  jinja::Dict ctx{{"x", jinja::Value(int64_t{1})}};
  EXPECT_EQ(jinja::Template("{{ " + rep("(", 40) + "1" + rep(")", 40) + rep(" + 1", 60) + " }}").render(ctx), "61");
  EXPECT_EQ(jinja::Template(rep("{% if x %}", 40) + "y" + rep("{% endif %}", 40)).render(ctx), "y");
}

// Numbers out of range or of the wrong kind in a safetensors header.
TEST(Robustness, SafetensorsHeaderNumbers) {
  testutil::TempDir d;
  const std::string p = d / "x.safetensors";
  for (const char* h : {R"({"a":{"dtype":"F32","shape":[112e444444444],"data_offsets":[0,4]}})",
                        R"({"a":{"dtype":"F32","shape":[1234567890123456789012345678901234567890],"data_offsets":[0,4]}})",
                        R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                        R"({"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}})",
                        R"({"a":{"dtype":"U8","shape":[0,18446744073709551615],"data_offsets":[0,0]}})",
                        R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4e0]}})",
                        R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})"}) {
    write_file(p, safetensors_bytes(h, 4));
    EXPECT_THROW(SafeTensorsFile::open(p), SafetensorsError) << h;
  }
}

// config.json: numbers beyond a double are a JsonError, wrong kinds a ConfigError.
TEST(Robustness, ConfigJsonNumbers) {
  EXPECT_THROW(AutoConfig::from_json_string(R"({"model_type": "bert", "hidden_size": 112e444444444})"), JsonError);
  EXPECT_THROW(AutoConfig::from_json_string(R"({"model_type": "bert", "hidden_size": 1.5})"), ConfigError);
  EXPECT_THROW(AutoConfig::from_json_string(R"({"model_type": "bert", "num_labels": 1234567890123456789012345678901234567890})"), ConfigError);
  EXPECT_THROW(AutoConfig::from_json_string(R"({"model_type": "bert", "num_labels": -3})"), ConfigError);
  // fuzz_config timeout: a LABEL_i table of 1.2e17 entries.
  EXPECT_THROW(AutoConfig::from_json_string(R"({"model_type": "bert", "num_labels": 123456789012345678})"), ConfigError);
  const PretrainedConfig c = AutoConfig::from_json_string(R"({"model_type": "bert", "hidden_size": 64, "layer_norm_eps": 1e-300})");
  EXPECT_EQ(c.get_int("hidden_size"), 64);
}

// preprocessor_config.json: floats where integers go and values beyond the target type.
TEST(Robustness, PreprocessorConfigNumbers) {
  for (const char* j : {R"({"image_processor_type": "ViTImageProcessor", "resample": 1e40})",
                        R"({"image_processor_type": "ViTImageProcessor", "resample": 2.5})",
                        R"({"image_processor_type": "ViTImageProcessor", "resample": "bilinear"})",
                        R"({"image_processor_type": "ViTImageProcessor", "rescale_factor": "x"})",
                        R"({"image_processor_type": "ViTImageProcessor", "image_mean": [0.5, "a", 0.5]})",
                        R"({"image_processor_type": "DPTImageProcessor", "ensure_multiple_of": 1e30})",
                        R"({"image_processor_type": "Qwen2VLImageProcessor", "patch_size": 1e30, "size": {"shortest_edge": 56, "longest_edge": 1000}})",
                        R"({"image_processor_type": 7})"}) {
    EXPECT_THROW(AutoImageProcessor::from_json_string(j), ConfigError) << j;
  }
  EXPECT_THROW(AutoImageProcessor::from_json_string(R"({"image_processor_type": "ViTImageProcessor", "size": 112e444444444})"), JsonError);
  for (const char* j : {R"({"feature_extractor_type": "WhisperFeatureExtractor", "hop_length": 1.5e300})",
                        R"({"feature_extractor_type": "WhisperFeatureExtractor", "n_fft": 400.5})",
                        R"({"feature_extractor_type": "WhisperFeatureExtractor", "n_fft": 400000})",  // fuzz_preprocessor timeout
                        R"({"feature_extractor_type": "WhisperFeatureExtractor", "padding_value": 1e300})",
                        R"({"feature_extractor_type": "WhisperFeatureExtractor", "sampling_rate": 99999999999999999999})",
                        R"({"feature_extractor_type": "Wav2Vec2FeatureExtractor", "do_normalize": 1})",
                        R"({"feature_extractor_type": "ASTFeatureExtractor", "num_mel_bins": 1e20})",
                        R"({"feature_extractor_type": "SeamlessM4TFeatureExtractor", "stride": "2"})",
                        R"({"feature_extractor_type": ["WhisperFeatureExtractor"]})"}) {
    EXPECT_THROW(AutoFeatureExtractor::from_json_string(j), ConfigError) << j;
  }
}

// tokenizer.json sections with numbers: truncation, padding, decoders, pre-tokenizers.
TEST(Robustness, TokenizerJsonNumbers) {
  const std::pair<const char*, const char*> cases[] = {
      {"truncation", R"({"max_length": 1e40, "stride": 0, "strategy": "LongestFirst", "direction": "Right"})"},
      {"truncation", R"({"max_length": -5, "stride": 0, "strategy": "LongestFirst", "direction": "Right"})"},
      {"truncation", R"({"max_length": 8, "stride": 1.5, "strategy": "LongestFirst", "direction": "Right"})"},
      {"padding", R"({"strategy": {"Fixed": 1e300}, "direction": "Right", "pad_id": 0, "pad_type_id": 0, "pad_token": "[UNK]"})"},
      {"padding", R"({"strategy": {"Fixed": -2}, "direction": "Right", "pad_id": 0, "pad_type_id": 0, "pad_token": "[UNK]"})"},
      {"padding", R"({"strategy": "BatchLongest", "direction": "Right", "pad_id": 1e40, "pad_type_id": 0, "pad_token": "[UNK]"})"},
      {"decoder", R"({"type": "Strip", "content": " ", "start": 1e40, "stop": 0})"},
      {"decoder", R"({"type": "Strip", "content": " ", "start": -1, "stop": 0})"},
      {"pre_tokenizer", R"({"type": "FixedLength", "length": -1})"},
      {"pre_tokenizer", R"({"type": "FixedLength", "length": 2.5})"},
      {"post_processor", R"({"type": "BertProcessing", "sep": ["[CLS]", 1], "cls": ["[CLS]", -1]})"},
      // Found by fuzzing for ten minutes: a float type_id was cast to int (undefined behaviour).
      {"post_processor", R"({"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 1e300}}], "pair": [], "special_tokens": {}})"},
      {"post_processor", R"({"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[UNK]", "type_id": -1e300}}], "pair": [], "special_tokens": {}})"},
  };
  for (const auto& [key, value] : cases) {
    Json t = small_tokenizer_json();
    t[key] = Json::parse(value);
    EXPECT_THROW(Tokenizer::from_str(t.dump()), TokenizerError) << key << ": " << value;
  }
  EXPECT_THROW(Tokenizer::from_str(R"({"version": "1.0", "model": {"type": "WordLevel", "vocab": {"a": 112e444444444}}})"), JsonError);
}

// tokenizer_config.json: model_max_length as Python writes it (1e30 for "no limit") and nonsense.
TEST(Robustness, TokenizerConfigNumbers) {
  const std::string tj = small_tokenizer_json().dump();
  testutil::TempDir d;
  auto with_config = [&](const std::string& cfg) {
    write_file(d / "tokenizer_config.json", cfg);
    return PreTrainedTokenizer::from_files_json(tj, d / "tokenizer_config.json", d.path.string());
  };
  EXPECT_EQ(with_config(R"({"model_max_length": 1e30})")->model_max_length(), static_cast<int64_t>(1e18));
  EXPECT_EQ(with_config(R"({"model_max_length": 512})")->model_max_length(), 512);
  EXPECT_THROW(with_config(R"({"model_max_length": -1e300})"), TokenizerError);
  EXPECT_THROW(with_config(R"({"model_max_length": 112e444444444})"), Error);
}

// sentence-transformers modules.json entries of the wrong type.
TEST(Robustness, SentenceTransformersModulesTypes) {
  testutil::TempDir d;
  std::filesystem::copy(fixture("sentence_transformers/bert-mean"), d.path, std::filesystem::copy_options::recursive);
  write_file(d / "modules.json", R"([{"idx": 0, "name": "0", "path": "", "type": 5}])");
  EXPECT_THROW(SentenceTransformer::from_pretrained(d.path.string()), ConfigError);
}

// Integer arithmetic in templates: Python's results where they fit in 64 bits, a TemplateError
// where Python's unbounded ints would leave that range (never signed overflow or a bad cast).
TEST(Robustness, JinjaIntegerArithmetic) {
  auto render = [](const std::string& src) { return jinja::Template(src).render({}); };
  // Edges inside the 64-bit range against transformers' own rendering (make_robustness_fixtures.py).
  for (const Json& c : parse_json_file(fixture("robustness/jinja_arithmetic.json")))
    EXPECT_EQ(render(c["template"].get<std::string>()), c["output"].get<std::string>()) << c["template"];
  for (const char* src : {"{{ 9223372036854775807 + 1 }}", "{{ -9223372036854775807 - 2 }}", "{{ 3037000500 * 3037000500 }}",
                          "{{ 2 ** 64 }}", "{{ 1e300 | int }}", "{{ (-9223372036854775807 - 1) | abs }}",
                          "{{ -(-9223372036854775807 - 1) }}", "{{ (-9223372036854775807 - 1) // -1 }}", "{{ range(10 ** 12) | length }}",
                          "{{ 'ab' * 10 ** 12 }}", "{{ 'x' | indent(10 ** 9) }}", "{{ 99999999999999999999 }}"}) {
    EXPECT_THROW(render(src), TemplateError) << src;
  }
}

// A pair truncated longest_first with a stride: each side's share of max_length can fall to the
// stride, where the overflow windows would step by zero (a hang). Rust's Encoding::truncate asserts
// `stride < max_len` there (Python raises its PanicException); we raise a TokenizerError.
TEST(Robustness, PairTruncationStrideNotBelowShare) {
  auto tok = AutoTokenizer::from_pretrained(fixture("tokenizers/bytelevel-bpe"));
  TokenizerCallOptions o;
  o.add_special_tokens = false;
  o.truncation = "longest_first";
  o.max_length = 3;
  o.stride = 1;
  o.return_overflowing_tokens = true;
  const std::vector<std::string> a{"hello world this is long text hello world this is long text"}, b{"another long sentence here ok"};
  EXPECT_THROW((*tok)(a, &b, o), TokenizerError);
  o.max_length = 5;  // shares of 2 and 3: windows step by 1 and 2
  EXPECT_NO_THROW((*tok)(a, &b, o));
}

// An empty batch row (no tokens, no special tokens) as a tensor: memcpy from an empty vector's
// null data was undefined behaviour (fuzz_tokenizer_encode). Python gives input_ids of shape [1, 0].
TEST(Robustness, EmptyEncodingAsTensor) {
  auto tok = AutoTokenizer::from_pretrained(fixture("tokenizers/bytelevel-bpe"));
  TokenizerCallOptions o;
  o.add_special_tokens = false;
  o.padding = "longest";
  const BatchEncoding b = (*tok)({""}, nullptr, o);
  EXPECT_EQ(b.input_ids().shape(), (Shape{1, 0}));
  EXPECT_EQ(b.attention_mask().shape(), (Shape{1, 0}));
  EXPECT_EQ(Tensor::from_floats({}, {0, 3}).numel(), 0);
}
