// Encoder-decoder models against fixtures/seq2seq (scripts/make_seq2seq_fixtures.py): logits and
// encoder states of a padded batch, generate() sequences for greedy / beam / processors / forced
// tokens / eos, cached decoding equal to the full forward, the other Auto classes, bad input.
#include "io/json.hpp"
#include "models/seq2seq.hpp"
#include "ops/ops.hpp"
#include "test_util.hpp"
#include "transformers/pipelines.hpp"

using namespace transformers;
using testutil::fixture;
using testutil::read_inputs;
using testutil::rows;

namespace {

// The folders of fixtures/seq2seq the parameterized tests run, one instance per folder named after it.
const std::vector<std::string> kArchs = {"bart", "mbart", "marian", "marian-separate", "pegasus", "m2m_100", "t5", "t5-v1_1"};
const std::vector<std::string> kCachedArchs = {"bart", "m2m_100", "t5", "marian"};

void expect_outputs(PreTrainedModel& m, const std::string& dir, const ModelInputs& in) {
  ModelOutput out = m.forward(in);
  SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs.safetensors");
  for (const auto& t : ref.tensors()) {
    ASSERT_TRUE(out.has(t.name)) << t.name;
    EXPECT_TRUE(testutil::allclose(out[t.name], ref.get(t.name))) << t.name;
  }
}


class Seq2Seq : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, Seq2Seq, ::testing::ValuesIn(testutil::folder_cases(kArchs)), testutil::CaseName());

TEST_P(Seq2Seq, LogitsAndEncoderStatesMatchPython) {
  const std::string dir = fixture("seq2seq/" + GetParam().name);
  testutil::with_each_kernel_mode(dir, [&] {
    auto m = AutoModelForSeq2SeqLM::from_pretrained(dir);
    EXPECT_EQ(m->class_name(), parse_json_file(dir + "/generate.json")["class"].get<std::string>());
    EXPECT_TRUE(m->loading_info().missing_keys.empty());
    expect_outputs(*m, dir, read_inputs(dir));
  });
}

TEST_P(Seq2Seq, GenerateSequencesEqualPython) {
  const std::string arch = GetParam().name;
  const std::string dir = fixture("seq2seq/" + arch);
  auto m = AutoModelForSeq2SeqLM::from_pretrained(dir);
  ModelInputs in = read_inputs(dir);
  const Json cases = parse_json_file(dir + "/generate.json")["cases"];
  ASSERT_EQ(cases.size(), 7u);
  for (const Json& c : cases) {
    SCOPED_TRACE(arch + " / " + c["name"].get<std::string>());
    const GenerationConfig g = GenerationConfig::from_json_string(c["kwargs"].dump());
    EXPECT_EQ(rows(m->generate(in["input_ids"], g, in["attention_mask"]).sequences), c["sequences"].get<std::vector<std::vector<int64_t>>>());
  }
}
}  // namespace

TEST(Seq2Seq, AttentionMaskIsInferredFromPads) {
  // Without an attention mask, generate() masks the pad tokens of input_ids as Python does.
  const std::string dir = fixture("seq2seq/bart");
  auto m = AutoModelForSeq2SeqLM::from_pretrained(dir);
  ModelInputs in = read_inputs(dir);
  const Json c = parse_json_file(dir + "/generate.json")["cases"][0];
  const GenerationConfig g = GenerationConfig::from_json_string(c["kwargs"].dump());
  EXPECT_EQ(rows(m->generate(in["input_ids"], g).sequences), c["sequences"].get<std::vector<std::vector<int64_t>>>());
}

namespace {
class Seq2SeqCached : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, Seq2SeqCached, ::testing::ValuesIn(testutil::folder_cases(kCachedArchs)), testutil::CaseName());

