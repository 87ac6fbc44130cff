// Decoder-only LMs against fixtures/decoders (scripts/make_decoder_fixtures.py): logits of a
// left-padded batch, generate() sequences for greedy / beam / processors / eos, KV-cache decode
// equal to full recompute, bf16 and sharded checkpoints, decoder task heads, sampling, bad input.
#include <set>

#include "io/json.hpp"
#include "models/generative.hpp"
#include "ops/dispatch.hpp"
#include "ops/ops.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::fixture;
using testutil::read_inputs;
using testutil::rows;

namespace {

// The folders of fixtures/decoders each parameterized test runs, one instance per folder named after
// it (Fixtures/Decoders.GenerateSequencesEqualPython/llama).
const std::vector<std::string> kArchs = {
    "llama", "llama-dynamic", "llama-yarn", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "gemma3_text", "olmo2", "granite", "smollm3", "phi3",
    "gpt2", "mixtral", "qwen3_moe", "phi", "stablelm", "stablelm-serial", "gpt_neox", "gpt_neox-serial", "opt", "opt-postnorm", "gpt_oss",
    "deepseek_v3", "deepseek_v3-noqlora", "falcon", "falcon-new", "falcon-seq", "falcon-alibi", "starcoder2", "qwen2_moe", "ernie4_5", "glm4", "glm",
    "cohere", "cohere-noqk", "cohere2", "ministral", "helium", "seed_oss", "olmo3", "exaone4", "hunyuan_v1_dense", "olmo"};
// (Phi-3's LongRoPE and dynamic rope switch frequencies with the length, in Python too.)
const std::vector<std::string> kCachedArchs = {"llama", "gemma2", "mistral", "qwen2", "gemma3_text", "olmo2",
                                               "gpt2", "gpt_neox", "opt", "gpt_oss", "deepseek_v3"};

void expect_logits(PreTrainedModel& m, const std::string& dir) {
  ModelOutput out = m.forward(read_inputs(dir));
  SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs.safetensors");
  EXPECT_TRUE(testutil::allclose(out["logits"], ref.get("logits")));
}


class Decoders : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, Decoders, ::testing::ValuesIn(testutil::folder_cases(kArchs)), testutil::CaseName());

TEST_P(Decoders, LogitsOfAPaddedBatchMatchPython) {
  const std::string dir = fixture("decoders/" + GetParam().name);
  testutil::with_each_kernel_mode(dir, [&] {
    auto m = AutoModelForCausalLM::from_pretrained(dir);
    const Json g = parse_json_file(dir + "/generate.json");
    EXPECT_EQ(m->class_name(), g["class"].get<std::string>());
    EXPECT_TRUE(m->loading_info().missing_keys.empty());
    EXPECT_TRUE(m->loading_info().unexpected_keys.empty());
    expect_logits(*m, dir);
  });
}

TEST_P(Decoders, GenerateSequencesEqualPython) {
  const std::string arch = GetParam().name;
  const std::string dir = fixture("decoders/" + arch);
  auto m = AutoModelForCausalLM::from_pretrained(dir);
  ModelInputs in = read_inputs(dir);
  const Json cases = parse_json_file(dir + "/generate.json")["cases"];
  for (const Json& c : cases) {
    SCOPED_TRACE(arch + " / " + c["name"].get<std::string>());
    const GenerationConfig g = GenerationConfig::from_json_string(c["kwargs"].dump());
    GenerateOutput out = m->generate(in["input_ids"], g, in["attention_mask"]);
    EXPECT_EQ(rows(out.sequences), c["sequences"].get<std::vector<std::vector<int64_t>>>());
  }
}

class DecodersCached : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, DecodersCached, ::testing::ValuesIn(testutil::folder_cases(kCachedArchs)), testutil::CaseName());

