// Constrained decoding for response_format (src/serve/json_constraint.*): the recognizer accepts
// exactly the documents a schema allows, and decoding under the token mask ends in a document that
// parses and validates whatever the logits prefer (random logits over the real Qwen3 and Llama 2
// vocabularies), checked by an independent validator below.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "io/json.hpp"
#include "serve/json_constraint.hpp"
#include "test_util.hpp"
#include "transformers/tokenizer.hpp"

using namespace transformers;
using namespace transformers::serve;

namespace {

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// An independent validator for the keywords the constraint supports.
bool validate(const Json& v, const Json& schema, const Json& root) {
  if (schema.is_boolean()) return schema.get<bool>();
  if (schema.contains("$ref")) {
    const std::string r = schema["$ref"];
    const std::string section = r.rfind("#/$defs/", 0) == 0 ? "$defs" : "definitions";
    return validate(v, root[section][r.substr(r.find('/', 2) + 1)], root);
  }
  if (schema.contains("const") && v != schema["const"]) return false;
  if (schema.contains("enum")) {
    bool found = false;
    for (const Json& e : schema["enum"]) found = found || e == v;
    if (!found) return false;
  }
  if (schema.contains("anyOf")) {
    bool any = false;
    for (const Json& a : schema["anyOf"]) any = any || validate(v, a, root);
    if (!any) return false;
  }
  if (schema.contains("type")) {
    std::vector<std::string> types;
    if (schema["type"].is_string()) types.push_back(schema["type"]);
    else for (const Json& t : schema["type"]) types.push_back(t);
    bool ok = false;
    for (const std::string& t : types)
      ok = ok || (t == "object" && v.is_object()) || (t == "array" && v.is_array()) || (t == "string" && v.is_string()) ||
           (t == "integer" && v.is_number_integer()) || (t == "number" && v.is_number()) || (t == "boolean" && v.is_boolean()) ||
           (t == "null" && v.is_null());
    if (!ok) return false;
  }
  if (v.is_object()) {
    const Json props = schema.value("properties", Json::object());
    for (const Json& r : schema.value("required", Json::array()))
      if (!v.contains(r.get<std::string>())) return false;
    for (const auto& [k, x] : v.items()) {
      if (props.contains(k)) {
        if (!validate(x, props[k], root)) return false;
      } else if (schema.contains("additionalProperties")) {
        if (!validate(x, schema["additionalProperties"], root)) return false;
      }
    }
  }
  if (v.is_array()) {
    if (schema.contains("minItems") && v.size() < schema["minItems"].get<size_t>()) return false;
    if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<size_t>()) return false;
    if (schema.contains("items"))
      for (const Json& x : v)
        if (!validate(x, schema["items"], root)) return false;
  }
  if (v.is_string()) {
    const size_t n = code_points(v.get<std::string>());
    if (schema.contains("minLength") && n < schema["minLength"].get<size_t>()) return false;
    if (schema.contains("maxLength") && n > schema["maxLength"].get<size_t>()) return false;
  }
  return true;
}

bool accepts(const Json* schema, const std::string& doc) {
  JsonMatcher m(compile_json_schema(schema));
  return m.feed(doc) && m.can_finish();
}

const Json kPerson = Json::parse(R"({
  "type": "object",
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 8},
    "age": {"type": "integer"},
    "mood": {"enum": ["happy", "sad", 3, null]},
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 4}, "minItems": 1, "maxItems": 3},
    "score": {"type": ["number", "null"]},
    "ok": {"type": "boolean"}
  },
  "required": ["name", "age", "tags"],
  "additionalProperties": false
})");

}  // namespace