TEST_P(Seq2SeqCached, CachedDecodeEqualsFullForward) {
  const std::string dir = fixture("seq2seq/" + GetParam().name);
  auto m = AutoModelForSeq2SeqLM::from_pretrained(dir);
  ModelInputs in = read_inputs(dir);
  ModelOutput full = m->forward(in);
  auto& g = dynamic_cast<GenerativeModel&>(*m);
  nn::KVCache cache(g.num_cache_layers());
  cache.encoder_hidden_states = full["encoder_last_hidden_state"];
  cache.encoder_attention_mask = in["attention_mask"];
  const Tensor dec = in["decoder_input_ids"];
  const int64_t B = dec.size(0), T = dec.size(1);
  Tensor first = g.forward_cached(dec.slice(1, 0, 2).contiguous(), {}, Tensor::full({B, 2}, 1.0, DType::I64), cache, false);
  EXPECT_TRUE(testutil::allclose(first, full["logits"].slice(1, 0, 2).contiguous()));
  for (int64_t t = 2; t < T; ++t) {
    Tensor step = g.forward_cached(dec.slice(1, t, t + 1).contiguous(), {}, Tensor::full({B, t + 1}, 1.0, DType::I64), cache, true);
    EXPECT_TRUE(testutil::allclose(step, full["logits"].slice(1, t, t + 1).contiguous())) << "step " << t;
  }
  EXPECT_EQ(cache.get_seq_length(), T);
}
}  // namespace

// fixtures/seq2seq/index.json: the task heads and base models of the encoder-decoder families.
namespace {
class Seq2SeqHeads : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, Seq2SeqHeads, ::testing::ValuesIn(testutil::index_cases(fixture("seq2seq/index.json"))), testutil::CaseName());

TEST_P(Seq2SeqHeads, TaskHeadsAndBaseModelsMatchPython) {
  const Json& e = GetParam().entry;
  const std::string dir = fixture("seq2seq/" + e["dir"].get<std::string>());
  auto m = auto_model_from_pretrained(e["auto_class"].get<std::string>(), dir);
  EXPECT_EQ(m->class_name(), e["class"].get<std::string>());
  EXPECT_TRUE(m->loading_info().missing_keys.empty());
  expect_outputs(*m, dir, read_inputs(dir));
}
}  // namespace

TEST(Seq2Seq, TiedAndSeparateEmbeddings) {
  auto bart = AutoModelForSeq2SeqLM::from_pretrained(fixture("seq2seq/bart"));
  EXPECT_EQ(bart->get_parameter("lm_head.weight").data_ptr(), bart->get_parameter("model.shared.weight").data_ptr());
  EXPECT_EQ(bart->get_parameter("model.decoder.embed_tokens.weight").data_ptr(), bart->get_parameter("model.shared.weight").data_ptr());
  // v5 ties T5 v1.1's lm_head too (T5Config forces tie_word_embeddings) but, as the config says,
  // does not rescale the decoder output: the logits test covers the scale.
  auto t5 = AutoModelForSeq2SeqLM::from_pretrained(fixture("seq2seq/t5-v1_1"));
  EXPECT_EQ(t5->get_parameter("lm_head.weight").data_ptr(), t5->get_parameter("shared.weight").data_ptr());
  auto marian = AutoModelForSeq2SeqLM::from_pretrained(fixture("seq2seq/marian-separate"));
  EXPECT_EQ(marian->get_parameter("lm_head.weight").size(0), 256);
  EXPECT_EQ(marian->get_parameter("model.encoder.embed_tokens.weight").size(0), 300);
  EXPECT_THROW(marian->get_parameter("model.shared.weight"), WeightNotFound);
}