TEST_P(DecodersCached, CachedDecodeEqualsFullRecompute) {
  const std::string arch = GetParam().name;
  auto m = AutoModelForCausalLM::from_pretrained(fixture("decoders/" + arch));
  auto& g = dynamic_cast<GenerativeModel&>(*m);
  const std::vector<int64_t> seq = {1, 17, 200, 33, 99, 4, 61, 5, 9, 250, 77, 3};
  const int64_t S = static_cast<int64_t>(seq.size());
  Tensor full = m->forward({{"input_ids", Tensor::from_ints(seq, {1, S})}})["logits"];
  nn::KVCache cache(g.num_cache_layers());
  // prompt of 5, then one token at a time
  std::vector<int64_t> ones(static_cast<size_t>(S), 1), pos(static_cast<size_t>(S));
  for (int64_t i = 0; i < S; ++i) pos[i] = i;
  Tensor first = g.forward_cached(Tensor::from_ints({seq.begin(), seq.begin() + 5}, {1, 5}), Tensor::from_ints({pos.begin(), pos.begin() + 5}, {1, 5}),
                                  Tensor::from_ints({ones.begin(), ones.begin() + 5}, {1, 5}), cache, false);
  EXPECT_TRUE(testutil::allclose(first, full.slice(1, 0, 5).contiguous()));
  for (int64_t t = 5; t < S; ++t) {
    Tensor step = g.forward_cached(Tensor::from_ints({seq[t]}, {1, 1}), Tensor::from_ints({t}, {1, 1}),
                                   Tensor::from_ints({ones.begin(), ones.begin() + t + 1}, {1, t + 1}), cache, true);
    EXPECT_TRUE(testutil::allclose(step, full.slice(1, t, t + 1).contiguous())) << "step " << t;
  }
  EXPECT_EQ(cache.get_seq_length(), S);
  if (arch == "mistral") {
    EXPECT_LE(cache.stored(0), 8);  // window 4: old keys dropped
  } else if (arch == "llama") {
    EXPECT_EQ(cache.stored(0), S);
  }
}
}  // namespace

TEST(Decoders, Bf16AndShardedCheckpoints) {
  for (const char* name : {"llama-bf16", "llama-sharded"}) {
    const std::string dir = fixture(std::string("decoders/") + name);
    SCOPED_TRACE(dir);
    auto m = AutoModelForCausalLM::from_pretrained(dir);
    ops::set_reference_mode(true);  // bf16 weights widened exactly: fp32 parity with Python
    expect_logits(*m, dir);
    ops::set_reference_mode(false);
    if (std::string(name) == "llama-bf16" && ops::cpu_isa().avx512_bf16) {
      // AVX-512-BF16 GEMMs round the activations to bf16 too (fp32 accumulation): the stated bf16
      // tolerance against the fp32 reference.
      SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs.safetensors");
      EXPECT_TRUE(testutil::allclose(m->forward(read_inputs(dir))["logits"], ref.get("logits"), 5e-2, 2e-2));
    } else {
      expect_logits(*m, dir);
    }
  }
  auto bf = AutoModelForCausalLM::from_pretrained(fixture("decoders/llama-bf16"));
  EXPECT_EQ(bf->get_parameter("model.layers.0.self_attn.q_proj.weight").dtype(), DType::BF16);  // used as stored
}

TEST(Decoders, TiedEmbeddingsNeedNoLmHead) {
  auto m = AutoModelForCausalLM::from_pretrained(fixture("decoders/qwen3"));
  EXPECT_FALSE(m->loading_info().tied_keys.empty());
  EXPECT_EQ(m->get_parameter("lm_head.weight").data_ptr(), m->get_parameter("model.embed_tokens.weight").data_ptr());
}

// fixtures/decoders/index.json: the task heads (and AutoModel) of the decoder families.
namespace {
class DecoderHeads : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, DecoderHeads, ::testing::ValuesIn(testutil::index_cases(fixture("decoders/index.json"))), testutil::CaseName());

TEST_P(DecoderHeads, TaskHeadsMatchPython) {
  const Json& e = GetParam().entry;
  const std::string dir = fixture("decoders/" + e["dir"].get<std::string>());
  auto m = auto_model_from_pretrained(e["auto_class"].get<std::string>(), dir);
  EXPECT_EQ(m->class_name(), e["class"].get<std::string>());
  EXPECT_TRUE(m->loading_info().missing_keys.empty());
  ModelOutput out = m->forward(read_inputs(dir));
  SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs.safetensors");
  for (const auto& t : ref.tensors()) {
    ASSERT_TRUE(out.has(t.name)) << t.name;
    EXPECT_TRUE(testutil::allclose(out[t.name], ref.get(t.name))) << t.name;
  }
}
}  // namespace

