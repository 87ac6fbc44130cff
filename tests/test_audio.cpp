// Audio feature extractors and sound files against fixtures/audio (scripts/make_audio_fixtures.py):
// Whisper log-mel (80 / 128 bins, max_length and longest padding, normalization, attention masks)
// within 1e-4, Wav2Vec2 normalized waveforms within 1e-5, WAV / FLAC decoding with mono mixdown and
// soxr resampling, and bad input.
#include <cmath>
#include <fstream>
#include <random>

#include "io/json.hpp"
#include "processors/audio/audio_utils.hpp"
#include "processors/audio/fft.hpp"
#include "test_util.hpp"
#include "transformers/feature_extraction.hpp"

using namespace transformers;
using testutil::fixture;

namespace {
std::vector<float> raw(const std::string& key) {
  return SafeTensorsFile::open(fixture("audio/raw.safetensors")).get(key).to_floats();
}
}  // namespace

// One instance per folder of fixtures/audio/index.json, named after it.
namespace {
class Audio : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, Audio, ::testing::ValuesIn(testutil::index_cases(fixture("audio/index.json"))), testutil::CaseName());

TEST_P(Audio, FeatureExtractorsMatchPython) {
  const Json& c = GetParam().entry;
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
}  // namespace

// The lane FFT in float and double (every radix path: 4, 2, 5, generic 3 and 7, odd lengths, a lone
// prime) against the double-precision DFT of audio_utils.spectrogram, and the log10 used on the features against libm.
template <typename T>
void check_fft(double tolerance) {
  constexpr int64_t L = audio::RealFftPlan<T>::kLanes;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t n : {2, 8, 14, 15, 30, 98, 256, 400, 512}) {
    SCOPED_TRACE(n);
    const audio::RealFftPlan<T> plan(n);
    std::vector<float> signal(static_cast<size_t>(n * L));
    std::vector<T> in(signal.size()), out(static_cast<size_t>(plan.bins() * L)), work(static_cast<size_t>(plan.work_size()));
    for (auto& v : signal) v = u(rng);
    for (int64_t t = 0; t < n; ++t)
      for (int64_t l = 0; l < L; ++l) in[t * L + l] = signal[l * n + t];
    plan.power(in.data(), out.data(), work.data());
    const std::vector<double> ones(static_cast<size_t>(n), 1.0);
    for (int64_t l = 0; l < L; ++l) {
      int64_t frames = 0;
      const auto want = audio::power_spectrogram(&signal[l * n], n, ones, audio::StftOptions{.frame_length = n, .hop_length = n, .center = false}, frames);
      ASSERT_EQ(frames, 1);
      for (int64_t k = 0; k < plan.bins(); ++k) EXPECT_NEAR(out[k * L + l], want[k], tolerance * (n + want[k])) << "lane " << l << " bin " << k;
    }
  }
}

TEST(Audio, FftPowerMatchesTheDft) {
  check_fft<float>(1e-5);
  check_fft<double>(1e-12);
  EXPECT_THROW(audio::RealFftPlan<float>(1), ValueError);
  std::vector<float> x;
  for (float v = 1e-12f; v < 1e30f; v *= 1.37f) x.push_back(v);
  std::vector<float> y = x;
  const float mx = audio::log10_clamped(y.data(), static_cast<int64_t>(y.size()), 1e-10f);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(y[i], std::log10(std::max(x[i], 1e-10f)), 1e-6f + 3e-7f * std::fabs(y[i])) << x[i];  // a few ulp
  EXPECT_EQ(mx, *std::max_element(y.begin(), y.end()));
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