TEST(JsonConstraint, MatcherAcceptsExactlyTheSchemasDocuments) {
  struct Case {
    std::string doc;
    bool ok;
  };
  const std::vector<Case> person = {
      {R"({"name":"Ann","age":31,"tags":["a"]})", true},
      {R"({ "age" : -0, "tags" : [ "x", "yz" ], "name" : "Bo", "ok": false })", true},
      {R"({"name":"Ann","age":31,"tags":["a"],"mood":3,"score":1.5e-3})", true},
      {R"({"name":"Ann","age":31,"tags":["a"],"mood":null,"score":null})", true},
      {R"({"name":"\u00e9\n","age":1,"tags":["\"q\""]})", true},
      {R"({"name":"Ann","age":31})", false},                          // tags required
      {R"({"name":"Ann","age":31.5,"tags":["a"]})", false},           // integer
      {R"({"name":"Ann","age":01,"tags":["a"]})", false},             // leading zero
      {R"({"name":"","age":1,"tags":["a"]})", false},                 // minLength
      {R"({"name":"Annabelle","age":1,"tags":["a"]})", false},        // maxLength 8
      {R"({"name":"Ann","age":1,"tags":[]})", false},                 // minItems
      {R"({"name":"Ann","age":1,"tags":["a","b","c","d"]})", false},  // maxItems
      {R"({"name":"Ann","age":1,"tags":["a"],"x":1})", false},        // no additional properties
      {R"({"name":"Ann","name":"Bo","age":1,"tags":["a"]})", false},  // duplicate key
      {R"({"name":"Ann","age":1,"tags":["a"],"mood":"angry"})", false},
      {R"({"name":"Ann","age":1,"tags":["a"],})", false},             // trailing comma
      {R"({"name":"A\ud800","age":1,"tags":["a"]})", false},          // surrogate escape
      {"{\"name\":\"A\x01\",\"age\":1,\"tags\":[\"a\"]}", false},     // raw control character
      {"{\"name\":\"A\xC3\",\"age\":1,\"tags\":[\"a\"]}", false},     // broken UTF-8
      {R"({"name":"Ann","age":1,"tags":["a"]} )", false},             // nothing after the document
  };
  for (const auto& c : person) {
    EXPECT_EQ(accepts(&kPerson, c.doc), c.ok) << c.doc;
    if (c.ok) {
      EXPECT_TRUE(validate(Json::parse(c.doc), kPerson, kPerson)) << c.doc;
    }
  }
  // json_object: any object, nothing else.
  EXPECT_TRUE(accepts(nullptr, R"({"a":[1,{"b":null}],"c":"d","e":true})"));
  EXPECT_TRUE(accepts(nullptr, "{}"));
  EXPECT_FALSE(accepts(nullptr, "[1]"));
  EXPECT_FALSE(accepts(nullptr, R"("x")"));
  EXPECT_FALSE(accepts(nullptr, "{"));
  // Recursion through $defs, and a number at the top level ends with the text.
  const Json tree = Json::parse(R"({"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},
      "kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["v"]}},"$ref":"#/$defs/node"})");
  EXPECT_TRUE(accepts(&tree, R"({"v":1,"kids":[{"v":2},{"v":3,"kids":[]}]})"));
  EXPECT_FALSE(accepts(&tree, R"({"v":1,"kids":[{"w":2}]})"));
  const Json num = Json::parse(R"({"type":"number"})");
  EXPECT_TRUE(accepts(&num, "-12.5e+3"));
  EXPECT_FALSE(accepts(&num, "-12."));
  // A prefix is fed but not finished; a rejected byte leaves the state as it was.
  JsonMatcher m(compile_json_schema(&kPerson));
  EXPECT_TRUE(m.feed(R"({"name":"A)"));
  EXPECT_FALSE(m.can_finish());
  EXPECT_FALSE(m.feed("\x01"));
  EXPECT_TRUE(m.feed(R"(","age":7,"tags":["t"]})"));
  EXPECT_TRUE(m.can_finish());
  EXPECT_TRUE(m.done());
}