TEST(Decoders, SamplingIsSeededAndRespectsTopK) {
  auto m = AutoModelForCausalLM::from_pretrained(fixture("decoders/llama"));
  const Tensor ids = Tensor::from_ints({1, 17, 200, 33}, {1, 4});
  GenerationConfig g;
  g.do_sample = true, g.top_k = 3, g.temperature = 1.5, g.max_new_tokens = 12, g.seed = 42, g.eos_token_id = std::vector<int64_t>{};
  const auto a = m->generate(ids, g).sequences.to_ints(), b = m->generate(ids, g).sequences.to_ints();
  EXPECT_EQ(a, b);
  g.seed = 43;
  std::set<std::vector<int64_t>> distinct{a};
  for (uint64_t s = 43; s < 53; ++s) {
    g.seed = s;
    distinct.insert(m->generate(ids, g).sequences.to_ints());
  }
  EXPECT_GT(distinct.size(), 3u);  // the seed matters
  // Every sampled token is among the top 3 of the logits at its step.
  for (const auto& seq : distinct) {
    for (size_t t = 4; t < seq.size(); ++t) {
      Tensor logits = m->forward({{"input_ids", Tensor::from_ints({seq.begin(), seq.begin() + t}, {1, static_cast<int64_t>(t)})}})["logits"];
      auto row = logits.select(1, static_cast<int64_t>(t) - 1).to_floats();
      const float chosen = row[static_cast<size_t>(seq[t])];
      int better = 0;
      for (float v : row) better += v > chosen;
      EXPECT_LT(better, 3) << "token " << seq[t] << " at step " << t;
    }
  }
  // top_k = 1 is greedy.
  g.top_k = 1;
  GenerationConfig greedy;
  greedy.max_new_tokens = 12, greedy.eos_token_id = std::vector<int64_t>{};
  EXPECT_EQ(m->generate(ids, g).sequences.to_ints(), m->generate(ids, greedy).sequences.to_ints());
  // top_p / min_p / typical_p keep the most likely token, and with a tiny mass only it.
  for (int which = 0; which < 3; ++which) {
    GenerationConfig h = greedy;
    h.do_sample = true, h.top_k = 0, h.seed = 7;
    if (which == 0) h.top_p = 1e-6;
    if (which == 1) h.min_p = 0.999;
    if (which == 2) h.typical_p = 1e-6;
    if (which != 2) EXPECT_EQ(m->generate(ids, h).sequences.to_ints(), m->generate(ids, greedy).sequences.to_ints()) << which;
    else EXPECT_EQ(m->generate(ids, h).sequences.size(1), 16);
  }
}

TEST(Decoders, StreamerSeesEveryToken) {
  auto m = AutoModelForCausalLM::from_pretrained(fixture("decoders/mistral"));
  std::vector<int64_t> seen;
  GenerateHooks hooks;
  hooks.on_tokens = [&](const std::vector<int64_t>& t) { seen.push_back(t.at(0)); };
  GenerationConfig g;
  g.max_new_tokens = 6;
  const auto seq = m->generate(Tensor::from_ints({1, 5, 9}, {1, 3}), g, {}, hooks).sequences.to_ints();
  EXPECT_EQ(std::vector<int64_t>(seq.begin() + 3, seq.end()), seen);
}

