// forward(inputs, {.output_hidden_states, .output_attentions}) against Python for every model
// fixture folder: fixtures/hidden_states_index.json and each folder's outputs_states.safetensors come
// from scripts/make_hidden_states_fixtures.py (the folder's Auto class, fp32, attn_implementation
// "eager", both flags). The output must hold exactly the tensors Python's does (nested outputs
// flattened with dots; loss and past_key_values aside), each equal within fp32 tolerance.
#include <map>
#include <set>

#include "io/json.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::fixture;

namespace {

struct Case {
  std::string dir, auto_class, python_error;
  std::string inputs_file;                    // shared inputs (relative to fixtures), else the folder's own
  std::map<std::string, std::string> inputs;  // input name -> key in inputs_file
  bool hidden_states_only = false;             // a model without attention: Python takes no output_attentions
};
// ctest lists the case by its folder (gtest would print the struct's bytes).
void PrintTo(const Case& c, std::ostream* os) { *os << c.dir; }

std::vector<Case> cases() {
  std::vector<Case> r;
  for (const Json& e : parse_json_file(fixture("hidden_states_index.json"))) {
    Case c{e["dir"].get<std::string>(), e.value("auto_class", std::string()), e.value("python_error", std::string()),
           e.value("inputs_file", std::string()), {}};
    if (e.contains("inputs"))
      for (const auto& [name, key] : e["inputs"].items()) c.inputs[name] = key.get<std::string>();
    c.hidden_states_only = e.value("hidden_states_only", false);
    r.push_back(std::move(c));
  }
  return r;
}

ModelInputs inputs_of(const Case& c) {
  if (c.inputs_file.empty()) return testutil::read_inputs(fixture(c.dir));
  const ModelInputs all = testutil::read_inputs_file(fixture(c.inputs_file));
  ModelInputs in;
  for (const auto& [name, key] : c.inputs) in[name] = all.at(key);
  return in;
}

// Folders whose states we do not produce or match yet, each with the reason. The test checks each
// still fails, so fixing one means taking it off this list.
const std::set<std::string> kExpectedFailures = {};

// Folders Python itself cannot run with both flags (the generator records its error).
const std::set<std::string> kPythonCannot = {
    // generate()-only fixtures: their inputs (decoder prompt ids, forced tokens) are not a forward call
    "speech/whisper-multilingual",
    "speech/whisper-timestamps",
};

// "" when the output holds exactly Python's tensors, each within tolerance, else what differs first.
std::string compare(const Case& c) {
  const std::string dir = fixture(c.dir);
  SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs_states.safetensors");
  // Models without attention take no output_attentions in Python (or return none).
  bool attentions = false;
  for (const auto& t : ref.tensors()) attentions |= t.name.find("attentions.") != std::string::npos;
  if (c.hidden_states_only && attentions) return "the index says hidden states only, the goldens hold attentions";
  FromPretrainedOptions o;
  o.dtype = "float32";
  ModelOutput out;
  try {
    auto model = auto_model_from_pretrained(c.auto_class, dir, o);
    out = model->forward(inputs_of(c), ForwardOptions{.output_hidden_states = true, .output_attentions = attentions});
  } catch (const Error& e) {
    return std::string("forward threw: ") + e.what();
  }
  std::set<std::string> expected;
  for (const auto& t : ref.tensors()) {
    expected.insert(t.name);
    if (!out.has(t.name)) return "missing " + t.name;
    if (auto ok = testutil::allclose(out[t.name], ref.get(t.name)); !ok) return t.name + ": " + ok.message();
  }
  for (const auto& [name, t] : out.fields)
    if (!expected.count(name)) return "extra " + name;
  return "";
}

class HiddenStates : public ::testing::TestWithParam<Case> {};

TEST_P(HiddenStates, MatchesPython) {
  const Case& c = GetParam();
  if (!c.python_error.empty()) {
    EXPECT_TRUE(kPythonCannot.count(c.dir)) << "Python fails on " << c.dir << ": " << c.python_error;
    return;
  }
  EXPECT_FALSE(kPythonCannot.count(c.dir)) << c.dir << " now runs in Python: take it off kPythonCannot";
  const std::string diff = compare(c);
  if (kExpectedFailures.count(c.dir))
    EXPECT_FALSE(diff.empty()) << c.dir << " now matches Python: take it off kExpectedFailures";
  else
    EXPECT_TRUE(diff.empty()) << c.dir << ": " << diff;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.dir;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, HiddenStates, ::testing::ValuesIn(cases()), case_name);

// The index covers what the generator walks, and both lists name real folders.
TEST(HiddenStates, ListsNameIndexedFolders) {
  std::set<std::string> dirs;
  for (const Case& c : cases()) dirs.insert(c.dir);
  EXPECT_GT(dirs.size(), 100u);
  for (const auto& d : kExpectedFailures) EXPECT_TRUE(dirs.count(d)) << d;
  for (const auto& d : kPythonCannot) EXPECT_TRUE(dirs.count(d)) << d;
  // VisionEncoderDecoder folders (their inputs live in image_to_text/inputs.safetensors)
  for (const char* d : {"image_to_text/trocr-vit", "image_to_text/trocr-deit-sinusoidal", "image_to_text/vit-gpt2"}) EXPECT_TRUE(dirs.count(d)) << d;
}

// The CLI contract: `forward --output-hidden-states --output-attentions` writes the same tensors.
TEST(HiddenStates, CliWritesEveryTensor) {
  for (const char* rel : {"seq2seq/bart", "decoders/llama"}) {
    SCOPED_TRACE(rel);
    const std::string dir = fixture(rel);
    testutil::TempDir d;
    std::string log;
    const std::string auto_class = std::string(rel) == "seq2seq/bart" ? "AutoModelForSeq2SeqLM" : "AutoModelForCausalLM";
    ASSERT_EQ(testutil::run(std::string(CLI_PATH) + " forward " + dir + " --auto-class " + auto_class + " --inputs " + dir +
                                "/inputs.safetensors --dtype float32 --output-hidden-states --output-attentions --out " + d / "o.safetensors",
                            &log),
              0)
        << log;
    SafeTensorsFile got = SafeTensorsFile::open(d / "o.safetensors"), ref = SafeTensorsFile::open(dir + "/outputs_states.safetensors");
    EXPECT_EQ(got.tensors().size(), ref.tensors().size());
    for (const auto& t : ref.tensors()) EXPECT_TRUE(testutil::allclose(got.get(t.name), ref.get(t.name))) << t.name;
  }
}

TEST(HiddenStates, PlainForwardHoldsNoStates) {
  auto model = AutoModelForCausalLM::from_pretrained(fixture("decoders/llama"));
  const ModelOutput out = model->forward(testutil::read_inputs(fixture("decoders/llama")), ForwardOptions{});
  for (const auto& [name, t] : out.fields) EXPECT_EQ(name.find("hidden_states"), std::string::npos) << name;
  EXPECT_EQ(out.fields.size(), 1u);
}

}  // namespace
