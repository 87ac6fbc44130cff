// Speech encoders against fixtures/speech (scripts/make_speech_fixtures.py): Wav2Vec2 (group-norm
// post-norm and layer-norm stable variants) and HuBERT for every Auto class, on a padded batch with
// its sample-level attention mask and on one unpadded waveform; legacy weight-norm names; the
// Wav2Vec2CTCTokenizer's encoding and CTC decoding; bad input.
#include "io/json.hpp"
#include "models/whisper/generation_whisper.hpp"
#include "ops/ops.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::fixture;

namespace {

void expect_matches(PreTrainedModel& m, const std::string& dir) {
  SafeTensorsFile in = SafeTensorsFile::open(fixture("speech/inputs.safetensors"));
  SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs.safetensors");
  const ModelOutput batch = m.forward({{"input_values", in.get("batch.input_values")}, {"attention_mask", in.get("batch.attention_mask")}});
  const ModelOutput single = m.forward({{"input_values", in.get("single.input_values")}});
  size_t compared = 0;
  for (const auto& t : ref.tensors()) {
    const auto dot = t.name.find('.');
    const ModelOutput& out = t.name.substr(0, dot) == "batch" ? batch : single;
    const std::string field = t.name.substr(dot + 1);
    ASSERT_TRUE(out.has(field)) << field;
    EXPECT_TRUE(testutil::allclose(out[field], ref.get(t.name))) << t.name;
    ++compared;
  }
  EXPECT_GE(compared, 2u);
}


// An ASR result against Python's {"text", "chunks": [{"text", "timestamp": [start, end]}]}.
void expect_timed_chunks(const AsrResult& r, const Json& want) {
  EXPECT_EQ(r.text, want["text"].get<std::string>());
  ASSERT_EQ(r.chunks.size(), want["chunks"].size());
  for (size_t i = 0; i < r.chunks.size(); ++i) {
    EXPECT_EQ(r.chunks[i].text, want["chunks"][i]["text"].get<std::string>()) << i;
    EXPECT_NEAR(*r.chunks[i].start, want["chunks"][i]["timestamp"][0].get<double>(), 1e-9) << i;
    EXPECT_NEAR(*r.chunks[i].end, want["chunks"][i]["timestamp"][1].get<double>(), 1e-9) << i;
  }
}
// The Python pipeline call's kwargs (chunk_length_s, stride_length_s, return_timestamps,
// return_language, generate_kwargs.language) as AsrOptions.
AsrOptions pipeline_options(const Json& kw) {
  AsrOptions o;
  if (kw.contains("chunk_length_s")) o.chunk_length_s = kw["chunk_length_s"].get<double>();
  if (kw.contains("stride_length_s")) o.stride_length_s = kw["stride_length_s"].get<double>();
  if (kw.contains("return_timestamps")) o.return_timestamps = kw["return_timestamps"].is_boolean() ? "true" : kw["return_timestamps"].get<std::string>();
  o.return_language = kw.value("return_language", false);
  if (kw.contains("generate_kwargs")) o.generation.language = kw["generate_kwargs"]["language"].get<std::string>();
  return o;
}
}  // namespace

// One instance per folder of fixtures/speech/index.json, named after it.
namespace {
class Speech : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, Speech, ::testing::ValuesIn(testutil::index_cases(fixture("speech/index.json"))), testutil::CaseName());

TEST_P(Speech, EveryAutoClassMatchesPython) {
  const Json& c = GetParam().entry;
  const std::string dir = fixture("speech/" + c["dir"].get<std::string>());
  testutil::with_each_kernel_mode(dir, [&] {
    auto m = auto_model_from_pretrained(c["auto_class"].get<std::string>(), dir);
    EXPECT_EQ(m->class_name(), c["class"].get<std::string>());
    EXPECT_TRUE(m->loading_info().missing_keys.empty());
    EXPECT_TRUE(m->loading_info().unexpected_keys.empty());
    expect_matches(*m, dir);
  });
}
}  // namespace

