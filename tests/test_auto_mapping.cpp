// Our registry against Python's Auto tables: for every model_type we implement, every
// (Auto class, class name) pair transformers 5.24 maps it to (fixtures/auto_mapping.json, written by
// scripts/make_auto_mapping.py) must be a row of src/models/registry.cpp, or be listed below with why.
#include <set>
#include <sstream>
#include <tuple>

#include "io/json.hpp"
#include "models/registry.hpp"
#include "test_util.hpp"

using namespace transformers;

namespace {
using Row = std::tuple<std::string, std::string, std::string>;  // auto_class, model_type, class

// Pairs Python maps for a model_type we implement that we deliberately do not: each says why.
const std::set<Row>& exclusions() {
  static const std::set<Row> v = {
      // Served by the DeiTForImageClassification row: its factory picks the WithTeacher class from
      // config.architectures, as Python picks between the two classes it maps.
      {"AutoModelForImageClassification", "deit", "DeiTForImageClassificationWithTeacher"},
      // AutoModelForDecision (JEV's decision head: scores of single-token labels at question marks,
      // soft-capped) is a task we do not provide; Python also reaches it from a Qwen2Config.
      {"AutoModelForDecision", "qwen2", "JevForDecision"},
  };
  return v;
}

std::set<Row> python_rows() {
  const Json j = parse_json_file(testutil::fixture("auto_mapping.json"));
  std::set<Row> rows;
  for (const Json& r : j["rows"])
    rows.emplace(r.at(0).get<std::string>(), r.at(1).get<std::string>(), r.at(2).get<std::string>());
  return rows;
}

std::set<std::string> our_model_types() {
  std::set<std::string> types;
  for (const auto& e : registry::builtin_models()) types.insert(e.model_type);
  return types;
}
}  // namespace

TEST(AutoMapping, PythonTableIsComplete) {
  const Json j = parse_json_file(testutil::fixture("auto_mapping.json"));
  EXPECT_EQ(j["transformers"].get<std::string>(), "5.24.0");
  EXPECT_GT(j["rows"].size(), 1000u);
  // Tables no Auto class reads (pipeline helpers); a new one after a pin bump must be looked at.
  const auto unread = j["tables_without_auto_class"].get<std::vector<std::string>>();
  EXPECT_EQ(unread, (std::vector<std::string>{"MODEL_FOR_CAUSAL_IMAGE_MODELING_MAPPING_NAMES", "MODEL_FOR_IMAGE_MAPPING_NAMES",
                                               "MODEL_FOR_RETRIEVAL_MAPPING_NAMES", "MODEL_FOR_TIME_SERIES_CLASSIFICATION_MAPPING_NAMES",
                                               "MODEL_FOR_TIME_SERIES_REGRESSION_MAPPING_NAMES"}));
}

TEST(AutoMapping, EveryPythonRowOfOurModelTypesIsImplemented) {
  const std::set<std::string> ours = our_model_types();
  std::set<Row> have;
  for (const auto& e : registry::builtin_models()) have.emplace(e.auto_class, e.model_type, e.class_name);
  std::ostringstream missing;
  size_t n = 0;
  for (const Row& r : python_rows()) {
    if (!ours.count(std::get<1>(r)) || have.count(r) || exclusions().count(r)) continue;
    missing << "\n  {\"" << std::get<0>(r) << "\", \"" << std::get<1>(r) << "\", \"" << std::get<2>(r) << "\"}";
    ++n;
  }
  EXPECT_EQ(n, 0u) << n << " (Auto class, model_type, class) rows Python maps are missing:" << missing.str();
}

TEST(AutoMapping, ExclusionsAreStillMissingAndStillMapped) {
  const std::set<Row> py = python_rows();
  std::set<Row> have;
  for (const auto& e : registry::builtin_models()) have.emplace(e.auto_class, e.model_type, e.class_name);
  for (const Row& r : exclusions()) {
    SCOPED_TRACE(std::get<0>(r) + " " + std::get<1>(r) + " " + std::get<2>(r));
    EXPECT_TRUE(py.count(r)) << "excluded row is not in Python's table any more";
    EXPECT_FALSE(have.count(r)) << "excluded row is implemented: drop it from the exclusions";
  }
}

TEST(AutoMapping, EveryOurRowIsPythons) {
  // The other direction: a row we register must be one Python maps (the Auto class picks the same class).
  const std::set<Row> py = python_rows();
  std::ostringstream extra;
  size_t n = 0;
  for (const auto& e : registry::builtin_models()) {
    if (py.count({e.auto_class, e.model_type, e.class_name})) continue;
    extra << "\n  " << e.auto_class << " " << e.model_type << " " << e.class_name;
    ++n;
  }
  EXPECT_EQ(n, 0u) << n << " registry rows Python does not map:" << extra.str();
}