TEST(Decoders, BadGenerateArgumentsAreClearErrors) {
  auto m = AutoModelForCausalLM::from_pretrained(fixture("decoders/llama"));
  const Tensor ids = Tensor::from_ints({1, 17, 200}, {1, 3});
  auto with = [](auto f) { GenerationConfig g; f(g); return g; };
  EXPECT_THROW(m->generate(ids, with([](auto& g) { g.max_new_tokens = 0; })), ValueError);
  EXPECT_THROW(m->generate(ids, with([](auto& g) { g.max_new_tokens = -3; })), ValueError);
  EXPECT_THROW(m->generate(ids, with([](auto& g) { g.max_length = 3; })), ValueError);
  EXPECT_THROW(m->generate(ids, with([](auto& g) { g.num_beams = 0; })), ValueError);  // Python: ZeroDivisionError
  EXPECT_THROW(m->generate(ids, with([](auto& g) { g.num_beams = 2, g.num_return_sequences = 3; })), ValueError);
  EXPECT_THROW(m->generate(ids, with([](auto& g) { g.do_sample = true, g.temperature = 0.0; })), ValueError);
  EXPECT_THROW(m->generate(ids, with([](auto& g) { g.do_sample = true, g.top_p = -0.5; })), ValueError);  // > 1 only warns (test_generation.cpp)
  // Ids outside the vocabulary: eos / suppress ids never match (as Python, fixtures/generation/errors.json),
  // but a bad word or a forced eos there is an error (Python: ValueError / IndexError).
  EXPECT_THROW(m->generate(ids, with([](auto& g) { g.bad_words_ids = std::vector<std::vector<int64_t>>{{999}}; })), ValueError);
  EXPECT_THROW(m->generate(ids, with([](auto& g) { g.forced_eos_token_id = 999; })), ValueError);
  EXPECT_THROW(m->generate(ids, with([](auto& g) { g.stop_strings = std::vector<std::string>{"x"}; })), ValueError);
  EXPECT_THROW(m->generate(Tensor::empty({1, 0}, DType::I64)), ValueError);
  EXPECT_THROW(m->generate(Tensor::from_ints({1, 300}, {1, 2})), ValueError);
  std::vector<int64_t> longp(65, 5);
  EXPECT_THROW(m->generate(Tensor::from_ints(longp, {1, 65})), ValueError);  // beyond max_position_embeddings
  EXPECT_THROW(GenerationConfig::from_json_string(R"({"max_new_tokens": "ten"})"), JsonError);
  EXPECT_THROW(GenerationConfig::from_json_string(R"({"early_stopping": 3})"), JsonError);
  EXPECT_THROW(m->generate(ids, GenerationConfig::from_json_string(R"({"early_stopping": "sometimes"})")), ValueError);
  auto enc = AutoModel::from_pretrained(fixture("bert/base"));
  EXPECT_THROW(enc->generate(ids), ValueError);
}

TEST(Decoders, GenerationConfigMergesOverTheModelsOwn) {
  auto m = AutoModelForCausalLM::from_pretrained(fixture("decoders/llama"));
  ASSERT_TRUE(m->generation_config().eos_token_id.has_value());
  EXPECT_EQ(*m->generation_config().eos_token_id, std::vector<int64_t>{2});
  GenerationConfig over;
  over.max_new_tokens = 4;
  const GenerationConfig merged = over.merged_over(m->generation_config());
  EXPECT_EQ(merged.max_new_tokens, 4);
  EXPECT_EQ(merged.pad_token_id, 0);
  EXPECT_EQ(*merged.eos_token_id, std::vector<int64_t>{2});
}

TEST(Decoders, TextGenerationPipelineEqualsPython) {
  const std::string dir = fixture("decoders/textgen");
  auto pipe = TextGenerationPipeline::from_pretrained(dir);
  const Json golden = parse_json_file(dir + "/golden.json");
  GenerationConfig g;
  g.max_new_tokens = 8, g.do_sample = false;
  for (const Json& p : golden["prompts"]) {
    std::string streamed;
    const auto out = (*pipe)({p["prompt"].get<std::string>()}, g, [&](const std::string& t) { streamed += t; });
    EXPECT_EQ(out.at(0), p["generated_text"].get<std::string>());
    EXPECT_EQ(p["prompt"].get<std::string>() + streamed, out.at(0));  // the stream adds up to the same text
  }
  for (const Json& c : golden["chat"]) EXPECT_EQ(pipe->chat(c["messages"].dump(), g), c["reply"].get<std::string>());
}