TEST(Speech, IndexHasEveryAutoClassOfEveryVariant) { EXPECT_EQ(parse_json_file(fixture("speech/index.json")).size(), 16u); }

TEST(Speech, HeadCheckpointLoadsIntoTheBaseModel) {
  auto m = AutoModel::from_pretrained(fixture("speech/wav2vec2-base-Wav2Vec2ForCTC"));
  EXPECT_EQ(m->class_name(), "Wav2Vec2Model");
  EXPECT_TRUE(m->loading_info().missing_keys.empty());
  EXPECT_EQ(m->loading_info().unexpected_keys, (std::vector<std::string>{"lm_head.bias", "lm_head.weight"}));
}

TEST(Speech, LegacyWeightNormNamesLoad) {
  const std::string dir = fixture("speech/legacy-weight-norm");
  auto m = AutoModelForCTC::from_pretrained(dir);
  EXPECT_TRUE(m->loading_info().missing_keys.empty());
  EXPECT_TRUE(m->loading_info().unexpected_keys.empty());
  expect_matches(*m, dir);
}

TEST(Speech, CtcTokenizerEncodesAndDecodesLikePython) {
  const std::string dir = fixture("speech/ctc-tokenizer");
  auto tok = AutoTokenizer::from_pretrained(dir);
  const Json cases = parse_json_file(dir + "/cases.json");
  for (const Json& c : cases["encode"]) {
    SCOPED_TRACE(c["text"].get<std::string>());
    EXPECT_EQ(tok->encode(c["text"].get<std::string>()).ids, c["ids"].get<std::vector<int64_t>>());
  }
  std::vector<std::vector<int64_t>> all;
  for (const Json& c : cases["decode"]) {
    const auto ids = c["ids"].get<std::vector<int64_t>>();
    EXPECT_EQ(tok->decode(ids, c["skip_special_tokens"].get<bool>()), c["text"].get<std::string>()) << c.dump();
    if (!c["skip_special_tokens"].get<bool>()) all.push_back(ids);
  }
  EXPECT_EQ(tok->batch_decode(all), cases["batch_decode"].get<std::vector<std::string>>());
  EXPECT_EQ(tok->pad_token_id(), 0);
}

TEST(Speech, BadInputIsRejected) {
  const std::string dir = fixture("speech/wav2vec2-base-Wav2Vec2ForCTC");
  auto m = AutoModelForCTC::from_pretrained(dir);
  EXPECT_THROW(m->forward({{"input_values", Tensor::zeros({1, 20})}}), ValueError);  // shorter than the receptive field
  EXPECT_THROW(m->forward({{"input_values", Tensor::zeros({400})}}), ShapeMismatch);
  EXPECT_THROW(m->forward({{"input_values", Tensor::zeros({1, 400})}, {"attention_mask", Tensor::zeros({2, 400}, DType::I64)}}), ShapeMismatch);
  EXPECT_THROW(m->forward({}), ValueError);
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"feat_extract_norm", "\"batch\""}, {"conv_kernel", "[10, 3]"}, {"add_adapter", "true"}, {"num_conv_pos_embedding_groups", "5"}}) {
    FromPretrainedOptions o;
    o.config_overrides[key] = value;
    EXPECT_THROW(AutoModelForCTC::from_pretrained(dir, o), ConfigError) << key;
  }
  EXPECT_THROW(AutoModelForCTC::from_pretrained(fixture("speech/hubert-base-HubertModel"), [] {
                 FromPretrainedOptions o;
                 o.config_overrides["conv_pos_batch_norm"] = "true";
                 return o;
               }()), ConfigError);
}