TEST(Seq2Seq, BadInputIsATypedError) {
  const std::string dir = fixture("seq2seq/bart");
  auto m = AutoModelForSeq2SeqLM::from_pretrained(dir);
  ModelInputs in = read_inputs(dir);
  GenerationConfig g;
  g.max_new_tokens = 3;
  EXPECT_THROW(m->generate(Tensor::from_ints({5, 999}, {1, 2}), g), ValueError);  // outside the vocabulary
  EXPECT_THROW(m->generate(Tensor::empty({1, 0}, DType::I64), g), ValueError);
  EXPECT_THROW(m->generate(in["input_ids"], g, Tensor::full({2, 3}, 1.0, DType::I64)), ShapeMismatch);
  std::vector<int64_t> longp(70, 5);
  EXPECT_THROW(m->forward({{"input_ids", Tensor::from_ints(longp, {1, 70})}}), ValueError);  // beyond max_position_embeddings
  ModelInputs bad = in;
  bad["decoder_input_ids"] = Tensor::from_ints({2, 5}, {1, 2});  // batch 1 against 2
  EXPECT_THROW(m->forward(bad), ShapeMismatch);
  auto marian = AutoModelForSeq2SeqLM::from_pretrained(fixture("seq2seq/marian"));
  ModelInputs no_dec = in;
  no_dec.erase("decoder_input_ids");
  EXPECT_THROW(marian->forward(no_dec), ValueError);  // Marian does not derive decoder inputs
  EXPECT_NO_THROW(m->forward(no_dec));                 // BART shifts input_ids
  FromPretrainedOptions few_buckets;
  few_buckets.config_overrides["relative_attention_num_buckets"] = "2";
  EXPECT_THROW(AutoModelForSeq2SeqLM::from_pretrained(fixture("seq2seq/t5"), few_buckets), ConfigError);
  auto cls = AutoModelForSequenceClassification::from_pretrained(fixture("seq2seq/heads/bart-BartForSequenceClassification"));
  EXPECT_THROW(cls->forward({{"input_ids", Tensor::from_ints({5, 2, 6, 2, 7, 8, 9, 2}, {2, 4})}}), ValueError);  // unequal eos counts
}

TEST(Seq2Seq, Text2TextSummarizationAndTranslationPipelines) {
  const std::string dir = fixture("seq2seq/text2text");
  const Json golden = parse_json_file(dir + "/golden.json");
  const auto texts = golden["texts"].get<std::vector<std::string>>();
  for (const auto& [task, expected] : golden["outputs"].items()) {
    SCOPED_TRACE(task);
    auto p = Text2TextGenerationPipeline::from_pretrained(dir, task);
    GenerationConfig g;
    if (task == "text2text-generation") g.max_new_tokens = 8;
    EXPECT_EQ((*p)(texts, g), expected.get<std::vector<std::string>>());
  }
  EXPECT_EQ(Text2TextGenerationPipeline::from_pretrained(dir, "summarization")->output_key(), "summary_text");
  EXPECT_EQ(Text2TextGenerationPipeline::from_pretrained(dir, "translation_en_to_de")->prefix(), "translate English to German: ");
  EXPECT_THROW(Text2TextGenerationPipeline::from_pretrained(dir, "speech"), ValueError);
}

// Hub-layout translation folders whose tokenizers are slow SentencePiece classes (Marian, M2M100):
// the inputs, generated sequences and translation_text as v4's TranslationPipeline gave them, with
// M2M100's src_lang code first and tgt_lang forced as the first generated token.
TEST(Seq2Seq, TranslationPipelineWithSlowTokenizersAndLanguages) {
  for (const char* name : {"translation-marian", "translation-m2m100"}) {
    SCOPED_TRACE(name);
    const std::string dir = fixture(std::string("seq2seq/") + name);
    const Json golden = parse_json_file(dir + "/golden.json");
    const auto texts = golden["texts"].get<std::vector<std::string>>();
    auto p = Text2TextGenerationPipeline::from_pretrained(dir, "translation");
    for (const Json& c : golden["cases"]) {
      std::vector<std::string> want;
      const bool langs = c["src_lang"].is_string();
      if (langs) p->set_languages(c["src_lang"], c["tgt_lang"]);
      for (const Json& o : c["outputs"]) want.push_back(o["translation_text"]);
      GenerationConfig g0;
      g0.max_new_tokens = 8;
      EXPECT_EQ((*p)(texts, g0), want);
      for (size_t i = 0; i < texts.size(); ++i) {  // the pipeline has set src_lang
        const Json& o = c["outputs"][i];
        EXPECT_EQ(p->tokenizer().encode(texts[i]).ids, o["input_ids"].get<std::vector<int64_t>>());
        GenerationConfig g;
        g.max_new_tokens = 8;
        if (langs) g.forced_bos_token_id = p->tokenizer().lang_id(c["tgt_lang"]);
        const auto ids = o["input_ids"].get<std::vector<int64_t>>();
        const auto seq = p->model().generate(Tensor::from_ints(ids, {1, static_cast<int64_t>(ids.size())}), g).sequences.to_ints();
        EXPECT_EQ(seq, o["sequence"].get<std::vector<int64_t>>());
      }
    }
  }
  // M2M100 needs both languages; the task name can give them.
  const std::string m2m = fixture("seq2seq/translation-m2m100");
  GenerationConfig g;
  g.max_new_tokens = 8;
  EXPECT_THROW((*Text2TextGenerationPipeline::from_pretrained(m2m, "translation"))({"Hello"}, g), ValueError);
  const Json golden = parse_json_file(m2m + "/golden.json");
  EXPECT_EQ((*Text2TextGenerationPipeline::from_pretrained(m2m, "translation_fr_to_de"))({golden["texts"][0]}, g)[0],
            golden["cases"][0]["outputs"][0]["translation_text"].get<std::string>());
  auto bad = Text2TextGenerationPipeline::from_pretrained(m2m, "translation_fr_to_qq");
  EXPECT_THROW((*bad)({"Hello"}, g), ValueError);
}

