// The CLI as a black box: forward writes HF-named outputs; bad input is one line and exit 1.
#include <fstream>
#include <map>
#include "io/json.hpp"
#include <sstream>

#include "test_util.hpp"

using namespace transformers;
using testutil::fixture;
using testutil::run;
using testutil::TempDir;

namespace {
const std::string kCli = CLI_PATH;

// A safetensors file of `file`'s tensors named in `keep` (generate(**inputs) takes every tensor it
// is given: a forward fixture's decoder_input_ids would become the decoder prompt).
std::string inputs_with(const std::string& file, const std::vector<std::string>& keep, const std::string& out) {
  SafeTensorsFile in = SafeTensorsFile::open(file);
  std::vector<std::pair<std::string, Tensor>> t;
  for (const auto& name : keep) t.emplace_back(name, in.get(name));
  save_safetensors(t, out, {{"format", "pt"}});
  return out;
}

// A JSON golden's rows, flattened as Tensor::to_ints gives them.
std::vector<int64_t> flat(const nlohmann::json& rows) {
  std::vector<int64_t> v;
  for (const auto& row : rows)
    for (const auto& t : row) v.push_back(t.get<int64_t>());
  return v;
}
}  // namespace

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
           "forward " + base + " --auto-class AutoModelForSeq2SeqLM --inputs " + base + "/inputs.safetensors",
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

TEST(Cli, TokenizeMatchesGoldenAndBatchPads) {
  TempDir d;
  const std::string dir = fixture("tokenizers/bytelevel-bpe");
  std::ofstream(d / "in.jsonl") << "{\"text\": \"Hello world!\"}\n{\"text\": \"Don't you'LL we'VE it's I'm THEY'RE\", \"add_special_tokens\": false}\n"
                                  << "{\"text\": \"How old are you?\", \"pair\": \"I am 6 years old.\"}\n";
  std::string out;
  ASSERT_EQ(run(kCli + " tokenize " + dir + " --jsonl " + d / "in.jsonl" + " 2>/dev/null", &out), 0) << out;
  std::vector<nlohmann::json> lines;
  std::stringstream ss(out);
  for (std::string l; std::getline(ss, l);) lines.push_back(nlohmann::json::parse(l));
  ASSERT_EQ(lines.size(), 3u);
  std::ifstream g(dir + "/golden.jsonl");
  std::map<std::string, nlohmann::json> golden;
  for (std::string l; std::getline(g, l);) {
    auto j = nlohmann::json::parse(l);
    golden[j["text"].get<std::string>() + "|" + (j.contains("pair") ? j["pair"].get<std::string>() : "") + "|" +
           (j["add_special_tokens"].get<bool>() ? "1" : "0")] = j;
  }
  const char* keys[] = {"Hello world!||1", "Don't you'LL we'VE it's I'm THEY'RE||0", "How old are you?|I am 6 years old.|1"};
  for (size_t i = 0; i < 3; ++i)
    for (const char* f : {"ids", "tokens", "offsets", "attention_mask", "type_ids", "decode", "decode_skip"})
      EXPECT_EQ(lines[i][f], golden.at(keys[i])[f]) << keys[i] << " " << f;
  std::ofstream(d / "b.jsonl") << "{\"text\": \"Hello world!\"}\n{\"text\": \"ok\"}\n";
  ASSERT_EQ(run(kCli + " tokenize " + dir + " --jsonl " + d / "b.jsonl" + " --batch --padding longest 2>/dev/null", &out), 0) << out;
  std::stringstream bs(out);
  std::string l1, l2;
  std::getline(bs, l1);
  std::getline(bs, l2);
  auto a = nlohmann::json::parse(l1), b = nlohmann::json::parse(l2);
  EXPECT_EQ(a["ids"].size(), b["ids"].size());
  EXPECT_EQ(b["attention_mask"].back(), 0);
  std::ofstream(d / "bad.jsonl") << "{\"text\": 5}\n";
  EXPECT_EQ(run(kCli + " tokenize " + dir + " --jsonl " + d / "bad.jsonl", &out), 1);
  // text_target: labels from Marian's target side, as transformers' padded call gives them (targets.json).
  const std::string marian = fixture("spm/marian-separate");
  const nlohmann::json want = nlohmann::json::parse(std::ifstream(marian + "/targets.json"))[1];
  std::ofstream tl(d / "t.jsonl");
  for (size_t i = 0; i < 2; ++i) tl << nlohmann::json{{"text", want["kwargs"]["text"][i]}, {"text_target", want["kwargs"]["text_target"][i]}}.dump() << "\n";
  tl.close();
  ASSERT_EQ(run(kCli + " tokenize " + marian + " --jsonl " + d / "t.jsonl" + " --batch --padding longest 2>/dev/null", &out), 0) << out;
  std::stringstream ts(out);
  for (size_t i = 0; i < 2; ++i) {
    std::string l;
    std::getline(ts, l);
    EXPECT_EQ(nlohmann::json::parse(l)["labels"], want["output"]["labels"][i]);
  }
  std::ofstream(d / "half.jsonl") << "{\"text\": \"a\", \"text_target\": \"b\"}\n{\"text\": \"c\"}\n";
  EXPECT_EQ(run(kCli + " tokenize " + marian + " --jsonl " + d / "half.jsonl", &out), 1);
}