TEST(Speech, WhisperPromptsLanguagesAndTasksLikePython) {
  const std::string dir = fixture("speech/whisper-multilingual");
  auto m = AutoModelForSpeechSeq2Seq::from_pretrained(dir);
  const Tensor feats = testutil::read_inputs(dir)["input_features"];
  const Json cases = parse_json_file(dir + "/generate.json")["cases"];
  ASSERT_EQ(cases.size(), 7u);
  for (const Json& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const GenerationConfig g = GenerationConfig::from_json_string(c["kwargs"].dump());
    const GenerationConfig merged = g.merged_over(m->generation_config());
    // The prompt itself (language detection answered with Python's detected ids).
    const auto init = c["init_tokens"].get<std::vector<std::vector<int64_t>>>();
    EXPECT_EQ(whisper::init_tokens(merged, 3, [&](const std::vector<int64_t>&) {
                std::vector<int64_t> r;
                for (const auto& row : init) r.push_back(row[1]);
                return r;
              }), init);
    EXPECT_EQ(testutil::rows(m->generate(feats, g).sequences), c["sequences"].get<std::vector<std::vector<int64_t>>>());
  }
  GenerationConfig bad;
  bad.language = "klingon";
  EXPECT_THROW(m->generate(feats, bad), ValueError);
  bad.language = "ja";  // a Whisper language this model's lang_to_id lacks
  EXPECT_THROW(m->generate(feats, bad), ValueError);
  bad.language = "fr", bad.task = "summarize";
  EXPECT_THROW(m->generate(feats, bad), ValueError);
  bad.task = std::nullopt, bad.max_new_tokens = 62;  // prompt + new tokens beyond max_target_positions
  EXPECT_THROW(m->generate(feats, bad), ValueError);
}

TEST(Speech, WhisperTimestampsAndLongFormLikePython) {
  const std::string dir = fixture("speech/whisper-timestamps");
  auto m = AutoModelForSpeechSeq2Seq::from_pretrained(dir);
  SafeTensorsFile in = SafeTensorsFile::open(dir + "/inputs.safetensors");
  const Json cases = parse_json_file(dir + "/generate.json")["cases"];
  ASSERT_EQ(cases.size(), 4u);
  for (const Json& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::string input = c["input"].get<std::string>();
    Tensor feats = in.get(input == "short" ? "short" : "long"), mask;
    if (input == "long1") feats = feats.slice(0, 0, 1).contiguous();
    if (input == "long") mask = in.get("long_mask");
    const GenerationConfig g = GenerationConfig::from_json_string(c["kwargs"].dump());
    EXPECT_EQ(testutil::rows(m->generate(feats, g, mask).sequences), c["sequences"].get<std::vector<std::vector<int64_t>>>());
  }
  GenerationConfig no_stamps;
  no_stamps.return_timestamps = false;  // long-form needs them
  EXPECT_THROW(m->generate(in.get("long").slice(0, 0, 1).contiguous(), no_stamps), ValueError);
  EXPECT_THROW(m->generate(in.get("long"), GenerationConfig{}), ValueError);  // a long-form batch needs its frame mask
}

