// Audio feature extractors and sound files against fixtures/audio (scripts/make_audio_fixtures.py):
// Whisper log-mel (80 / 128 bins, max_length and longest padding, normalization, attention masks)
// within 1e-4, Wav2Vec2 normalized waveforms within 1e-5, WAV / FLAC decoding with mono mixdown and
// soxr resampling, and bad input.
#include <fstream>

#include "io/json.hpp"
#include "test_util.hpp"
#include "transformers/feature_extraction.hpp"

using namespace transformers;
using testutil::fixture;

namespace {
std::vector<float> raw(const std::string& key) {
  return SafeTensorsFile::open(fixture("audio/raw.safetensors")).get(key).to_floats();
}
}  // namespace

TEST(Audio, FeatureExtractorsMatchPython) {
  for (const Json& c : parse_json_file(fixture("audio/index.json"))) {
    const std::string dir = fixture("audio/" + c["dir"].get<std::string>());
    SCOPED_TRACE(dir);
    auto fe = AutoFeatureExtractor::from_pretrained(dir);
    std::vector<std::vector<float>> in;
    for (const auto& k : c["inputs"]) in.push_back(raw(k.get<std::string>()));
    FeatureExtractorCallOptions o;
    o.sampling_rate = 16000;
    const Json& kw = c["kwargs"];
    if (kw.contains("padding")) o.padding = kw["padding"].get<std::string>();
    if (kw.contains("return_attention_mask")) o.return_attention_mask = kw["return_attention_mask"].get<bool>();
    if (kw.contains("do_normalize")) o.do_normalize = kw["do_normalize"].get<bool>();
    const BatchFeature out = (*fe)(in, o);
    SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs.safetensors");
    EXPECT_EQ(out.size(), ref.tensors().size());
    for (const auto& t : ref.tensors()) {
      ASSERT_TRUE(out.count(t.name)) << t.name;
      const Tensor want = ref.get(t.name);
      EXPECT_EQ(out.at(t.name).shape(), want.shape()) << t.name;
      if (t.name == "attention_mask") EXPECT_EQ(out.at(t.name).to(DType::I64).to_ints(), want.to(DType::I64).to_ints());
      else EXPECT_TRUE(testutil::allclose(out.at(t.name), want, t.name == "input_features" ? 1e-4 : 1e-5, 1e-4)) << t.name;
    }
  }
}

TEST(Audio, SoundFilesDecodeMixAndResample) {
  SafeTensorsFile ref = SafeTensorsFile::open(fixture("audio/decoded.safetensors"));
  const auto flac = load_audio(fixture("audio/mono16k.flac"), 16000);
  EXPECT_EQ(flac, ref.get("mono16k").to_floats());  // no resampling: bit-exact
  const auto wav = load_audio(fixture("audio/stereo8k.wav"), 16000);
  const Tensor want = ref.get("stereo8k");
  ASSERT_EQ(static_cast<int64_t>(wav.size()), want.numel());
  EXPECT_TRUE(testutil::allclose(Tensor::from_floats(wav, {want.numel()}), want, 1e-4, 1e-3));
}

TEST(Audio, BadInputIsATypedError) {
  testutil::TempDir d;
  EXPECT_THROW(load_audio(d / "missing.wav", 16000), OSError);
  std::ofstream(d / "junk.wav") << "RIFF not really a wave file";
  EXPECT_THROW(load_audio(d / "junk.wav", 16000), OSError);
  auto fe = AutoFeatureExtractor::from_pretrained(fixture("audio/wav2vec2-mask"));
  FeatureExtractorCallOptions o;
  o.sampling_rate = 8000;
  EXPECT_THROW((*fe)({raw("a")}, o), ValueError);  // rate mismatch
  EXPECT_THROW((*fe)({}), ValueError);
  FeatureExtractorCallOptions nopad;
  nopad.padding = "do_not_pad";
  EXPECT_THROW((*fe)({raw("a"), raw("b")}, nopad), ValueError);  // ragged rows
  EXPECT_THROW(AutoFeatureExtractor::from_json_string(R"({"feature_extractor_type": "NoSuchExtractor"})"), ValueError);
  EXPECT_THROW(AutoFeatureExtractor::from_json_string(R"({"feature_extractor_type": "WhisperFeatureExtractor", "hop_length": 0})"), ConfigError);
  EXPECT_THROW(AutoFeatureExtractor::from_json_string("[1, 2]"), ConfigError);
  EXPECT_THROW(resample({1.0f, 2.0f}, 0, 16000), ValueError);
}

TEST(Audio, AutoProcessorBundlesExtractorAndTokenizer) {
  auto p = AutoProcessor::from_pretrained(fixture("audio/processor"));
  EXPECT_EQ(p->class_name(), "WhisperProcessor");
  FeatureExtractorCallOptions o;
  o.return_attention_mask = true;
  const BatchFeature f = (*p)({raw("a"), raw("b")}, o);
  SafeTensorsFile ref = SafeTensorsFile::open(fixture("audio/whisper-80-chunk2/outputs.safetensors"));
  EXPECT_TRUE(testutil::allclose(f.at("input_features"), ref.get("input_features")));
  ASSERT_NE(p->tokenizer(), nullptr);
  auto tok = AutoTokenizer::from_pretrained(fixture("audio/processor"));
  const std::vector<std::vector<int64_t>> ids = {{5, 17, 40, 1}, {60, 61, 1, 0}};
  EXPECT_EQ(p->batch_decode(ids), tok->batch_decode(ids, true));
  auto bare = AutoProcessor::from_pretrained(fixture("audio/wav2vec2-single"));
  EXPECT_EQ(bare->class_name(), "Wav2Vec2Processor");
  EXPECT_EQ(bare->tokenizer(), nullptr);
  EXPECT_THROW(bare->batch_decode(ids), ValueError);
}