// Every row of fixtures/auto_rows/index.json (scripts/make_auto_rows_fixtures.py): loaded through its
// Auto class it is the class Python picks, loads without missing / unexpected weights and gives
// Python's outputs — new checkpoints for new classes, the existing fixture for a class reused under
// another Auto class. One instance per row, named after its folder (and its Auto class where a
// folder serves several rows).
namespace {
class AutoMapping : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, AutoMapping, ::testing::ValuesIn(testutil::index_cases(testutil::fixture("auto_rows/index.json"))),
                         testutil::CaseName());
// BEiT / MobileNetV2 semantic segmentation and the AutoBackbone rows (scripts/make_segmentation_fixtures.py).
INSTANTIATE_TEST_SUITE_P(Segmentation, AutoMapping, ::testing::ValuesIn(testutil::index_cases(testutil::fixture("segmentation/index.json"))),
                         testutil::CaseName());

TEST_P(AutoMapping, AddedRowsMatchPython) {
  const Json& e = GetParam().entry;
  const std::string dir = testutil::fixture(e["dir"].get<std::string>());
  testutil::with_each_kernel_mode(dir + " " + e["auto_class"].get<std::string>(), [&] {
    auto model = auto_model_from_pretrained(e["auto_class"].get<std::string>(), dir);
    EXPECT_EQ(model->class_name(), e["class"].get<std::string>());
    const auto& info = model->loading_info();
    EXPECT_TRUE(info.missing_keys.empty()) << info.missing_keys.front();
    // Buffers Python saves that we recompute or do not need (a sinusoidal table, BatchNorm's
    // num_batches_tracked) are listed per fixture; anything else unexpected is an error.
    std::vector<std::string> unexpected;
    for (const std::string& k : info.unexpected_keys) {
      bool known = false;
      for (const Json& suffix : e.value("unexpected_suffixes", Json::array()))
        known = known || (k.size() >= suffix.get<std::string>().size() &&
                          k.compare(k.size() - suffix.get<std::string>().size(), std::string::npos, suffix.get<std::string>()) == 0);
      if (!known) unexpected.push_back(k);
    }
    EXPECT_TRUE(unexpected.empty()) << unexpected.front();
    const ModelInputs inputs = testutil::read_inputs_file(dir + "/" + e.value("inputs", std::string("inputs.safetensors")));
    const ModelOutput out = model->forward(inputs);
    const SafeTensorsFile ref = SafeTensorsFile::open(dir + "/" + e.value("outputs", std::string("outputs.safetensors")));
    std::vector<std::string> fields;
    if (e.contains("fields")) {
      for (const Json& f : e["fields"]) fields.push_back(f.get<std::string>());
    } else {
      for (const auto& t : ref.tensors()) fields.push_back(t.name);
    }
    // A checkpoint made for this row: exactly Python's output fields. A reused fixture: the
    // fields it holds.
    if (!e.contains("inputs")) {
      EXPECT_EQ(out.fields.size(), fields.size());
    }
    for (const std::string& name : fields) {
      ASSERT_TRUE(out.has(name)) << "missing output " << name;
      EXPECT_TRUE(testutil::allclose(out[name], ref.get(name))) << name;
    }
  });
}
}  // namespace

TEST(AutoMapping, AddedRowsIndexIsNotEmpty) { EXPECT_GT(parse_json_file(testutil::fixture("auto_rows/index.json")).size(), 10u); }

// The rows expanded from registry.cpp's families: one class per (Auto class, model_type), each
// model_type with its config.
TEST(AutoMapping, FamilyRowsAreUniqueAndConfigured) {
  std::set<std::pair<std::string, std::string>> seen;
  std::set<std::string> configs;
  for (const auto& e : registry::builtin_configs()) EXPECT_TRUE(configs.insert(e.model_type).second) << e.model_type;
  for (const auto& e : registry::builtin_models()) {
    EXPECT_TRUE(seen.emplace(e.auto_class, e.model_type).second) << e.auto_class << " " << e.model_type << " twice";
    EXPECT_TRUE(configs.count(e.model_type)) << e.model_type << " has no config";
    EXPECT_TRUE(static_cast<bool>(e.factory)) << e.auto_class << " " << e.model_type;
  }
}