// Long-form heuristics against Python (fallback.json): condition_on_prev_tokens on one row and on a
// left-padded batch, prompt_ids as first segment or on every window, temperature schedules whose
// thresholds never / always fire, windows skipped as silence across no_speech_threshold values
// (greedy and beams), do_sample without a temperature staying greedy; zlib compression ratios.
TEST(Speech, WhisperFallbackAndConditioningLikePython) {
  const std::string dir = fixture("speech/whisper-timestamps");
  auto m = AutoModelForSpeechSeq2Seq::from_pretrained(dir);
  SafeTensorsFile in = SafeTensorsFile::open(dir + "/inputs.safetensors");
  const Json golden = parse_json_file(dir + "/fallback.json");
  const Tensor long1 = in.get("long").slice(0, 0, 1).contiguous();
  for (const Json& c : golden["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    Json kw = c["kwargs"];
    if (kw.contains("temperature") && kw["temperature"].is_array()) kw["temperature_fallback"] = kw["temperature"], kw.erase("temperature");
    const GenerationConfig g = GenerationConfig::from_json_string(kw.dump());
    const bool batch = c["input"] == "long";
    const Tensor out = m->generate(batch ? in.get("long") : long1, g, batch ? in.get("long_mask") : Tensor()).sequences;
    const auto want = c["sequences"].get<std::vector<std::vector<int64_t>>>();
    if (want[0].empty()) EXPECT_EQ(out.size(1), 0);  // every window skipped
    else EXPECT_EQ(testutil::rows(out), want);
  }
  for (const Json& r : golden["compression_ratios"])
    EXPECT_NEAR(whisper::compression_ratio(r["tokens"].get<std::vector<int64_t>>(), r["vocab_size"]), r["ratio"].get<double>(), 1e-12) << r.dump();

  // A schedule that always falls back ends at its last temperature: sampled with the seed, as a
  // direct call at that temperature samples.
  GenerationConfig sampled;
  sampled.language = "en", sampled.max_new_tokens = 10, sampled.seed = 11, sampled.temperature = 1.0;
  GenerationConfig schedule = sampled;
  schedule.temperature.reset();
  schedule.temperature_fallback = std::vector<double>{0.0, 1.0};
  schedule.logprob_threshold = 1e9;
  const auto direct = testutil::rows(m->generate(long1, sampled).sequences);
  EXPECT_EQ(testutil::rows(m->generate(long1, schedule).sequences), direct);
  GenerationConfig greedy = sampled;
  greedy.temperature.reset();
  EXPECT_NE(testutil::rows(m->generate(long1, greedy).sequences), direct);  // the seed does draw something else
  GenerationConfig bad = greedy;
  bad.no_speech_threshold = 0.5;  // needs logprob_threshold
  EXPECT_THROW(m->generate(long1, bad), ValueError);
  bad = greedy, bad.prompt_condition_type = "all-segments";  // needs condition_on_prev_tokens
  EXPECT_THROW(m->generate(long1, bad), ValueError);
  bad = greedy, bad.temperature_fallback = std::vector<double>{};
  EXPECT_THROW(m->generate(long1, bad), ValueError);
}

// Token-level timestamps (alignment heads' cross-attention, z-scored, median-filtered, DTW) as
// generate(return_token_timestamps=True) returns them: short-form with and without the frame mask,
// with timestamps, beams, long-form one row and batched (tokens.json).
TEST(Speech, WhisperTokenTimestampsLikePython) {
  const std::string dir = fixture("speech/whisper-timestamps");
  auto m = AutoModelForSpeechSeq2Seq::from_pretrained(dir);
  SafeTensorsFile in = SafeTensorsFile::open(dir + "/inputs.safetensors");
  const Json golden = parse_json_file(dir + "/tokens.json");
  std::vector<int64_t> sm;
  for (const auto& row : golden["short_mask"]) for (const auto& v : row) sm.push_back(v.get<int64_t>());
  for (const Json& c : golden["cases"]) {
    const std::string name = c["name"], input = c["input"];
    SCOPED_TRACE(name);
    Tensor feats, mask;
    if (input == "short" || input == "short-mask") feats = in.get("short");
    if (input == "short-mask") mask = Tensor::from_ints(sm, {2, 50});
    if (input == "long1") feats = in.get("long").slice(0, 0, 1).contiguous();
    if (name == "short-beams-one-row") feats = feats.slice(2, 0, 50).contiguous();
    if (input == "long") feats = in.get("long"), mask = in.get("long_mask");
    const GenerateOutput out = m->generate(feats, GenerationConfig::from_json_string(c["kwargs"].dump()), mask);
    EXPECT_EQ(testutil::rows(out.sequences), c["sequences"].get<std::vector<std::vector<int64_t>>>());
    const auto want = c["token_timestamps"].get<std::vector<std::vector<double>>>();
    ASSERT_EQ(out.token_timestamps.shape(), (std::vector<int64_t>{static_cast<int64_t>(want.size()), static_cast<int64_t>(want[0].size())}));
    const auto got = out.token_timestamps.to_floats();
    for (size_t b = 0; b < want.size(); ++b)
      for (size_t i = 0; i < want[b].size(); ++i) EXPECT_NEAR(got[b * want[b].size() + i], want[b][i], 1e-5) << b << " " << i;
  }
  GenerationConfig no_heads;
  no_heads.return_token_timestamps = true;
  EXPECT_THROW(m->generate(in.get("short"), no_heads), ValueError);  // alignment_heads needed
  no_heads.alignment_heads = std::vector<std::vector<int64_t>>{{7, 0}};
  EXPECT_THROW(m->generate(in.get("short"), no_heads), ValueError);  // no such layer
}

// pipeline(return_timestamps="word") on Whisper: words with their times, and chunk_length_s (with
// each timestamp mode), as Python's pipeline.
TEST(Speech, WhisperWordTimestampsPipelineLikePython) {
  const std::string dir = fixture("speech/pipelines");
  const Json goldens = parse_json_file(dir + "/whisper-words/words.json");
  SafeTensorsFile in = SafeTensorsFile::open(fixture("speech/inputs.safetensors"));
  const auto batch = in.get("batch.input_values").to_floats();
  const std::map<std::string, std::vector<float>> waves = {{"a", {batch.begin(), batch.begin() + 1200}},
                                                           {"b", {batch.begin() + 1200, batch.begin() + 1200 + 790}},
                                                           {"c", in.get("single.input_values").to_floats()},
                                                           {"long", load_audio(dir + "/long.wav", 16000)}};
  auto asr = AutomaticSpeechRecognitionPipeline::from_pretrained(dir + "/whisper-words");
  for (const auto& [k, w] : waves)
    for (const char* lang : {"en", "fr"}) {
      SCOPED_TRACE(k + "-" + lang);
      AsrOptions o;
      o.return_timestamps = "word";
      o.generation.language = lang;
      const AsrResult r = asr->transcribe({w}, o).at(0);
      expect_timed_chunks(r, goldens[k + "-" + lang]);
    }
  // Chunked transcription: strided chunks transcribed apart, their overlaps merged (with times).
  int chunked = 0;
  for (const auto& [key, want] : goldens.items()) {
    if (key.rfind("chunked-", 0) != 0) continue;
    SCOPED_TRACE(key);
    expect_timed_chunks(asr->transcribe({waves.at("long")}, pipeline_options(want["kwargs"])).at(0), want);
    ++chunked;
  }
  EXPECT_EQ(chunked, 9);
  // return_language: every chunk / word with its language's name, timestamps or not.
  int languages = 0;
  for (const auto& [key, want] : goldens.items()) {
    if (key.rfind("language-", 0) != 0) continue;
    SCOPED_TRACE(key);
    const AsrResult r = asr->transcribe({waves.at(key.find("-long-") != std::string::npos ? "long" : "a")}, pipeline_options(want["kwargs"])).at(0);
    EXPECT_EQ(r.text, want["text"].get<std::string>());
    ASSERT_EQ(r.chunks.size(), want["chunks"].size());
    for (size_t i = 0; i < r.chunks.size(); ++i) {
      const Json& c = want["chunks"][i];
      EXPECT_EQ(r.chunks[i].text, c["text"].get<std::string>()) << i;
      EXPECT_EQ(r.chunks[i].language, c["language"].get<std::string>()) << i;
      EXPECT_EQ(r.chunks[i].start.has_value(), c.contains("timestamp")) << i;
      if (c.contains("timestamp")) {
        EXPECT_NEAR(*r.chunks[i].start, c["timestamp"][0].get<double>(), 1e-9) << i;
      }
    }
    ++languages;
  }
  EXPECT_EQ(languages, 6);
  AsrOptions bad;
  bad.return_timestamps = "char";
  EXPECT_THROW(asr->transcribe({waves.at("a")}, bad), ValueError);
  bad.return_timestamps = "", bad.chunk_length_s = 1.0, bad.stride_length_s = 0.6;  // strides longer than the chunk
  EXPECT_THROW(asr->transcribe({waves.at("a")}, bad), ValueError);
}

TEST(Speech, PipelinesMatchPython) {
  const std::string dir = fixture("speech/pipelines");
  const Json goldens = parse_json_file(dir + "/goldens.json");
  SafeTensorsFile in = SafeTensorsFile::open(fixture("speech/inputs.safetensors"));
  const auto batch = in.get("batch.input_values").to_floats();
  const auto single = in.get("single.input_values").to_floats();
  const std::map<std::string, std::vector<float>> waves = {
      {"a", {batch.begin(), batch.begin() + 1200}}, {"b", {batch.begin() + 1200, batch.begin() + 1200 + 790}}, {"c", single}};
  auto ctc = AutomaticSpeechRecognitionPipeline::from_pretrained(dir + "/ctc");
  auto whisper = AutomaticSpeechRecognitionPipeline::from_pretrained(dir + "/whisper");
  auto cls = AudioClassificationPipeline::from_pretrained(dir + "/classifier");
  EXPECT_TRUE(ctc->is_ctc());
  EXPECT_FALSE(whisper->is_ctc());
  GenerationConfig fr;
  fr.language = "fr";
  for (const auto& [k, w] : waves) {
    SCOPED_TRACE(k);
    EXPECT_EQ((*ctc)({w}).at(0), goldens["ctc"][k].get<std::string>());
    EXPECT_EQ((*whisper)({w}).at(0), goldens["whisper"][k].get<std::string>());
    EXPECT_EQ((*whisper)({w}, fr).at(0), goldens["whisper-fr"][k].get<std::string>());
    for (const auto& [key, top_k] : {std::pair<std::string, std::optional<int64_t>>{"classifier", 5}, {"classifier-top1", 1}}) {
      const auto got = (*cls)({w}, top_k).at(0);
      const Json& want = goldens[key][k];
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].label, want[i]["label"].get<std::string>());
        EXPECT_NEAR(got[i].score, want[i]["score"].get<double>(), 1e-5);
      }
    }
  }
  // The same clips from float WAV files.
  EXPECT_EQ(ctc->transcribe_files({dir + "/a.wav", dir + "/c.wav"}),
            (std::vector<std::string>{goldens["ctc"]["a"].get<std::string>(), goldens["ctc"]["c"].get<std::string>()}));
  EXPECT_EQ(cls->classify_files({dir + "/b.wav"}, 1).at(0).at(0).label, goldens["classifier-top1"]["b"][0]["label"].get<std::string>());
  EXPECT_THROW((*ctc)({std::vector<float>{}}), ValueError);
  EXPECT_THROW(ctc->transcribe_files({dir + "/missing.wav"}), OSError);
  // A prompt reaches Whisper's generate() as prompt_ids (checked against Python in Seq2Seq.WhisperMatchesPython);
  // CTC models take none.
  AsrOptions prompted;
  prompted.prompt = "hello there";
  EXPECT_NO_THROW(whisper->transcribe({waves.at("a")}, prompted));
  EXPECT_THROW(ctc->transcribe({waves.at("a")}, prompted), ValueError);
}