TEST(Cli, ChatTemplateAndRunPipelines) {
  TempDir d;
  std::ofstream(d / "tokenizer.json") << R"({"model": {"type": "WordLevel", "vocab": {"<unk>": 0}, "unk_token": "<unk>"}})";
  std::ofstream(d / "tokenizer_config.json")
      << R"({"eos_token": "</s>", "chat_template": "{% for m in messages %}<{{ m.role }}>{{ m.content }}{{ eos_token }}\n{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}"})";
  std::ofstream(d / "m.json") << R"([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])";
  std::string out;
  ASSERT_EQ(run(kCli + " chat-template " + d.path.string() + " --messages " + d / "m.json" + " --add-generation-prompt", &out), 0) << out;
  EXPECT_EQ(out, "<user>hi</s>\n<assistant>yo</s>\n<assistant>");
  ASSERT_EQ(run(kCli + " run " + fixture("pipelines/text-classification") + " \"I love this movie, it was great!\" 2>/dev/null", &out), 0) << out;
  EXPECT_NE(out.find("POSITIVE"), std::string::npos) << out;
  EXPECT_EQ(run(kCli + " run " + fixture("pipelines/text-classification") + " --task translation x", &out), 1);
}

TEST(Cli, GenerateRunAndChatForDecoders) {
  TempDir d;
  const std::string llama = fixture("decoders/llama");
  std::string out;
  ASSERT_EQ(run(kCli + " generate " + llama + " --inputs " + llama + "/inputs.safetensors --max-new-tokens 10 --out " + d / "g.safetensors 2>&1", &out), 0) << out;
  const Tensor seq = SafeTensorsFile::open(d / "g.safetensors").get("sequences");
  const auto golden = nlohmann::json::parse(std::ifstream(llama + "/generate.json"))["cases"][0];
  ASSERT_EQ(golden["name"], "greedy");
  EXPECT_EQ(seq.to_ints(), [&] {
    std::vector<int64_t> v;
    for (const auto& row : golden["sequences"]) for (const auto& t : row) v.push_back(t.get<int64_t>());
    return v;
  }());
  ASSERT_EQ(run(kCli + " generate " + llama + " --inputs " + llama + "/inputs.safetensors --num-beams 3 --num-return-sequences 2 --max-new-tokens 8 --out " + d / "b.safetensors 2>&1", &out), 0) << out;
  EXPECT_EQ(SafeTensorsFile::open(d / "b.safetensors").get("sequences").size(0), 4);
  EXPECT_EQ(run(kCli + " generate " + llama + " --inputs " + llama + "/inputs.safetensors --max-new-tokens 0 --out " + d / "x.safetensors 2>&1", &out), 1);
  EXPECT_NE(out.find("max_new_tokens"), std::string::npos) << out;

  const std::string tg = fixture("decoders/textgen");
  const auto golden_tg = nlohmann::json::parse(std::ifstream(tg + "/golden.json"));
  ASSERT_EQ(run(kCli + " run " + tg + " --max-new-tokens 8 \"" + golden_tg["prompts"][0]["prompt"].get<std::string>() + "\" 2>/dev/null", &out), 0) << out;
  EXPECT_EQ(out, golden_tg["prompts"][0]["generated_text"].get<std::string>() + "\n");
  std::ofstream(d / "in.txt") << "What is a fox?\n/reset\n";
  ASSERT_EQ(run(kCli + " chat " + tg + " --system \"Be brief.\" --max-new-tokens 8 < " + d / "in.txt 2>/dev/null", &out), 0) << out;
  EXPECT_EQ(out, golden_tg["chat"][0]["reply"].get<std::string>() + "\n(history cleared)\n");
}

