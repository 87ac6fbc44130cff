#pragma once
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "io/json.hpp"
#include "ops/ops.hpp"
#include "transformers/transformers.hpp"

namespace testutil {

inline std::string fixture(const std::string& rel) { return std::string(FIXTURES_DIR) + "/" + rel; }

// Every tensor of a safetensors file, by name.
inline transformers::ModelInputs read_inputs_file(const std::string& path) {
  transformers::SafeTensorsFile in = transformers::SafeTensorsFile::open(path);
  transformers::ModelInputs inputs;
  for (const auto& t : in.tensors()) inputs[t.name] = in.get(t.name);
  return inputs;
}
// A fixture folder's inputs.safetensors.
inline transformers::ModelInputs read_inputs(const std::string& dir) { return read_inputs_file(dir + "/inputs.safetensors"); }

// Runs `body` with the fast kernels, then with the reference ones (traced as `what`), and leaves
// the fast kernels on.
template <typename F>
void with_each_kernel_mode(const std::string& what, F&& body) {
  for (const bool reference : {false, true}) {
    SCOPED_TRACE(what + (reference ? " (reference kernels)" : ""));
    transformers::ops::set_reference_mode(reference);
    body();
  }
  transformers::ops::set_reference_mode(false);
}

// An integer [B, L] tensor as B rows (generate() sequences against JSON goldens).
inline std::vector<std::vector<int64_t>> rows(const transformers::Tensor& t) {
  std::vector<std::vector<int64_t>> r;
  const auto v = t.to_ints();
  for (int64_t b = 0; b < t.size(0); ++b) r.emplace_back(v.begin() + b * t.size(1), v.begin() + (b + 1) * t.size(1));
  return r;
}

// fp32 parity: |a - b| <= atol + rtol * |b| everywhere (b is the Python reference).
inline ::testing::AssertionResult allclose(const transformers::Tensor& a, const transformers::Tensor& b, double atol = 1e-4,
                                           double rtol = 1e-3) {
  if (a.shape() != b.shape())
    return ::testing::AssertionFailure() << "shape " << transformers::shape_str(a.shape()) << " vs "
                                         << transformers::shape_str(b.shape());
  auto x = a.to_floats(), y = b.to_floats();
  double worst = 0;
  size_t worst_i = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = std::fabs(static_cast<double>(x[i]) - y[i]);
    const bool bad = !(d <= atol + rtol * std::fabs(y[i]));
    if (bad && (d > worst || std::isnan(d))) { worst = d; worst_i = i; }
    if (std::isnan(x[i]) != std::isnan(y[i])) return ::testing::AssertionFailure() << "NaN mismatch at " << i;
  }
  if (worst > 0)
    return ::testing::AssertionFailure() << "max violation " << worst << " at flat index " << worst_i << ": " << x[worst_i]
                                         << " vs " << y[worst_i];
  return ::testing::AssertionSuccess();
}

inline transformers::Tensor randn(const transformers::Shape& s, uint64_t seed, float scale = 1.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(static_cast<size_t>(transformers::shape_numel(s)));
  for (auto& x : v) x = d(rng);
  return transformers::Tensor::from_floats(v, s);
}

// A fresh temporary directory, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/tcpp-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& rel) const { return (path / rel).string(); }
};

// Runs a shell command, returning exit status and captured stdout+stderr.
inline int run(const std::string& cmd, std::string* output = nullptr) {
  std::string full = cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (!p) return -1;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (output) *output = out;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// A folder of the real tokenizers in ../shared/data (qwen3, llama2: tokenizer.json +
// tokenizer_config.json), extracted once per test binary.
inline std::string shared_tokenizer_folder(const std::string& name) {
  static TempDir dir;
  static bool done = false;
  if (!done) {
    const std::string tarball = std::string(SOURCE_DIR) + "/../shared/data/tokenizers-qwen3-llama2.tar.xz";
    EXPECT_EQ(run("tar -xJf '" + tarball + "' -C '" + dir.path.string() + "'"), 0) << tarball;
    done = true;
  }
  return dir / name;
}

// Per-fixture parameterized tests: one TEST_P instance per fixture folder, named after the folder,
// so one family runs alone (`--gtest_filter='*llama*'`), ctest lists each folder and a failure names
// it. A suite whose list comes out empty fails (gtest's uninstantiated-suite check), so a fixture
// list cannot silently vanish. The suite class, its INSTANTIATE_TEST_SUITE_P and TEST_Ps sit in an
// anonymous namespace: a library type of the same name (seen through `using namespace
// transformers`) then cannot make the suite's name ambiguous.
struct FixtureCase {
  std::string name;          // the fixture folder (with the Auto class where a folder serves several rows)
  transformers::Json entry;  // its index.json / cases.json entry; {"dir": folder} for a plain folder list
};
// gtest prints a failing instance's parameter: the folder, not the struct's bytes.
inline void PrintTo(const FixtureCase& c, std::ostream* os) { *os << c.name; }

// Folders given by name (the lists kept in the test files).
inline std::vector<FixtureCase> folder_cases(const std::vector<std::string>& dirs) {
  std::vector<FixtureCase> r;
  for (const auto& d : dirs) r.push_back({d, transformers::Json{{"dir", d}}});
  return r;
}

// The entries of an index (a JSON array of objects with "dir"), optionally filtered. A folder listed
// more than once (one checkpoint under several Auto classes) is named "<dir>_<auto_class>".
template <typename Keep>
std::vector<FixtureCase> index_cases(const std::string& index_file, Keep keep) {
  const transformers::Json index = transformers::parse_json_file(index_file);
  std::map<std::string, int> uses;
  for (const auto& e : index) ++uses[e["dir"].get<std::string>()];
  std::vector<FixtureCase> r;
  for (const auto& e : index) {
    if (!keep(e)) continue;
    std::string name = e["dir"].get<std::string>();
    if (uses[name] > 1) name += "_" + e.value("auto_class", std::string());
    r.push_back({name, e});
  }
  return r;
}
inline std::vector<FixtureCase> index_cases(const std::string& index_file) {
  return index_cases(index_file, [](const transformers::Json&) { return true; });
}

// A gtest instance name from a fixture name: gtest takes [A-Za-z0-9_] only ("heads/bert-Bert..." ->
// "heads_bert_Bert..."). Two folders that differ only in punctuation would collide, which gtest
// reports as a duplicated test name at startup.
inline std::string param_name(const std::string& s) {
  std::string n = s;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}
struct CaseName {
  std::string operator()(const ::testing::TestParamInfo<FixtureCase>& info) const { return param_name(info.param.name); }
};

}  // namespace testutil