namespace {
class SpeechWhisperClassifier : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, SpeechWhisperClassifier,
                         ::testing::ValuesIn(testutil::folder_cases({"whisper-classifier", "whisper-classifier-weighted"})), testutil::CaseName());

TEST_P(SpeechWhisperClassifier, WhisperForAudioClassificationMatchesPython) {
  const std::string dir = fixture("speech/" + GetParam().name);
  auto m = AutoModelForAudioClassification::from_pretrained(dir);
  EXPECT_EQ(m->class_name(), "WhisperForAudioClassification");
  EXPECT_TRUE(m->loading_info().missing_keys.empty());
  EXPECT_TRUE(m->loading_info().unexpected_keys.empty());
  const ModelOutput out = m->forward(testutil::read_inputs(dir));
  EXPECT_TRUE(testutil::allclose(out["logits"], SafeTensorsFile::open(dir + "/outputs.safetensors").get("logits")));
}
}  // namespace

// ASTFeatureExtractor, SeamlessM4TFeatureExtractor: one instance per case of fixtures/speech/ast-extractors.json.
namespace {
class SpeechKaldiFbank : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, SpeechKaldiFbank, ::testing::ValuesIn(testutil::index_cases(fixture("speech/ast-extractors.json"))),
                         testutil::CaseName());