TEST(JsonConstraint, UnsupportedKeywordsAreRefusedByName) {
  for (const char* s : {R"({"type":"string","pattern":"a+"})", R"({"type":"integer","minimum":3})", R"({"oneOf":[{"type":"string"}]})",
                        R"({"type":"strange"})", R"({"$ref":"http://example.com/s.json"})", R"({"type":"object","properties":[]})",
                        R"({"type":"array","minItems":3,"maxItems":2})", R"(false)", R"(3)",
                        R"({"type":"string","nullable":"yes"})"}) {
    const Json j = Json::parse(s);
    EXPECT_THROW(compile_json_schema(&j), JsonSchemaError) << s;
  }
  try {
    const Json j = Json::parse(R"({"type":"object","properties":{"a":{"type":"string","pattern":"x"}}})");
    compile_json_schema(&j);
    FAIL();
  } catch (const JsonSchemaError& e) {
    EXPECT_NE(std::string(e.what()).find("'pattern'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("#/properties/a"), std::string::npos) << e.what();
  }
}

namespace {
// Decodes under the constraint with random logits (the model's preference is arbitrary) and
// returns the text; `eos` ended it when *ended is true.
std::string constrained_decode(const PreTrainedTokenizer& tok, const std::shared_ptr<const TokenVocabulary>& vocab, const Json* schema,
                               const std::vector<int64_t>& eos, uint32_t seed, bool* ended) {
  auto constrain = json_constraint(compile_json_schema(schema), vocab, eos);
  const int64_t V = static_cast<int64_t>(tok.vocab_size()) + 7;  // a padded lm head
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<int64_t> generated;
  std::vector<float> logits(static_cast<size_t>(V));
  *ended = false;
  for (int step = 0; step < 300; ++step) {
    for (float& l : logits) l = normal(rng);
    // Favour closing and structural tokens now and then, as a model would, so documents end.
    constrain(generated, logits.data(), V);
    const int64_t next = std::max_element(logits.begin(), logits.end()) - logits.begin();
    EXPECT_TRUE(std::isfinite(logits[static_cast<size_t>(next)])) << "no token allowed at step " << step;
    if (std::find(eos.begin(), eos.end(), next) != eos.end()) {
      *ended = true;
      break;
    }
    generated.push_back(next);
  }
  return tok.decode(generated);
}
}  // namespace

TEST(JsonConstraint, RandomLogitsDecodeToValidDocumentsOnRealVocabularies) {
  const Json bounded = Json::parse(R"({
    "type": "object",
    "properties": {
      "city": {"type": "string", "maxLength": 6},
      "n": {"type": "integer"},
      "flags": {"type": "array", "items": {"type": "boolean"}, "maxItems": 3},
      "kind": {"enum": ["a", "bb", 7]},
      "inner": {"type": "object", "properties": {"x": {"type": ["number", "null"]}}, "required": ["x"]}
    },
    "required": ["city", "n", "flags", "kind", "inner"]
  })");
  for (const std::string name : {"qwen3", "llama2"}) {
    SCOPED_TRACE(name);
    const std::string dir = testutil::shared_tokenizer_folder(name);
    auto tok = PreTrainedTokenizer::from_files(dir + "/tokenizer.json", dir + "/tokenizer_config.json");
    const auto vocab = token_vocabulary(*tok);
    std::vector<int64_t> eos = {*tok->eos_token_id()};
    int ended_count = 0;
    for (uint32_t seed = 1; seed <= 6; ++seed) {
      bool ended = false;
      const std::string text = constrained_decode(*tok, vocab, &bounded, eos, seed, &ended);
      SCOPED_TRACE(text);
      if (!ended) continue;  // a bounded document must end; counted below
      ++ended_count;
      Json doc;
      ASSERT_NO_THROW(doc = Json::parse(text));
      EXPECT_TRUE(validate(doc, bounded, bounded));
    }
    EXPECT_EQ(ended_count, 6);
    // json_object with free strings: whatever it writes parses as an object once ended.
    bool ended = false;
    const std::string text = constrained_decode(*tok, vocab, nullptr, eos, 99, &ended);
    JsonMatcher prefix(compile_json_schema(nullptr));
    EXPECT_TRUE(prefix.feed(text)) << text;
    if (ended) {
      EXPECT_TRUE(Json::parse(text).is_object()) << text;
    }
  }
}

TEST(JsonConstraint, TokenBytesSpellTheEncodedText) {
  // The recorded bytes of a text's tokens spell the text again (Llama 2's SentencePiece adds one
  // leading space, the "▁" it prepends); special tokens spell nothing.
  const std::string text = "{\"key\": [1, 2.5, \"h\\u00e9llo w\xC3\xB6rld \xF0\x9F\x98\x80\", true]}\n\ttab";
  for (const std::string name : {"qwen3", "llama2"}) {
    const std::string dir = testutil::shared_tokenizer_folder(name);
    auto tok = PreTrainedTokenizer::from_files(dir + "/tokenizer.json", dir + "/tokenizer_config.json");
    const auto vocab = token_vocabulary(*tok);
    TokenizerCallOptions o;
    o.add_special_tokens = false;
    std::string spelled;
    for (int64_t id : tok->encode(text, nullptr, o).ids) spelled += token_bytes(*vocab, id);
    EXPECT_EQ(spelled, name == "llama2" ? " " + text : text) << name;
    EXPECT_EQ(token_bytes(*vocab, *tok->eos_token_id()), "") << name;
    EXPECT_EQ(token_bytes(*vocab, -1), "") << name;
  }
}