TEST(Seq2Seq, WhisperMatchesPython) {
  const std::string dir = fixture("seq2seq/whisper");
  for (bool reference : {false, true}) {
    ops::set_reference_mode(reference);
    auto m = AutoModelForSpeechSeq2Seq::from_pretrained(dir);
    EXPECT_EQ(m->class_name(), "WhisperForConditionalGeneration");
    EXPECT_TRUE(m->loading_info().missing_keys.empty());
    expect_outputs(*m, dir, read_inputs(dir));
  }
  ops::set_reference_mode(false);
  auto m = AutoModelForSpeechSeq2Seq::from_pretrained(dir);
  EXPECT_EQ(m->get_parameter("proj_out.weight").data_ptr(), m->get_parameter("model.decoder.embed_tokens.weight").data_ptr());
  const Tensor feats = read_inputs(dir)["input_features"];
  const Json cases = parse_json_file(dir + "/generate.json")["cases"];
  ASSERT_EQ(cases.size(), 4u);  // greedy, beam, processors, prompt_ids
  for (const Json& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const GenerationConfig g = GenerationConfig::from_json_string(c["kwargs"].dump());
    EXPECT_EQ(rows(m->generate(feats, g).sequences), c["sequences"].get<std::vector<std::vector<int64_t>>>());
  }
  // 40 frames where the model wants 2 * max_source_positions = 50
  EXPECT_THROW(m->forward({{"input_features", Tensor::zeros({1, 16, 40})}, {"decoder_input_ids", Tensor::from_ints({250}, {1, 1})}}), ValueError);
  EXPECT_THROW(AutoModelForSeq2SeqLM::from_pretrained(dir), ValueError);  // Python maps Whisper to SpeechSeq2Seq only
  // WhisperTokenizer.get_prompt_ids, for prompt_ids; other models refuse prompt_ids.
  const Json p = parse_json_file(dir + "/prompt_ids.json");
  const auto tok = AutoTokenizer::from_pretrained(testutil::fixture(p["tokenizer"].get<std::string>()));
  for (const Json& c : p["cases"]) EXPECT_EQ(tok->get_prompt_ids(c["text"]), c["ids"].get<std::vector<int64_t>>()) << c["text"];
  EXPECT_THROW(tok->get_prompt_ids("a <|endoftext|> b"), ValueError);
  GenerationConfig bad;
  bad.prompt_ids = std::vector<int64_t>{1, 2};
  auto lm = AutoModelForCausalLM::from_pretrained(testutil::fixture("decoders/llama"));
  EXPECT_THROW(lm->generate(Tensor::from_ints({1, 5}, {1, 2}), bad), ValueError);
}