TEST_P(SpeechKaldiFbank, KaldiFbankExtractorsMatchPython) {
  const Json& c = GetParam().entry;
  SafeTensorsFile waves = SafeTensorsFile::open(fixture("speech/ast-waves.safetensors"));
  const std::string dir = fixture("speech/" + c["dir"].get<std::string>());
  auto fe = AutoFeatureExtractor::from_pretrained(dir);
  EXPECT_EQ(fe->class_name(), c["dir"].get<std::string>().rfind("ast", 0) == 0 ? "ASTFeatureExtractor" : "SeamlessM4TFeatureExtractor");
  std::vector<std::vector<float>> audio;
  for (const auto& k : c["inputs"]) audio.push_back(waves.get(k.get<std::string>()).to_floats());
  FeatureExtractorCallOptions o;
  o.sampling_rate = 16000;
  const Json& kw = c["kwargs"];
  if (kw.contains("padding")) o.padding = kw["padding"].get<std::string>();
  if (kw.contains("max_length")) o.max_length = kw["max_length"].get<int64_t>();
  if (kw.contains("truncation")) o.truncation = kw["truncation"].get<bool>();
  if (kw.contains("pad_to_multiple_of")) o.pad_to_multiple_of = kw["pad_to_multiple_of"].is_null() ? 0 : kw["pad_to_multiple_of"].get<int64_t>();
  const BatchFeature out = (*fe)(audio, o);
  SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs.safetensors");
  // SeamlessM4T normalizes each mel bin by its std over the frames; a quiet bin's small std
  // (0.006 here) magnifies the float32 rounding of the log-mel values and of numpy's own
  // reductions (numpy differs from an exact computation by 2e-4 on these inputs): 1e-3 there.
  const double atol = c["dir"].get<std::string>().rfind("m4t", 0) == 0 ? 1e-3 : 1e-4;
  for (const auto& t : ref.tensors()) {
    ASSERT_TRUE(out.count(t.name)) << t.name;
    EXPECT_TRUE(testutil::allclose(out.at(t.name), ref.get(t.name), atol, 0)) << t.name;
  }
}
}  // namespace