TEST(Decoders, Int8WeightOnlyQuantizationStaysClose) {
  // Accuracy of int8 weight-only against the fp32 model on the padded fixture batch: logits
  // within 3% of their range, and the same greedy continuation.
  const std::string dir = fixture("decoders/llama");
  auto ref = AutoModelForCausalLM::from_pretrained(dir);
  FromPretrainedOptions o;
  o.quantization = "int8";
  auto q = AutoModelForCausalLM::from_pretrained(dir, o);
  EXPECT_EQ(q->get_parameter("model.layers.0.mlp.down_proj.weight").dtype(), DType::I8);
  ModelInputs in = read_inputs(dir);
  const auto a = ref->forward(in)["logits"].to_floats(), b = q->forward(in)["logits"].to_floats();
  float lo = 0, hi = 0, worst = 0;
  for (size_t i = 0; i < a.size(); ++i) lo = std::min(lo, a[i]), hi = std::max(hi, a[i]), worst = std::max(worst, std::fabs(a[i] - b[i]));
  EXPECT_LT(worst, 0.03f * (hi - lo)) << "max |diff| " << worst << " over a logit range of " << hi - lo;
  // Top-1 agreement over the positions that carry tokens (a random 32-wide model has small
  // margins, so a few flips are expected).
  const auto mask = in["attention_mask"].to_ints();
  int agree = 0, total = 0;
  for (size_t pos = 0; pos < mask.size(); ++pos) {
    if (!mask[pos]) continue;
    auto arg = [&](const std::vector<float>& v) { return std::max_element(v.begin() + pos * 256, v.begin() + (pos + 1) * 256) - v.begin(); };
    agree += arg(a) == arg(b);
    ++total;
  }
  EXPECT_GE(agree * 10, total * 8) << agree << " of " << total << " top-1 tokens agree";
  std::printf("int8 weight-only vs fp32: max |logit diff| %.4f over a range of %.2f, top-1 agreement %d/%d\n", worst, hi - lo, agree, total);
  for (bool reference : {true, false}) {  // the reference kernels apply the scales too
    ops::set_reference_mode(reference);
    EXPECT_TRUE(testutil::allclose(q->forward(in)["logits"], Tensor::from_floats(b, {2, 7, 256}), 1e-3, 1e-3));
  }
  ops::set_reference_mode(false);
  o.quantization = "int4";
  EXPECT_THROW(AutoModelForCausalLM::from_pretrained(dir, o), ValueError);
}

TEST(Decoders, StopStringsEndGenerationAsPython) {
  const std::string dir = fixture("decoders/textgen");
  auto pipe = TextGenerationPipeline::from_pretrained(dir);
  const Json s = parse_json_file(dir + "/golden.json")["stop"];
  const auto prompt = s["prompt_ids"].get<std::vector<int64_t>>();
  GenerationConfig g;
  g.max_new_tokens = 8, g.do_sample = false;
  const Tensor ids = Tensor::from_ints(prompt, {1, static_cast<int64_t>(prompt.size())});
  EXPECT_EQ(pipe->model().generate(ids, g).sequences.to_ints(), s["full"].get<std::vector<int64_t>>());
  g.stop_strings = std::vector<std::string>{s["stop_string"].get<std::string>()};
  GenerateHooks hooks;
  hooks.tokenizer = &pipe->tokenizer();
  EXPECT_EQ(pipe->model().generate(ids, g, {}, hooks).sequences.to_ints(), s["sequence"].get<std::vector<int64_t>>());
  g.stop_strings = std::vector<std::string>{"never-produced"};  // runs to max_new_tokens
  EXPECT_EQ(pipe->model().generate(ids, g, {}, hooks).sequences.to_ints(), s["full"].get<std::vector<int64_t>>());
}

// gpt-oss as released: experts packed in MXFP4 (fixtures/mxfp4, scripts/make_mxfp4_fixtures.py;
// transformers reads the same checkpoint back to the same logits).
TEST(Decoders, GptOssMxfp4CheckpointMatchesPython) {
  const std::string dir = fixture("mxfp4/gpt_oss-mxfp4");
  const SafeTensorsFile gold = SafeTensorsFile::open(dir + "/goldens.safetensors");
  testutil::with_each_kernel_mode("gpt_oss-mxfp4", [&] {
    auto m = AutoModelForCausalLM::from_pretrained(dir);
    EXPECT_EQ(m->get_parameter("model.layers.1.mlp.experts.down_proj").shape(), (Shape{4, 32, 64}));
    EXPECT_TRUE(testutil::allclose(m->forward({{"input_ids", gold.get("input_ids")}})["logits"], gold.get("logits")));
    GenerationConfig g;
    g.max_new_tokens = 6, g.do_sample = false;
    EXPECT_EQ(testutil::rows(m->generate(gold.get("input_ids"), g).sequences), testutil::rows(gold.get("greedy")));
  });
  // Other quantization methods are refused by name.
  Json cfg = parse_json_file(dir + "/config.json");
  cfg["quantization_config"]["quant_method"] = "gptq";
  EXPECT_THROW(AutoModelForCausalLM::from_config(AutoConfig::from_json_string(cfg.dump())), ConfigError);
}
