// Tests must not depend on the machine they run on: variables a user's shell may carry (an offline
// switch, a Hub token or mirror, a cache elsewhere, the reference-kernel switch) change what the
// library does, so every test process starts without them. The CLI tests' child processes inherit
// the cleaned environment. Dates are fixed where templates read the clock (ChatTemplateOptions::now).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace {

constexpr const char* kLibraryVariables[] = {
    "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT",          "HF_TOKEN",          "HUGGING_FACE_HUB_TOKEN",
    "HF_TOKEN_PATH",  "HF_HOME",              "HF_HUB_CACHE",         "HF_HUB_DISABLE_IMPLICIT_TOKEN",
    "HF_HUB_ETAG_TIMEOUT", "HF_HUB_DOWNLOAD_TIMEOUT", "TRANSFORMERS_CPP_REFERENCE"};

class HermeticEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    for (const char* v : kLibraryVariables) unsetenv(v);
  }
};

[[maybe_unused]] ::testing::Environment* const kHermetic = ::testing::AddGlobalTestEnvironment(new HermeticEnvironment);

}  // namespace

TEST(TestEnvironment, LibraryVariablesAreCleared) {
  for (const char* v : kLibraryVariables) EXPECT_EQ(std::getenv(v), nullptr) << v;
}