TEST(Speech, KaldiFbankExtractorsRefuseWhatPythonRefuses) {
  EXPECT_EQ(parse_json_file(fixture("speech/ast-extractors.json")).size(), 6u);
  auto fe = AutoFeatureExtractor::from_pretrained(fixture("speech/ast-extractor-128"));
  FeatureExtractorCallOptions at8k;
  at8k.sampling_rate = 8000;
  EXPECT_THROW((*fe)({std::vector<float>(1000, 0.1f)}, at8k), ValueError);
  EXPECT_THROW((*fe)({std::vector<float>(300, 0.1f)}), ValueError);  // shorter than one 25 ms frame
}

namespace {
class SpeechAst : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, SpeechAst, ::testing::ValuesIn(std::vector<testutil::FixtureCase>{
    {"ast-ASTModel", {{"auto_class", "AutoModel"}, {"class", "ASTModel"}}},
    {"ast-ASTForAudioClassification", {{"auto_class", "AutoModelForAudioClassification"}, {"class", "ASTForAudioClassification"}}},
    {"ast-module-names", {{"auto_class", "AutoModelForAudioClassification"}, {"class", "ASTForAudioClassification"}}}}),
                         testutil::CaseName());

TEST_P(SpeechAst, ASTModelsMatchPython) {
  const std::string dir = fixture("speech/" + GetParam().name);
  const Json& c = GetParam().entry;
  auto m = auto_model_from_pretrained(c["auto_class"].get<std::string>(), dir);
  EXPECT_EQ(m->class_name(), c["class"].get<std::string>());
  EXPECT_TRUE(m->loading_info().missing_keys.empty());
  EXPECT_TRUE(m->loading_info().unexpected_keys.empty());
  const ModelOutput out = m->forward(testutil::read_inputs(dir));
  SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs.safetensors");
  for (const auto& t : ref.tensors()) EXPECT_TRUE(testutil::allclose(out[t.name], ref.get(t.name))) << t.name;
}
}  // namespace