TEST(Cli, GenerateAndRunForEncoderDecoders) {
  TempDir d;
  const std::string t5 = fixture("seq2seq/t5");
  std::string out;
  const std::string t5_in = inputs_with(t5 + "/inputs.safetensors", {"input_ids", "attention_mask"}, d / "t5.safetensors");
  ASSERT_EQ(run(kCli + " generate " + t5 + " --inputs " + t5_in + " --max-new-tokens 10 --out " + d / "g.safetensors 2>&1", &out), 0) << out;
  const auto golden = nlohmann::json::parse(std::ifstream(t5 + "/generate.json"))["cases"][0];
  ASSERT_EQ(golden["name"], "greedy");
  std::vector<int64_t> want;
  for (const auto& row : golden["sequences"]) for (const auto& t : row) want.push_back(t.get<int64_t>());
  EXPECT_EQ(SafeTensorsFile::open(d / "g.safetensors").get("sequences").to_ints(), want);

  const std::string wh = fixture("seq2seq/whisper");
  const std::string wh_in = inputs_with(wh + "/inputs.safetensors", {"input_features"}, d / "wh.safetensors");
  ASSERT_EQ(run(kCli + " generate " + wh + " --inputs " + wh_in + " --max-new-tokens 10 --out " + d / "w.safetensors 2>&1", &out), 0) << out;
  want.clear();
  const auto wgold = nlohmann::json::parse(std::ifstream(wh + "/generate.json"));
  for (const auto& row : wgold["cases"][0]["sequences"])
    for (const auto& t : row) want.push_back(t.get<int64_t>());
  EXPECT_EQ(SafeTensorsFile::open(d / "w.safetensors").get("sequences").to_ints(), want);

  const std::string tt = fixture("seq2seq/text2text");
  const auto g2 = nlohmann::json::parse(std::ifstream(tt + "/golden.json"));
  ASSERT_EQ(run(kCli + " run " + tt + " --task summarization \"" + g2["texts"][1].get<std::string>() + "\" 2>/dev/null", &out), 0) << out;
  EXPECT_EQ(out, g2["texts"][1].get<std::string>() + "\n  summary_text: " + g2["outputs"]["summarization"][1].get<std::string>() + "\n");

  // Translation from a Hub-layout M2M100 folder (slow tokenizer files) between two languages.
  const std::string mm = fixture("seq2seq/translation-m2m100");
  const auto g3 = nlohmann::json::parse(std::ifstream(mm + "/golden.json"));
  const auto& c3 = g3["cases"][1];
  ASSERT_EQ(run(kCli + " run " + mm + " --task translation --src-lang " + c3["src_lang"].get<std::string>() + " --tgt-lang " +
                    c3["tgt_lang"].get<std::string>() + " --max-new-tokens 8 \"" + g3["texts"][0].get<std::string>() + "\" 2>/dev/null", &out), 0) << out;
  EXPECT_EQ(out, g3["texts"][0].get<std::string>() + "\n  translation_text: " + c3["outputs"][0]["translation_text"].get<std::string>() + "\n");
  EXPECT_EQ(run(kCli + " run " + mm + " --task translation hello 2>&1", &out), 1);
  EXPECT_NE(out.find("src_lang"), std::string::npos) << out;
}

TEST(Cli, PreprocessAudio) {
  TempDir d;
  std::string out;
  // The FLAC holds raw signal "b" at 16 kHz: the written features equal the extractor's on it.
  const std::string fe = fixture("audio/wav2vec2-single");
  ASSERT_EQ(run(kCli + " preprocess " + fe + " --audio " + fixture("audio/mono16k.flac") + " --out " + d / "p.safetensors 2>&1", &out), 0) << out;
  const Tensor got = SafeTensorsFile::open(d / "p.safetensors").get("input_values");
  auto ex = AutoFeatureExtractor::from_pretrained(fe);
  const Tensor want = (*ex)({load_audio(fixture("audio/mono16k.flac"), 16000)}).at("input_values");
  EXPECT_EQ(got.to_floats(), want.to_floats());
  EXPECT_EQ(run(kCli + " preprocess " + fe + " --audio " + d / "none.wav --out " + d / "x.safetensors 2>&1", &out), 1);
  EXPECT_NE(out.find("cannot read audio"), std::string::npos) << out;
}

