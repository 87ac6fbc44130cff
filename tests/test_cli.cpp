// The CLI as a black box: forward writes HF-named outputs; bad input is one line and exit 1.
#include "test_util.hpp"

using namespace transformers;
using testutil::fixture;
using testutil::run;
using testutil::TempDir;

namespace {
const std::string kCli = CLI_PATH;
}

TEST(Cli, ForwardWritesHfOutputs) {
  TempDir d;
  std::string out;
  const std::string dir = fixture("bert/mlm");
  ASSERT_EQ(run(kCli + " forward " + dir + " --auto-class AutoModelForMaskedLM --inputs " + dir + "/inputs.safetensors --out " +
                    d / "o.safetensors",
                &out),
            0)
      << out;
  SafeTensorsFile f = SafeTensorsFile::open(d / "o.safetensors");
  EXPECT_TRUE(testutil::allclose(f.get("logits"), SafeTensorsFile::open(dir + "/outputs.safetensors").get("logits")));
  const std::string base = fixture("bert/base");
  ASSERT_EQ(run(kCli + " --reference forward " + base + " --inputs " + base + "/inputs.safetensors --out " + d / "b.safetensors", &out), 0)
      << out;
  SafeTensorsFile b = SafeTensorsFile::open(d / "b.safetensors");
  EXPECT_TRUE(testutil::allclose(b.get("pooler_output"), SafeTensorsFile::open(base + "/outputs.safetensors").get("pooler_output")));
}

TEST(Cli, EnvReport) {
  std::string out;
  ASSERT_EQ(run(kCli + " env", &out), 0);
  for (const char* k : {"\"version\"", "\"cpu_isa\"", "\"threads\"", "\"cuda\"", "\"cache_dir\""})
    EXPECT_NE(out.find(k), std::string::npos) << out;
}

TEST(Cli, ErrorsAreOneLineAndNonZero) {
  TempDir d;
  const std::string base = fixture("bert/base");
  for (const std::string& args : {
           "forward " + d / "nothing" + " --inputs " + base + "/inputs.safetensors",            // not a folder or valid id
           "forward " + base + " --inputs " + d / "missing.safetensors",                        // no inputs file
           "forward " + base + " --auto-class AutoModelForCausalLM --inputs " + base + "/inputs.safetensors",
           "forward " + base + " --inputs " + base + "/config.json",                             // not safetensors
           "forward " + base + " --device cuda:0 --inputs " + base + "/inputs.safetensors --out " + d / "x.safetensors",
           "download org/x --endpoint http://127.0.0.1:9 --cache-dir " + d / "c",               // nothing listens there
       }) {
    std::string out;
    EXPECT_EQ(run(kCli + " " + args, &out), 1) << args << "\n" << out;
    EXPECT_EQ(out.rfind("error: ", 0), 0u) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  }
  std::string out;
  EXPECT_NE(run(kCli + " forward", &out), 0);  // usage error
}