TEST(Speech, ASTHeadOverBaseWeightsAndBadInput) {
  auto m = AutoModelForAudioClassification::from_pretrained(fixture("speech/ast-ASTModel"));  // a new head over the base weights
  EXPECT_EQ(m->loading_info().missing_keys, (std::vector<std::string>{"classifier.dense.bias", "classifier.dense.weight",
                                                                       "classifier.layernorm.bias", "classifier.layernorm.weight"}));
  EXPECT_THROW(m->forward({{"input_values", Tensor::zeros({1, 10, 16})}}), ShapeMismatch);
}

TEST(Speech, AsrTimestampsLongFormAndChunkingLikePython) {
  const std::string dir = fixture("speech/pipelines");
  const Json goldens = parse_json_file(dir + "/goldens.json");
  SafeTensorsFile in = SafeTensorsFile::open(fixture("speech/inputs.safetensors"));
  const auto batch = in.get("batch.input_values").to_floats();
  std::map<std::string, std::vector<float>> waves = {
      {"a", {batch.begin(), batch.begin() + 1200}}, {"b", {batch.begin() + 1200, batch.begin() + 1200 + 790}},
      {"c", in.get("single.input_values").to_floats()}, {"long", load_audio(dir + "/long.wav", 16000)}};
  auto whisper = AutomaticSpeechRecognitionPipeline::from_pretrained(dir + "/whisper");
  AsrOptions ts;
  ts.return_timestamps = "true";
  for (const auto& [k, w] : waves) {
    SCOPED_TRACE(k);
    const Json& want = goldens["whisper-timestamps"][k];
    const AsrResult r = whisper->transcribe({w}, ts).at(0);
    EXPECT_EQ(r.text, want["text"].get<std::string>());
    ASSERT_EQ(r.chunks.size(), want["chunks"].size());
    for (size_t i = 0; i < r.chunks.size(); ++i) {
      const Json& c = want["chunks"][i];
      EXPECT_EQ(r.chunks[i].text, c["text"].get<std::string>()) << i;
      for (int e = 0; e < 2; ++e) {
        const std::optional<double> got = e ? r.chunks[i].end : r.chunks[i].start;
        if (c["timestamp"][e].is_null()) EXPECT_FALSE(got.has_value()) << i;
        else EXPECT_NEAR(got.value_or(-1), c["timestamp"][e].get<double>(), 1e-9) << i;
      }
    }
  }
  EXPECT_EQ((*whisper)({waves["long"]}).at(0), goldens["whisper-long"].get<std::string>());  // 2.6 s over 1 s windows

  auto ctc = AutomaticSpeechRecognitionPipeline::from_pretrained(dir + "/ctc");
  const auto clip = SafeTensorsFile::open(dir + "/ctc-long.safetensors").get("clip").to_floats();
  EXPECT_EQ((*ctc)({clip}).at(0), goldens["ctc-long"].get<std::string>());
  AsrOptions chunked;
  chunked.chunk_length_s = 0.25, chunked.stride_length_s = 0.04;
  EXPECT_EQ(ctc->transcribe({clip}, chunked).at(0).text, goldens["ctc-chunked"].get<std::string>());
  chunked.chunk_length_s = 0.2, chunked.stride_length_s = std::nullopt;
  EXPECT_EQ(ctc->transcribe({clip}, chunked).at(0).text, goldens["ctc-chunked-default-stride"].get<std::string>());
  chunked.chunk_length_s = 0.05, chunked.stride_length_s = 0.03;  // strides longer than the chunk
  EXPECT_THROW(ctc->transcribe({clip}, chunked), ValueError);
  EXPECT_THROW(ctc->transcribe({clip}, ts), ValueError);  // CTC has char / word timestamps, not segments
  AsrOptions language;
  language.return_language = true;
  EXPECT_THROW(ctc->transcribe({clip}, language), ValueError);  // only Whisper returns languages
  for (const char* kind : {"char", "word"}) {
    SCOPED_TRACE(kind);
    AsrOptions o;
    o.return_timestamps = kind;
    const AsrResult r = ctc->transcribe({clip}, o).at(0);
    expect_timed_chunks(r, goldens[std::string("ctc-") + kind]);
  }
}