TEST(Cli, RunAudioPipelines) {
  const std::string dir = fixture("speech/pipelines");
  const auto g = nlohmann::json::parse(std::ifstream(dir + "/goldens.json"));
  std::string out;
  // Task picked from the architecture (Wav2Vec2ForCTC / WhisperForConditionalGeneration).
  ASSERT_EQ(run(kCli + " run " + dir + "/ctc " + dir + "/a.wav 2>/dev/null", &out), 0) << out;
  EXPECT_EQ(out, dir + "/a.wav\n  text: " + g["ctc"]["a"].get<std::string>() + "\n");
  ASSERT_EQ(run(kCli + " run " + dir + "/whisper " + dir + "/c.wav 2>/dev/null", &out), 0) << out;
  EXPECT_EQ(out, dir + "/c.wav\n  text: " + g["whisper"]["c"].get<std::string>() + "\n");
  ASSERT_EQ(run(kCli + " run " + dir + "/classifier --top-k 1 " + dir + "/b.wav 2>/dev/null", &out), 0) << out;
  EXPECT_NE(out.find(g["classifier-top1"]["b"][0]["label"].get<std::string>()), std::string::npos) << out;
  ASSERT_EQ(run(kCli + " run " + dir + "/whisper --timestamps true " + dir + "/long.wav 2>/dev/null", &out), 0) << out;
  const auto& chunks = g["whisper-timestamps"]["long"]["chunks"];
  EXPECT_NE(out.find("  [0.18 -> 0.30] " + chunks[0]["text"].get<std::string>() + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  [3.28 -> ?] " + chunks[chunks.size() - 1]["text"].get<std::string>() + "\n"), std::string::npos) << out;
  ASSERT_EQ(run(kCli + " run " + dir + "/whisper --language fr " + dir + "/a.wav 2>/dev/null", &out), 0) << out;
  EXPECT_EQ(out, dir + "/a.wav\n  text: " + g["whisper-fr"]["a"].get<std::string>() + "\n");
  // Word-level timestamps (alignment heads' cross-attention and DTW), as Python's pipeline gives them.
  ASSERT_EQ(run(kCli + " run " + dir + "/whisper-words --timestamps word --language en " + dir + "/long.wav 2>/dev/null", &out), 0) << out;
  const auto words = nlohmann::json::parse(std::ifstream(dir + "/whisper-words/words.json"))["long-en"]["chunks"];
  char line[256];
  std::snprintf(line, sizeof line, "  [%.2f -> %.2f] %s\n", words[1]["timestamp"][0].get<double>(), words[1]["timestamp"][1].get<double>(),
                words[1]["text"].get<std::string>().c_str());
  EXPECT_NE(out.find(line), std::string::npos) << out;
  // return_language: each chunk with its language (golden: the first chunk of language-long-True-fr).
  ASSERT_EQ(run(kCli + " run " + dir + "/whisper-words --return-language --timestamps true --language fr " + dir + "/long.wav 2>/dev/null", &out), 0)
      << out;
  const auto lang = nlohmann::json::parse(std::ifstream(dir + "/whisper-words/words.json"))["language-long-True-fr"]["chunks"][0];
  EXPECT_NE(out.find("] (" + lang["language"].get<std::string>() + ") " + lang["text"].get<std::string>() + "\n"), std::string::npos) << out;
  // Chunked Whisper: strided chunks merged as Python's pipeline merges them.
  ASSERT_EQ(run(kCli + " run " + dir + "/whisper-words --chunk-length-s 0.8 --stride-length-s 0.25 --language en " + dir + "/long.wav 2>/dev/null",
                &out), 0) << out;
  const auto chunked = nlohmann::json::parse(std::ifstream(dir + "/whisper-words/words.json"))["chunked-0.8-0.25-False"]["text"].get<std::string>();
  EXPECT_EQ(out, dir + "/long.wav\n  text: " + chunked + "\n");
  // Whisper's long-form heuristics from the command line: every window judged silent is skipped.
  ASSERT_EQ(run(kCli + " run " + dir + "/whisper --temperature-fallback 0 --logprob-threshold 0 --no-speech-threshold 0 " + dir +
                    "/long.wav 2>/dev/null", &out), 0) << out;
  EXPECT_EQ(out, dir + "/long.wav\n  text: \n");
  ASSERT_EQ(run(kCli + " run " + dir + "/whisper --condition-on-prev-tokens --temperature-fallback 0,0.5 --logprob-threshold -100 " + dir +
                    "/long.wav 2>/dev/null", &out), 0) << out;
  EXPECT_NE(out.find("  text: "), std::string::npos) << out;
  EXPECT_NE(run(kCli + " run " + dir + "/ctc " + dir + "/missing.wav", &out), 0);
  EXPECT_NE(out.find("error: "), std::string::npos) << out;
}

TEST(Cli, PreprocessImageAndRunImageClassification) {
  TempDir d;
  std::string out;
  // The written pixel_values equal Python's processor output on the same file (both backends).
  const std::string proc = fixture("images/processors/clip");
  SafeTensorsFile gold = SafeTensorsFile::open(fixture("images/goldens.safetensors"));
  for (const std::string backend : {"torchvision", "pil"}) {
    ASSERT_EQ(run(kCli + " preprocess " + proc + " --backend " + backend + " --image " + fixture("images/photo.jpg") + " --out " + d / "p.safetensors 2>&1", &out), 0) << out;
    const Tensor got = SafeTensorsFile::open(d / "p.safetensors").get("pixel_values");
    EXPECT_TRUE(testutil::allclose(got, gold.get("processor.clip." + backend).slice(0, 0, 1).contiguous(), 1e-5, 1e-5)) << backend;
  }
  EXPECT_EQ(run(kCli + " preprocess " + proc + " --image " + d / "none.png --out " + d / "x.safetensors 2>&1", &out), 1);
  EXPECT_NE(out.find("cannot read image"), std::string::npos) << out;
  // Task picked from ViTForImageClassification; the top label is Python's.
  const auto g = nlohmann::json::parse(std::ifstream(fixture("vision/pipeline.json")));
  ASSERT_EQ(run(kCli + " run " + fixture("vision/vit-pipeline") + " --top-k 2 " + fixture("images/photo.jpg") + " 2>/dev/null", &out), 0) << out;
  EXPECT_EQ(out.rfind(fixture("images/photo.jpg") + "\n  " + g["top_k_2"][0][0]["label"].get<std::string>(), 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
}

TEST(Cli, RunZeroShotImageClassification) {
  const auto g = nlohmann::json::parse(std::ifstream(fixture("multimodal/pipeline.json")));
  std::string out;
  // Task picked from CLIPModel; labels from --candidate-labels.
  ASSERT_EQ(run(kCli + " run " + fixture("multimodal/CLIPModel") + " --candidate-labels 'cat,dog,car,a bowl of fruit' " + fixture("images/photo.jpg") +
                    " 2>/dev/null", &out), 0) << out;
  const auto& best = g["results"]["CLIPModel"][0][0];
  EXPECT_EQ(out.rfind(fixture("images/photo.jpg") + "\n  " + best["label"].get<std::string>(), 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 5) << out;
}

TEST(Cli, RunImageTextToText) {
  const auto g = nlohmann::json::parse(std::ifstream(fixture("multimodal/llava/processor_goldens.json")));
  std::string out;
  // Task picked from LlavaForConditionalGeneration; a plain question goes through the chat template.
  ASSERT_EQ(run(kCli + " run " + fixture("multimodal/llava") + " --max-new-tokens 6 " + fixture("images/photo.jpg") +
                    " 'what is in the image ?' 2>/dev/null", &out), 0) << out;
  EXPECT_EQ(out, fixture("images/photo.jpg") + "\n  what is in the image ?\n  -> " + g["pipeline_new_text"][0].get<std::string>() + "\n");
  EXPECT_NE(run(kCli + " run " + fixture("multimodal/llava") + " " + fixture("images/photo.jpg") + " 2>&1", &out), 0);
}

TEST(Cli, RunImageToText) {
  const auto g = nlohmann::json::parse(std::ifstream(fixture("image_to_text/pipeline.json")));
  std::string out;
  // Task picked from VisionEncoderDecoderModel: one transcription per image file.
  ASSERT_EQ(run(kCli + " run " + fixture("image_to_text/trocr-vit") + " --max-new-tokens 8 " + fixture("images/photo.jpg") + " " +
                    fixture("images/rgb.png") + " 2>/dev/null", &out), 0) << out;
  EXPECT_EQ(out, fixture("images/photo.jpg") + "\n  " + g["results"][0][0]["generated_text"].get<std::string>() + "\n" + fixture("images/rgb.png") +
                     "\n  " + g["results"][2][0]["generated_text"].get<std::string>() + "\n");
}

TEST(Cli, RunQuestionAnswering) {
  const auto g = nlohmann::json::parse(std::ifstream(fixture("question_answering/golden.json")));
  const auto& c = g["cases"][0];
  std::string out;
  // Task picked from BertForQuestionAnswering: the question, then the context.
  ASSERT_EQ(run(kCli + " run " + fixture("question_answering") + " '" + c["question"].get<std::string>() + "' '" + c["context"].get<std::string>() +
                    "' 2>/dev/null", &out), 0) << out;
  const auto& a = g["results"][0][0];
  EXPECT_NE(out.find("[" + std::to_string(a["start"].get<int64_t>()) + ", " + std::to_string(a["end"].get<int64_t>()) + ") " +
                     a["answer"].get<std::string>()), std::string::npos) << out;
  EXPECT_NE(run(kCli + " run " + fixture("question_answering") + " 'only a question' 2>&1", &out), 0);
}

TEST(Cli, RunObjectDetectionDrawsBoxes) {
  const auto g = nlohmann::json::parse(std::ifstream(fixture("detection/pipeline.json")));
  const std::string img = testing::TempDir() + "/detect.png";
  std::filesystem::copy_file(fixture("images/rgb.png"), img, std::filesystem::copy_options::overwrite_existing);
  std::string out;
  // Task picked from DetrForObjectDetection; one line per box, and the boxes drawn next to the image.
  ASSERT_EQ(run(kCli + " run " + fixture("detection/DetrForObjectDetection") + " --threshold " + std::to_string(g["threshold"].get<double>()) + " " + img +
                    " 2>/dev/null", &out), 0) << out;
  const auto& want = g["results"][2];
  EXPECT_NE(out.find("(" + std::to_string(want.size()) + " objects, " + img + ".boxes.png)"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), static_cast<long>(want.size()) + 1) << out;
  EXPECT_NE(out.find(want[0]["label"].get<std::string>()), std::string::npos) << out;
  const Image drawn = load_image(img + ".boxes.png"), orig = load_image(img);
  EXPECT_EQ(drawn.width, orig.width);
  EXPECT_NE(drawn.pixels, orig.pixels);
}

TEST(Cli, RunImageSegmentationWritesMasks) {
  TempDir d;
  const std::string img = d / "photo.jpg";
  std::filesystem::copy_file(fixture("images/photo.jpg"), img);
  std::string out;
  ASSERT_EQ(run(kCli + " run " + fixture("vision/segformer-pipeline") + " " + img + " 2>/dev/null", &out), 0) << out;
  EXPECT_NE(out.find("class_0"), std::string::npos) << out;
  // The written mask reads back as the pipeline's mask.
  const auto pipe = ImageSegmentationPipeline::from_pretrained(fixture("vision/segformer-pipeline"));
  const auto masks = (*pipe)(load_image(img));
  const Image back = load_image(img + ".mask0.png");
  ASSERT_EQ(back.height, masks[0].mask.height);
  for (int64_t i = 0; i < back.height * back.width; ++i) ASSERT_EQ(back.pixels[static_cast<size_t>(i * 3)], masks[0].mask.pixels[static_cast<size_t>(i)]);
}

TEST(Cli, RunDepthEstimationWritesPicture) {
  TempDir d;
  const std::string img = d / "rgb.png";
  std::filesystem::copy_file(fixture("images/rgb.png"), img);
  std::string out;
  ASSERT_EQ(run(kCli + " run " + fixture("vision/depth-pipeline") + " " + img + " 2>/dev/null", &out), 0) << out;
  EXPECT_NE(out.find("depth 21x33"), std::string::npos) << out;
  const auto pipe = DepthEstimationPipeline::from_pretrained(fixture("vision/depth-pipeline"));
  const DepthResult r = (*pipe)(load_image(img));
  const Image back = load_image(img + ".depth.png");
  ASSERT_EQ(back.width, r.depth.width);
  for (int64_t i = 0; i < back.height * back.width; ++i) ASSERT_EQ(back.pixels[static_cast<size_t>(i * 3)], r.depth.pixels[static_cast<size_t>(i)]);
}

// sentence-transformers folders from the command line: a CrossEncoder ranking (the order
// sentence-transformers' rank() gives) and embeddings with a named prompt and truncate_dim.
TEST(Cli, RerankAndEmbeddingOptions) {
  const std::string ce = fixture("sentence_transformers/cross-encoder");
  const auto g = nlohmann::json::parse(std::ifstream(ce + "/golden.json"));
  std::string docs, out;
  std::string long_text = "A long one that is truncated: ";
  for (int i = 0; i < 12; ++i) long_text += "the plot was great and Paris is far ";
  for (const std::string t : {"I love this movie, it was great!", "The plot was boring and far too long.", "Paris is in France.", "ok",
                              "John Smith works at Google in London since 2020, and he likes it there a lot.", "", long_text.c_str()})
    docs += " \"" + t + "\"";
  ASSERT_EQ(run(kCli + " run " + ce + " --task rerank \"Paris is in France.\"" + docs + " --top-k 4", &out), 0) << out;
  std::vector<int64_t> ids;
  for (size_t at = out.find('['); at != std::string::npos; at = out.find('[', at + 1)) ids.push_back(std::stoll(out.substr(at + 1)));
  ASSERT_EQ(ids.size(), 4u) << out;
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(ids[i], g["rank"][i]["corpus_id"].get<int64_t>()) << out;
  const std::string st = fixture("sentence_transformers/bert-modes");
  ASSERT_EQ(run(kCli + " run " + st + " --task feature-extraction ok --prompt-name passage --truncate-dim 5", &out), 0) << out;
  EXPECT_NE(out.find("(5 dims)"), std::string::npos) << out;
  EXPECT_EQ(run(kCli + " run " + st + " --task feature-extraction ok --prompt-name nope 2>&1", &out), 1) << out;
  EXPECT_EQ(run(kCli + " run " + ce + " --task rerank onlyquery 2>&1", &out), 1) << out;
}

// generate takes the inputs file as forward does: images reach VisionEncoderDecoder (its main input)
// and LLaVA (with the prompt), features reach Whisper, decoder_input_ids become the decoder prompt;
// greedy and beam sequences equal Python's for each kind of model.
TEST(Cli, GenerateTakesEveryInputAsForwardDoes) {
  TempDir d;
  std::string out;
  auto generate = [&](const std::string& dir, const std::string& inputs, const std::string& flags) {
    const std::string o = d / "o.safetensors";
    std::filesystem::remove(o);
    EXPECT_EQ(run(kCli + " generate " + dir + " --inputs " + inputs + " " + flags + " --out " + o + " 2>&1", &out), 0) << dir << " " << flags << "\n" << out;
    return std::filesystem::exists(o) ? SafeTensorsFile::open(o).get("sequences").to_ints() : std::vector<int64_t>{};
  };
  const std::string greedy_flags = "--max-new-tokens 10", beam_flags = "--max-new-tokens 8 --num-beams 3 --num-return-sequences 2";

  // VisionEncoderDecoder (TrOCR and GPT-2 decoders): pixel_values, the class from the architecture
  // or named.
  const std::string itt = fixture("image_to_text");
  const std::string pixels = inputs_with(itt + "/inputs.safetensors", {"pixel_values"}, d / "pixels.safetensors");
  for (const std::string name : {"trocr-vit", "trocr-deit-sinusoidal", "vit-gpt2"}) {
    SCOPED_TRACE(name);
    const std::string dir = itt + "/" + name;
    SafeTensorsFile gold = SafeTensorsFile::open(dir + "/goldens.safetensors");
    EXPECT_EQ(generate(dir, pixels, greedy_flags), gold.get("greedy").to_ints());
    EXPECT_EQ(generate(dir, pixels, "--auto-class AutoModelForImageTextToText " + beam_flags), gold.get("beam").to_ints());
    // decoder_input_ids as the decoder prompt (decoder_start_token_id prepended when no row starts with it)
    EXPECT_EQ(generate(dir, itt + "/inputs.safetensors", "--max-new-tokens 4"), gold.get("prompted").to_ints());
    SafeTensorsFile in = SafeTensorsFile::open(itt + "/inputs.safetensors");
    const Tensor dec = in.get("decoder_input_ids");
    save_safetensors({{"pixel_values", in.get("pixel_values")}, {"decoder_input_ids", dec.slice(1, 1, dec.size(1)).contiguous()}},
                     d / "nostart.safetensors", {{"format", "pt"}});
    EXPECT_EQ(generate(dir, d / "nostart.safetensors", "--max-new-tokens 4"), gold.get("prompted_nostart").to_ints());
  }

  // LLaVA: input_ids, attention_mask and pixel_values; the image enters with the prompt.
  const std::string llava = fixture("multimodal/llava");
  const std::string llava_in = fixture("multimodal/llava_inputs.safetensors");
  SafeTensorsFile lgold = SafeTensorsFile::open(llava + "/goldens.safetensors");
  EXPECT_EQ(generate(llava, llava_in, "--max-new-tokens 8"), lgold.get("greedy").to_ints());
  EXPECT_EQ(generate(llava, llava_in, "--max-new-tokens 6 --num-beams 3 --num-return-sequences 2"), lgold.get("beam").to_ints());
  // Without the image the prompt's image tokens embed as text: another continuation.
  const std::string text_only = inputs_with(llava_in, {"input_ids", "attention_mask"}, d / "text.safetensors");
  EXPECT_NE(generate(llava, text_only, "--max-new-tokens 8"), lgold.get("greedy").to_ints());

  // Whisper (input_features), T5 (input_ids + attention_mask) and a decoder-only Llama: greedy and beam.
  for (const auto& [dir, keep] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {fixture("seq2seq/whisper"), {"input_features"}},
           {fixture("seq2seq/t5"), {"input_ids", "attention_mask"}},
           {fixture("decoders/llama"), {"input_ids", "attention_mask"}}}) {
    SCOPED_TRACE(dir);
    const auto cases = nlohmann::json::parse(std::ifstream(dir + "/generate.json"))["cases"];
    ASSERT_EQ(cases[0]["name"], "greedy");
    ASSERT_EQ(cases[1]["name"], "beam");
    ASSERT_EQ(cases[1]["kwargs"]["num_beams"], 3);
    ASSERT_EQ(cases[1]["kwargs"]["num_return_sequences"], 2);
    const std::string in = inputs_with(dir + "/inputs.safetensors", keep, d / "in.safetensors");
    EXPECT_EQ(generate(dir, in, greedy_flags), flat(cases[0]["sequences"]));
    EXPECT_EQ(generate(dir, in, beam_flags), flat(cases[1]["sequences"]));
  }

  // Inputs a model does not take are one line and exit 1, as forward's.
  for (const auto& [dir, file] : std::vector<std::pair<std::string, std::string>>{
           {fixture("seq2seq/whisper"), fixture("seq2seq/whisper/inputs.safetensors")},  // Whisper takes prompt_ids, not decoder_input_ids
           {llava, inputs_with(llava_in, {"input_ids", "pixel_values"}, d / "x.safetensors")}}) {
    SCOPED_TRACE(dir);
    std::filesystem::copy_file(file, d / "bad.safetensors", std::filesystem::copy_options::overwrite_existing);
    if (dir == llava) {  // plus a name LLaVA has no use for
      SafeTensorsFile in = SafeTensorsFile::open(file);
      save_safetensors({{"input_ids", in.get("input_ids")}, {"pixel_values", in.get("pixel_values")}, {"token_type_ids", in.get("input_ids")}},
                       d / "bad.safetensors", {{"format", "pt"}});
    }
    EXPECT_EQ(run(kCli + " generate " + dir + " --inputs " + d / "bad.safetensors" + " --max-new-tokens 2 --out " + d / "z.safetensors 2>&1", &out), 1);
    EXPECT_EQ(out.rfind("error: ", 0), 0u) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  }
}

// Generation flags reach generate() with the value given, -1 included: Python's ValueError and its
// message where Python raises (fixtures/generation/errors.json), a run where it only warns.
TEST(Cli, GenerateFlagsAreCheckedAsPythonChecksThem) {
  TempDir d;
  const auto g = nlohmann::json::parse(std::ifstream(fixture("generation/errors.json")));
  std::map<std::string, nlohmann::json> cases;
  for (const auto& c : g["cases"]) cases[c["name"].get<std::string>()] = c;
  const std::string dir = fixture(g["model"].get<std::string>());
  for (const auto& [name, flags] : std::vector<std::pair<std::string, std::string>>{
           {"temperature_negative_sample", "--do-sample --temperature -1"},
           {"temperature_zero_sample", "--do-sample --temperature 0"},
           {"temperature_negative_greedy", "--temperature -1"},
           {"top_k_negative_sample", "--do-sample --top-k -1"},
           {"top_p_negative_sample", "--do-sample --top-p -0.5"},
           {"min_p_above_one_sample", "--do-sample --min-p 1.5"},
           {"repetition_penalty_negative", "--repetition-penalty -1"},
           {"max_new_tokens_negative", "--max-new-tokens -1"},
           {"num_return_sequences_greedy", "--num-return-sequences 2"}}) {
    SCOPED_TRACE(name);
    const auto& c = cases.at(name);
    const std::string max = c["kwargs"].contains("max_new_tokens") && name != "max_new_tokens_negative" ? " --max-new-tokens 3" : "";
    std::string out;
    const int rc = run(kCli + " generate " + dir + " --inputs " + dir + "/inputs.safetensors --seed 0 " + flags + max + " --out " +
                           d / "o.safetensors 2>&1",
                       &out);
    if (c["raises"].get<bool>()) {
      EXPECT_EQ(rc, 1) << out;
      EXPECT_EQ(out, "error: " + c["message"].get<std::string>() + "\n");
    } else {
      EXPECT_EQ(rc, 0) << out;
    }
  }
}

// --threads and --reference belong to the program: accepted before the subcommand and after it.
TEST(Cli, GlobalOptionsBeforeOrAfterSubcommand) {
  std::string out;
  for (const std::string args : {" --threads 1 --reference env", " env --threads 1 --reference", " --threads 1 env --reference"}) {
    ASSERT_EQ(run(kCli + args, &out), 0) << args << ": " << out;
    const auto j = nlohmann::json::parse(out);
    EXPECT_EQ(j["threads"], 1) << args;
    EXPECT_EQ(j["reference_mode"], true) << args;
  }
  const std::string tc = fixture("pipelines/text-classification");
  const auto g = nlohmann::json::parse(std::ifstream(tc + "/golden.json"));
  for (const std::string& args : {" --threads 1 run " + tc + " --json 'I love this movie, it was great!'",
                                 " run " + tc + " 'I love this movie, it was great!' --threads 1 --json --reference"}) {
    ASSERT_EQ(run(kCli + args + " 2>/dev/null", &out), 0) << args << ": " << out;
    const auto r = nlohmann::json::parse(out);  // --json: the task's JSON, every label (the CLI's default top_k)
    ASSERT_EQ(r.size(), 1u) << out;
    ASSERT_EQ(r[0].size(), g["all"][0].size()) << out;
    for (size_t k = 0; k < r[0].size(); ++k) {
      EXPECT_EQ(r[0][k]["label"], g["all"][0][k]["label"]) << out;
      EXPECT_NEAR(r[0][k]["score"].get<double>(), g["all"][0][k]["score"].get<double>(), 1e-5) << out;
    }
  }
  EXPECT_NE(run(kCli + " env --threads 2>&1", &out), 0);  // a global option still needs its value
}
