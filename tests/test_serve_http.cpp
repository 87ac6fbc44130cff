// transformers-cpp serve: the OpenAI API over HTTP on 127.0.0.1 (an in-process Server and
// httplib's client), and the protocol pieces (stop strings, tool-call parsers, field checks) alone.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <regex>
#include <thread>

#include "serve/json_constraint.hpp"
#include "serve/openai.hpp"
#include "serve/server.hpp"
#include "test_util.hpp"

using namespace transformers;
using namespace transformers::serve;
using testutil::fixture;

namespace {

// A Server on a free loopback port, serving on its own thread until the fixture ends.
struct Running {
  std::unique_ptr<Server> server;
  std::thread thread;
  int port = 0;
  explicit Running(ServerOptions o) {
    o.host = "127.0.0.1";
    o.port = 0;
    o.print_listening = false;
    server = std::make_unique<Server>(std::move(o));
    port = server->bind();
    thread = std::thread([this] { server->run(); });
    // Up when /health answers (run() has started listening, so shutdown() can stop it).
    for (int i = 0; i < 500; ++i) {
      auto r = client().Get("/health");
      if (r && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "server did not come up";
  }
  ~Running() {
    server->shutdown();
    thread.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    return c;
  }
  httplib::Result post(const std::string& path, const Json& body, const httplib::Headers& h = {}) const {
    return client().Post(path.c_str(), h, body.dump(), "application/json");
  }
};

ServerOptions options(const std::string& model) {
  ServerOptions o;
  o.model = model;
  o.kv_cache_bytes = int64_t{32} << 20;  // the tiny fixtures need little; 2 GiB would be paged in per server
  return o;
}

// The OpenAI error shape with the status's meaning.
void expect_error(const httplib::Result& r, int status, const std::string& what) {
  ASSERT_TRUE(r) << what;
  EXPECT_EQ(r->status, status) << what << ": " << r->body;
  const Json j = Json::parse(r->body, nullptr, false);
  ASSERT_TRUE(j.is_object() && j.contains("error")) << what << ": " << r->body;
  const Json& e = j["error"];
  EXPECT_TRUE(e["message"].is_string() && !e["message"].get<std::string>().empty()) << what;
  EXPECT_TRUE(e["type"].is_string()) << what;
  EXPECT_TRUE(e.contains("param") && e.contains("code")) << what;
}

// A metric's value in Prometheus text (the first sample named exactly so, labels included).
double metric(const std::string& text, const std::string& sample) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(sample + " ", 0) == 0) return std::stod(line.substr(sample.size() + 1));
  return -1;
}

// A raw loopback client that sends a random-length prefix of `request` and closes the socket.
void send_part_and_leave(int port, const std::string& request, std::mt19937& rng) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) (void)!write(fd, request.data(), rng() % request.size());
  close(fd);
}

std::vector<float> base64_floats(const std::string& b64) {
  static const std::string kTable = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : b64) {
    if (c == '=') break;
    acc = (acc << 6) | static_cast<uint32_t>(kTable.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

}  // namespace

// ------------------------------------------------------------------------------ protocol pieces

TEST(ServeOpenAI, StopStringsHoldBackAndCut) {
  StopMatcher m({"</end>", "STOP"});
  EXPECT_EQ(m.feed("Hello"), 5u);
  EXPECT_EQ(m.feed("Hello </e"), 6u);  // "</e" could begin "</end>"
  EXPECT_FALSE(m.stopped());
  EXPECT_EQ(m.feed("Hello </x"), 9u);   // it did not
  EXPECT_EQ(m.feed("Hello </x ST"), 10u);
  EXPECT_EQ(m.feed("Hello </x STOP and more"), 10u);
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(m.stop_at(), 10u);
  // The earliest of several matches wins.
  StopMatcher two({"b", "a"});
  two.feed("xxab");
  EXPECT_EQ(two.stop_at(), 2u);
  StopMatcher none({});
  EXPECT_EQ(none.feed("anything"), 8u);
}

TEST(ServeOpenAI, Utf8CompletePrefix) {
  EXPECT_EQ(utf8_complete_prefix("abc"), 3u);
  EXPECT_EQ(utf8_complete_prefix("ab\xEF\xBF\xBD"), 2u);  // a partial character decoded as U+FFFD
  EXPECT_EQ(utf8_complete_prefix("ab\xE2\x82"), 2u);       // a truncated euro sign
  EXPECT_EQ(utf8_complete_prefix("ab\xE2\x82\xAC"), 5u);   // the whole one
  EXPECT_EQ(utf8_complete_prefix(""), 0u);
}

// A request that omits a sampling field takes the model's generation_config.json value (vLLM's
// --generation-config auto); one the request names wins; do_sample is not read.
TEST(ServeOpenAI, SamplingDefaultsComeFromTheGenerationConfig) {
  GenerationConfig g;
  g.do_sample = false;
  g.temperature = 0.7, g.top_p = 0.8, g.top_k = 20, g.min_p = 0.05, g.repetition_penalty = 1.05, g.max_new_tokens = 33;
  const SamplingDefaults d = sampling_defaults(g);
  const auto p = parse_sampling(Json::object(), 10, d);
  EXPECT_EQ(p.params.temperature, 0.7);
  EXPECT_EQ(p.params.top_p, 0.8);
  EXPECT_EQ(p.params.top_k, 20);
  EXPECT_EQ(p.params.min_p, 0.05);
  EXPECT_EQ(p.params.repetition_penalty, 1.05);
  EXPECT_EQ(p.params.max_tokens, 33);
  EXPECT_FALSE(p.max_tokens_given);
  const auto q = parse_sampling(Json::parse(R"({"temperature":0,"top_p":1,"top_k":-1,"min_p":0,"repetition_penalty":1,"max_tokens":4})"), 10, d);
  EXPECT_EQ(q.params.temperature, 0.0);
  EXPECT_EQ(q.params.top_p, 1.0);
  EXPECT_EQ(q.params.top_k, 0);
  EXPECT_EQ(q.params.min_p, 0.0);
  EXPECT_EQ(q.params.repetition_penalty, 1.0);
  EXPECT_EQ(q.params.max_tokens, 4);
  EXPECT_TRUE(q.max_tokens_given);
  // Values no request could send are not defaults.
  GenerationConfig bad;
  bad.temperature = -1, bad.top_p = 0, bad.top_k = 0, bad.repetition_penalty = 0, bad.max_new_tokens = 0;
  const SamplingDefaults none = sampling_defaults(bad);
  EXPECT_EQ(none.temperature, 1.0);
  EXPECT_EQ(none.top_p, 1.0);
  EXPECT_EQ(none.top_k, 0);
  EXPECT_EQ(none.repetition_penalty, 1.0);
  EXPECT_EQ(none.max_tokens, -1);
}

TEST(ServeOpenAI, SamplingFieldsAreChecked) {
  const auto p = parse_sampling(Json::parse(R"({"temperature":0,"top_p":0.5,"top_k":-1,"min_p":0.1,"seed":7,"n":2,
      "presence_penalty":1,"frequency_penalty":-1,"repetition_penalty":1.1,"max_tokens":5,"max_completion_tokens":9,
      "logit_bias":{"3":-100,"4":2.5},"stop":["x","yz"]})"),
                                    10);
  EXPECT_EQ(p.params.temperature, 0.0);
  EXPECT_EQ(p.params.top_p, 0.5);
  EXPECT_EQ(p.params.top_k, 0);
  EXPECT_EQ(*p.params.seed, 7u);
  EXPECT_EQ(p.n, 2);
  EXPECT_EQ(p.params.max_tokens, 9);  // max_completion_tokens wins
  EXPECT_EQ(p.params.logit_bias.at(3), -100.f);
  EXPECT_EQ(p.stop, (std::vector<std::string>{"x", "yz"}));
  EXPECT_EQ(parse_sampling(Json::object(), 10).params.max_tokens, -1);
  for (const char* bad : {R"({"temperature":"hot"})", R"({"temperature":-1})", R"({"top_p":0})", R"({"n":0})",
                          R"({"max_tokens":0})", R"({"max_tokens":1.5})", R"({"logit_bias":{"10":1}})", R"({"logit_bias":{"a":1}})",
                          R"({"logit_bias":{"1":101}})", R"({"stop":[1]})", R"({"stop":""})", R"({"presence_penalty":3})",
                          R"({"repetition_penalty":0})", R"({"seed":1e3})", R"({"stop_token_ids":[10]})"}) {
    try {
      parse_sampling(Json::parse(bad), 10);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status, 400) << bad;
      EXPECT_FALSE(e.param.empty()) << bad;
    }
  }
}

TEST(ServeOpenAI, ErrorsMapToStatuses) {
  EXPECT_EQ(error_for(ApiError(404, "x")).first, 404);
  EXPECT_EQ(error_for(QueueFullError("full")).first, 503);
  EXPECT_EQ(error_for(ValueError("long")).first, 400);
  EXPECT_EQ(error_for(TemplateError("raise")).first, 400);
  EXPECT_EQ(error_for(OSError("disk")).first, 500);
  const Json e = error_json(400, "m", "invalid_request_error", "p", "c")["error"];
  EXPECT_EQ(e["message"], "m");
  EXPECT_EQ(e["param"], "p");
  EXPECT_EQ(error_json(400, "m", "t")["error"]["code"], nullptr);
  EXPECT_THROW(parse_body("{"), ApiError);
  EXPECT_THROW(parse_body("[1]"), ApiError);
}

TEST(ServeOpenAI, Base64ConstantTimeMemorySize) {
  EXPECT_EQ(base64_encode("", 0), "");
  EXPECT_EQ(base64_encode("f", 1), "Zg==");
  EXPECT_EQ(base64_encode("fo", 2), "Zm8=");
  EXPECT_EQ(base64_encode("foobar", 6), "Zm9vYmFy");
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secreT", "secret"));
  EXPECT_FALSE(constant_time_equal("secret1", "secret"));
  EXPECT_FALSE(constant_time_equal("", "secret"));
  EXPECT_FALSE(constant_time_equal("sec", "secret"));
  EXPECT_EQ(parse_memory_size("2GiB"), int64_t{2} << 30);
  EXPECT_EQ(parse_memory_size("512MiB"), int64_t{512} << 20);
  EXPECT_EQ(parse_memory_size("1GB"), 1000000000);
  EXPECT_EQ(parse_memory_size("4096"), 4096);
  for (const char* bad : {"", "GiB", "-1GiB", "2XB", "1e30"}) EXPECT_THROW(parse_memory_size(bad), ValueError) << bad;
}

TEST(ServeOpenAI, MessagesForTemplate) {
  const Json m = messages_for_template(Json::parse(R"([{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
      {"role":"assistant","content":null,"tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{\"x\": 1}"}}]}])"));
  EXPECT_EQ(m[0]["content"], "a\nb");
  EXPECT_EQ(m[1]["tool_calls"][0]["function"]["arguments"]["x"], 1);  // parsed for the template's tojson
  for (const char* bad : {"[]", R"({"role":"user"})", R"([{"content":"x"}])", R"([{"role":"user","content":5}])",
                          R"([{"role":"user","content":[{"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]}])"})
    EXPECT_THROW(messages_for_template(Json::parse(bad)), ApiError) << bad;
}

// Tool calls parse back for each template family: the real template renders an assistant turn
// with a call (what the model is trained to write), and the parser recovers the name and arguments.
TEST(ServeOpenAI, ToolCallsParseForEachTemplateFamily) {
  const Json templates = parse_json_file(fixture("chat/real_templates.json"))["templates"];
  auto tok = AutoTokenizer::from_pretrained(fixture("decoders/textgen"));
  const Json tools = Json::parse(R"([{"type":"function","function":{"name":"get_weather","description":"Weather in a city",
      "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}])");
  const Json user = Json::parse(R"([{"role":"user","content":"Weather in Paris?"}])");
  Json convo = user;
  convo.push_back(Json::parse(R"({"role":"assistant","content":"","tool_calls":[{"id":"abcDEF123","type":"function",
      "function":{"name":"get_weather","arguments":{"city":"Paris"}}}]})"));
  const std::map<std::string, ToolFormat> families = {
      {"Qwen-Qwen2.5-7B-Instruct", ToolFormat::kHermes},
      {"NousResearch-Hermes-3-Llama-3.1-8B-tool_use", ToolFormat::kHermes},
      {"Qwen-Qwen3-0.6B", ToolFormat::kHermes},
      {"meta-llama-Llama-3.1-8B-Instruct", ToolFormat::kLlama3Json},
      {"meta-llama-Llama-3.2-3B-Instruct", ToolFormat::kLlama3Json},
      {"mistralai-Mistral-Nemo-Instruct-2407", ToolFormat::kMistral},
      {"Mistral-Small-3.2-24B-Instruct-2506", ToolFormat::kMistral},
      {"openai-gpt-oss-120b", ToolFormat::kGptOss},
  };
  std::tm now{};
  now.tm_year = 124;
  now.tm_mday = 1;
  for (const auto& [name, family] : families) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(templates.contains(name));
    const std::string tpl = templates[name].get<std::string>();
    EXPECT_EQ(detect_tool_format(tpl), family);
    ChatTemplateOptions co;
    co.chat_template = tpl;
    co.tools_json = tools.dump();
    co.now = now;
    co.add_generation_prompt = true;
    const std::string prompt = tok->apply_chat_template(user.dump(), co);
    co.add_generation_prompt = false;
    const std::string full = tok->apply_chat_template(convo.dump(), co);
    // The assistant's part: what follows the longest common prefix with the generation prompt.
    size_t common = 0;
    while (common < prompt.size() && common < full.size() && prompt[common] == full[common]) ++common;
    const std::string reply = full.substr(common);
    const ParsedToolOutput p = parse_tool_calls(reply, family);
    ASSERT_EQ(p.calls.size(), 1u) << reply;
    EXPECT_EQ(p.calls[0].name, "get_weather");
    EXPECT_EQ(Json::parse(p.calls[0].arguments), Json::parse(R"({"city":"Paris"})")) << p.calls[0].arguments;
    EXPECT_EQ(p.content.find("get_weather"), std::string::npos) << p.content;
    if (family == ToolFormat::kMistral) {
      EXPECT_EQ(p.calls[0].id.size(), 9u);
    }
  }
  // Text without a call stays content; a broken call is not invented.
  EXPECT_TRUE(parse_tool_calls("just text", ToolFormat::kHermes).calls.empty());
  EXPECT_EQ(parse_tool_calls("<tool_call>{not json</tool_call>", ToolFormat::kHermes).content, "<tool_call>{not json</tool_call>");
  EXPECT_TRUE(parse_tool_calls("{\"city\": 1}", ToolFormat::kLlama3Json).calls.empty());
  EXPECT_TRUE(parse_tool_calls("[TOOL_CALLS]oops", ToolFormat::kMistral).calls.empty());
  // Several calls, and the text around them.
  const auto two = parse_tool_calls("Let me check.\n<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n"
                                    "{\"name\": \"b\", \"arguments\": {\"k\": [1, \"}\"]}}\n</tool_call>",
                                    ToolFormat::kHermes);
  ASSERT_EQ(two.calls.size(), 2u);
  EXPECT_EQ(two.content, "Let me check.");
  EXPECT_EQ(Json::parse(two.calls[1].arguments)["k"][1], "}");
  const auto l3 = parse_tool_calls("<|python_tag|>{\"name\": \"a\", \"parameters\": {\"x\": 1}}; {\"name\": \"b\", \"parameters\": {}}",
                                   ToolFormat::kLlama3Json);
  ASSERT_EQ(l3.calls.size(), 2u);
  EXPECT_EQ(l3.calls[1].name, "b");
  const auto oss = parse_tool_calls("<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant<|channel|>commentary "
                                    "to=functions.get_weather <|constrain|>json<|message|>{\"city\":\"Oslo\"}<|call|>",
                                    ToolFormat::kGptOss);
  ASSERT_EQ(oss.calls.size(), 1u);
  EXPECT_EQ(oss.calls[0].name, "get_weather");
  EXPECT_EQ(oss.content, "");
  EXPECT_EQ(parse_tool_calls("<|channel|>analysis<|message|>hm<|end|><|start|>assistant<|channel|>final<|message|>Hi!", ToolFormat::kGptOss).content,
            "Hi!");
}

// ----------------------------------------------------------------------------------- embeddings

TEST(ServeHttp, EmbeddingsEqualSentenceTransformerEncode) {
  const std::string dir = fixture("sentence_transformers/bert-mean");
  Running s(options(dir));
  EXPECT_EQ(s.server->kind(), Server::Kind::kEmbed);
  auto st = SentenceTransformer::from_pretrained(dir);
  const std::vector<std::string> texts = {"I love this movie, it was great!", "Paris is in France.", "ok"};
  const Tensor want = st->encode(texts);
  const int64_t dim = want.size(1);
  auto r = s.post("/v1/embeddings", {{"model", dir}, {"input", texts}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const Json j = Json::parse(r->body);
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["model"], dir);
  ASSERT_EQ(j["data"].size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(j["data"][i]["index"], i);
    const auto e = j["data"][i]["embedding"].get<std::vector<float>>();
    ASSERT_EQ(static_cast<int64_t>(e.size()), dim);
    for (int64_t d = 0; d < dim; ++d) EXPECT_EQ(e[d], want.data<float>()[i * dim + d]) << i << " " << d;
  }
  EXPECT_GT(j["usage"]["prompt_tokens"].get<int64_t>(), 0);
  // And sentence-transformers' own numbers for the same texts (the fixture's golden call without options).
  const Json g = parse_json_file(dir + "/golden.json");
  for (const Json& call : g["calls"]) {
    if (!call["kwargs"].empty() && call["kwargs"] != Json{{"batch_size", call["kwargs"].value("batch_size", 32)}}) continue;
    auto rr = s.post("/v1/embeddings", {{"input", call["texts"]}});
    ASSERT_EQ(rr->status, 200);
    const Json jj = Json::parse(rr->body);
    for (size_t i = 0; i < call["texts"].size(); ++i)
      for (size_t d = 0; d < call["embeddings"][i].size(); ++d)
        EXPECT_NEAR(jj["data"][i]["embedding"][d].get<double>(), call["embeddings"][i][d].get<double>(), 1e-4);
    break;
  }
  // One string; base64; dimensions (truncate_dim).
  r = s.post("/v1/embeddings", {{"input", texts[1]}, {"encoding_format", "base64"}});
  ASSERT_EQ(r->status, 200) << r->body;
  const auto b = base64_floats(Json::parse(r->body)["data"][0]["embedding"].get<std::string>());
  ASSERT_EQ(static_cast<int64_t>(b.size()), dim);
  const Tensor alone = st->encode({texts[1]});  // a batch of one: no padding, as the request
  for (int64_t d = 0; d < dim; ++d) EXPECT_EQ(b[d], alone.data<float>()[d]);
  EncodeOptions eo;
  eo.truncate_dim = 4;
  const Tensor cut = st->encode({texts[0]}, eo);
  r = s.post("/v1/embeddings", {{"input", texts[0]}, {"dimensions", 4}});
  ASSERT_EQ(r->status, 200) << r->body;
  const auto e4 = Json::parse(r->body)["data"][0]["embedding"].get<std::vector<float>>();
  ASSERT_EQ(e4.size(), 4u);
  for (int d = 0; d < 4; ++d) EXPECT_EQ(e4[d], cut.data<float>()[d]);
  // Token ids: the text they decode to.
  TokenizerCallOptions co;
  co.add_special_tokens = false;
  const auto ids = st->tokenizer().encode("paris is in france", nullptr, co).ids;
  const Tensor from_text = st->encode({st->tokenizer().decode(ids)});
  r = s.post("/v1/embeddings", {{"input", ids}});
  ASSERT_EQ(r->status, 200) << r->body;
  const auto ei = Json::parse(r->body)["data"][0]["embedding"].get<std::vector<float>>();
  for (int64_t d = 0; d < dim; ++d) EXPECT_EQ(ei[d], from_text.data<float>()[d]);
  // Bad fields.
  expect_error(s.post("/v1/embeddings", {{"input", texts}, {"encoding_format", "int8"}}), 400, "encoding_format");
  expect_error(s.post("/v1/embeddings", {{"input", texts}, {"dimensions", dim + 1}}), 400, "dimensions too large");
  expect_error(s.post("/v1/embeddings", {{"input", texts}, {"dimensions", 0}}), 400, "dimensions 0");
  expect_error(s.post("/v1/embeddings", {{"input", 5}}), 400, "input number");
  expect_error(s.post("/v1/embeddings", {{"input", Json::array({-1})}}), 400, "negative id");
  expect_error(s.post("/v1/embeddings", Json::object()), 400, "no input");
  // Generation routes do not exist on an embedding model.
  expect_error(s.post("/v1/chat/completions", {{"messages", Json::array()}}), 404, "chat on an embedder");
  expect_error(s.post("/v1/rerank", {{"query", "q"}, {"documents", {"a"}}}), 404, "rerank on an embedder");
}

// --------------------------------------------------------------------------------------- rerank

TEST(ServeHttp, RerankEqualsCrossEncoderRank) {
  const std::string dir = fixture("sentence_transformers/cross-encoder");
  Running s(options(dir));
  EXPECT_EQ(s.server->kind(), Server::Kind::kRerank);
  const Json g = parse_json_file(dir + "/golden.json");
  auto ce = CrossEncoder::from_pretrained(dir);
  const std::vector<std::string> docs = {"I love this movie, it was great!", "The plot was boring and far too long.", "Paris is in France.", "ok",
                                         "John Smith works at Google in London since 2020, and he likes it there a lot.", "",
                                         "A long one that is truncated: " + [] { std::string r; for (int i = 0; i < 12; ++i) r += "the plot was great and Paris is far "; return r; }()};
  const std::string query = "Paris is in France.";
  const auto want = ce->rank(query, docs, 4);
  // vLLM / Cohere / Jina's /v1/rerank.
  auto r = s.post("/v1/rerank", {{"model", dir}, {"query", query}, {"documents", docs}, {"top_n", 4}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  Json j = Json::parse(r->body);
  ASSERT_EQ(j["results"].size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(j["results"][i]["index"], want[i].corpus_id);
    EXPECT_EQ(j["results"][i]["relevance_score"].get<double>(), want[i].score);
    EXPECT_EQ(j["results"][i]["document"]["text"], docs[static_cast<size_t>(want[i].corpus_id)]);
    // sentence-transformers' own ranking of the same query and documents.
    EXPECT_EQ(j["results"][i]["index"], g["rank"][i]["corpus_id"]);
    EXPECT_NEAR(j["results"][i]["relevance_score"].get<double>(), g["rank"][i]["score"].get<double>(), 1e-5);
  }
  EXPECT_GT(j["usage"]["total_tokens"].get<int64_t>(), 0);
  r = s.post("/v1/rerank", {{"query", query}, {"documents", docs}, {"return_documents", false}});
  j = Json::parse(r->body);
  EXPECT_EQ(j["results"].size(), docs.size());
  EXPECT_FALSE(j["results"][0].contains("document"));
  // text-embeddings-inference's /rerank: texts, a bare list of {index, score[, text]}.
  const auto all = ce->rank("ok", docs);
  r = s.post("/rerank", {{"query", "ok"}, {"texts", docs}, {"return_text", true}});
  ASSERT_EQ(r->status, 200) << r->body;
  j = Json::parse(r->body);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(j[i]["index"], all[i].corpus_id);
    EXPECT_EQ(j[i]["score"].get<double>(), all[i].score);
    EXPECT_EQ(j[i]["text"], docs[static_cast<size_t>(all[i].corpus_id)]);
    EXPECT_NEAR(j[i]["score"].get<double>(), g["rank_all"][i]["score"].get<double>(), 1e-5);
  }
  expect_error(s.post("/v1/rerank", {{"documents", docs}}), 400, "no query");
  expect_error(s.post("/v1/rerank", {{"query", "q"}, {"documents", Json::array()}}), 400, "no documents");
  expect_error(s.post("/v1/rerank", {{"query", "q"}, {"documents", {1, 2}}}), 400, "numbers as documents");
  expect_error(s.post("/v1/rerank", {{"query", "q"}, {"documents", docs}, {"top_n", -1}}), 400, "top_n");
  expect_error(s.post("/v1/embeddings", {{"input", "x"}}), 404, "embeddings on a reranker");
}

// ------------------------------------------------------------------------------ errors, security

TEST(ServeHttp, ErrorsAreOpenAIShaped) {
  ServerOptions o = options(fixture("sentence_transformers/bert-mean"));
  o.max_body_bytes = 4096;
  o.served_model_name = "mini";
  Running s(o);
  auto c = s.client();
  expect_error(c.Post("/v1/embeddings", "{\"input\": ", "application/json"), 400, "malformed JSON");
  expect_error(c.Post("/v1/embeddings", "[1, 2]", "application/json"), 400, "not an object");
  expect_error(s.post("/v1/embeddings", {{"model", "gpt-4"}, {"input", "x"}}), 404, "unknown model");
  EXPECT_EQ(Json::parse(s.post("/v1/embeddings", {{"model", "gpt-4"}, {"input", "x"}})->body)["error"]["code"], "model_not_found");
  EXPECT_EQ(s.post("/v1/embeddings", {{"model", "mini"}, {"input", "x"}})->status, 200);
  expect_error(c.Get("/v1/nothing"), 404, "unknown route");
  expect_error(c.Post("/v1/embeddings", std::string(10000, ' ') + "{}", "application/json"), 413, "body over the limit");
  // The server still answers after all of that.
  EXPECT_EQ(c.Get("/health")->status, 200);
  // /v1/models names the served model.
  const Json m = Json::parse(c.Get("/v1/models")->body);
  EXPECT_EQ(m["object"], "list");
  ASSERT_EQ(m["data"].size(), 1u);
  EXPECT_EQ(m["data"][0]["id"], "mini");
  // No CORS unless asked for.
  EXPECT_FALSE(c.Get("/health")->has_header("Access-Control-Allow-Origin"));
}

TEST(ServeHttp, ApiKeyAndCors) {
  ServerOptions o = options(fixture("sentence_transformers/bert-mean"));
  o.api_key = "s3cret-key";
  o.cors_origin = "https://app.example";
  Running s(o);
  auto c = s.client();
  const Json body = {{"input", "hello"}};
  expect_error(s.post("/v1/embeddings", body), 401, "no key");
  expect_error(s.post("/v1/embeddings", body, {{"Authorization", "Bearer wrong"}}), 401, "wrong key");
  expect_error(s.post("/v1/embeddings", body, {{"Authorization", "Bearer s3cret-key-longer"}}), 401, "longer key");
  expect_error(s.post("/v1/embeddings", body, {{"Authorization", "s3cret-key"}}), 401, "no Bearer");
  expect_error(c.Get("/v1/models"), 401, "models without a key");
  expect_error(c.Get("/metrics"), 401, "metrics without a key");
  auto ok = s.post("/v1/embeddings", body, {{"Authorization", "Bearer s3cret-key"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->get_header_value("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(c.Get("/health")->status, 200);  // health needs no key (load balancers)
  // A preflight is answered without credentials, for the configured origin only.
  auto pre = c.Options("/v1/embeddings", {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->get_header_value("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_NE(pre->get_header_value("Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
}

TEST(ServeHttp, ApiKeyFromTheEnvironment) {
  setenv("TRANSFORMERS_CPP_API_KEY", "from-env", 1);
  Running s(options(fixture("sentence_transformers/cross-encoder")));
  unsetenv("TRANSFORMERS_CPP_API_KEY");
  const Json body = {{"query", "q"}, {"documents", {"a", "b"}}};
  expect_error(s.post("/v1/rerank", body), 401, "no key");
  EXPECT_EQ(s.post("/v1/rerank", body, {{"Authorization", "Bearer from-env"}})->status, 200);
}

TEST(ServeHttp, MetricsCountRequestsByStatus) {
  Running s(options(fixture("sentence_transformers/bert-mean")));
  auto c = s.client();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(s.post("/v1/embeddings", {{"input", "a b c"}})->status, 200);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(c.Post("/v1/embeddings", "nope", "application/json")->status, 400);
  auto r = c.Get("/metrics");
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const std::string t = r->body;
  EXPECT_EQ(metric(t, "transformers_cpp_requests_total{status=\"200\"}"), 3 + 1 /* the start-up /health */);
  EXPECT_EQ(metric(t, "transformers_cpp_requests_total{status=\"400\"}"), 2);
  EXPECT_GT(metric(t, "transformers_cpp_prompt_tokens_total"), 0);
  for (const char* name : {"transformers_cpp_num_requests_running", "transformers_cpp_num_requests_waiting", "transformers_cpp_kv_cache_blocks_used",
                           "transformers_cpp_kv_cache_blocks_free", "transformers_cpp_prefix_cache_hit_rate",
                           "transformers_cpp_time_to_first_token_seconds_count", "transformers_cpp_inter_token_latency_seconds_count"})
    EXPECT_GE(metric(t, name), 0) << name;
}

// A bounded load and fault run on loopback: many connections at once mixing valid requests,
// malformed and oversized bodies, and raw sockets that vanish mid-request. Nothing crashes, every
// complete request gets its answer, and the 200s the metrics count are the ones the clients saw.
TEST(ServeHttp, LoadAndFaultsOnLoopback) {
  ServerOptions o = options(fixture("sentence_transformers/bert-mean"));
  o.max_body_bytes = 64 * 1024;
  Running s(o);
  std::atomic<int> ok{0}, bad{0}, big{0}, big_dropped{0}, dropped{0}, other{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::vector<std::thread> workers;
  for (int w = 0; w < 32; ++w) {
    workers.emplace_back([&, w] {
      std::mt19937 rng(static_cast<unsigned>(w));
      for (int i = 0; i < 12 && std::chrono::steady_clock::now() < deadline; ++i) {
        const int kind = static_cast<int>(rng() % 5);
        if (kind == 4) {  // a raw client that sends half a request and leaves
          send_part_and_leave(s.port, "POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"input\": \"hal", rng);
          continue;
        }
        auto c = s.client();
        std::string body;
        if (kind == 0 || kind == 1) body = Json{{"input", std::string(1 + rng() % 40, static_cast<char>('a' + w % 26))}}.dump();
        else if (kind == 2) body = "{\"input\": [1, 2,";
        else body = std::string(100 * 1024, 'x');
        auto r = c.Post("/v1/embeddings", body, "application/json");
        if (!r) {
          // An oversized body is refused from its Content-Length while the client is still
          // sending: the server answers 413 and closes, and the client may see only the reset.
          if (kind == 3) ++big_dropped;
          else ++dropped;
          continue;
        }
        if (r->status == 200) ++ok;
        else if (r->status == 400) ++bad;
        else if (r->status == 413) ++big;
        else ++other;
        if (r->status >= 400) {
          const Json j = Json::parse(r->body, nullptr, false);
          EXPECT_TRUE(j.is_object() && j.contains("error")) << r->status << " " << r->body;
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(bad.load(), 0);
  EXPECT_GT(big.load() + big_dropped.load(), 0);
  EXPECT_EQ(other.load(), 0);
  // Every complete request is answered (the listen backlog is raised past httplib's 5, whose
  // overflow used to drop a few handshakes under this burst).
  EXPECT_EQ(dropped.load(), 0);
  auto c = s.client();
  EXPECT_EQ(c.Get("/health")->status, 200);
  const std::string t = c.Get("/metrics")->body;
  EXPECT_EQ(metric(t, "transformers_cpp_requests_total{status=\"200\"}"), ok.load() + 2 /* two /health */);
  EXPECT_GE(metric(t, "transformers_cpp_requests_total{status=\"413\"}"), big.load());
}

// The CLI: one "listening on http://HOST:PORT" line when ready, answers, and exits 0 on SIGTERM.
TEST(ServeHttp, CliListensAndExitsCleanlyOnSigterm) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    const std::string model = fixture("sentence_transformers/cross-encoder");
    execl(CLI_PATH, CLI_PATH, "serve", model.c_str(), "--port", "0", "--served-model-name", "ce", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char ch;
  while (read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(line, m, std::regex(R"(listening on http://127\.0\.0\.1:(\d+))"))) << line;
  httplib::Client c("127.0.0.1", std::stoi(m[1]));
  auto r = c.Post("/v1/rerank", R"({"model": "ce", "query": "q", "documents": ["a", "b"]})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::string rest;
  while (read(out[0], &ch, 1) == 1) rest += ch;
  EXPECT_EQ(rest, "");  // exactly one line on stdout
  close(out[0]);
}

// ------------------------------------------------------------------------------------ generation

namespace {
const char* kDecoder = "decoders/textgen";  // a tiny GPT-2 with a ChatML template

// The library's greedy generate() on the same prompt: the new ids.
std::vector<int64_t> generate_ids(const std::vector<int64_t>& prompt, int64_t max_new) {
  auto m = AutoModelForCausalLM::from_pretrained(fixture(kDecoder));
  GenerationConfig g;
  g.max_new_tokens = max_new;
  g.do_sample = false;
  const GenerateOutput out = m->generate(Tensor::from_ints(prompt, {1, static_cast<int64_t>(prompt.size())}), g);
  const int64_t len = out.sequences.size(1);
  const int64_t* s = out.sequences.data<int64_t>();
  return std::vector<int64_t>(s + prompt.size(), s + len);
}

// The `data:` payloads of a server-sent-event stream.
std::vector<std::string> sse_events(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    const size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) break;
    const std::string ev = body.substr(pos, end - pos);
    if (ev.rfind("data: ", 0) == 0) out.push_back(ev.substr(6));
    pos = end + 2;
  }
  return out;
}

httplib::Result post_stream(const Running& s, const std::string& path, const Json& body, std::string& received,
                            std::function<bool()> keep_going = {}) {
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    received.append(data, len);
    return keep_going ? keep_going() : true;
  };
  auto c = s.client();
  return c.send(req);
}

const Json kChat = Json::parse(R"([{"role":"user","content":"Hello there, how are you?"}])");
}  // namespace

TEST(ServeHttp, ChatEqualsGenerateStreamedAndNot) {
  Running s(options(fixture(kDecoder)));
  EXPECT_EQ(s.server->kind(), Server::Kind::kGenerate);
  auto tok = AutoTokenizer::from_pretrained(fixture(kDecoder));
  ChatTemplateOptions co;
  co.add_generation_prompt = true;
  const std::vector<int64_t> prompt = tok->apply_chat_template_ids(kChat.dump(), co);
  const std::vector<int64_t> want = generate_ids(prompt, 12);
  const Json req = {{"messages", kChat}, {"max_tokens", 12}, {"temperature", 0}, {"return_token_ids", true}};
  auto r = s.post("/v1/chat/completions", req);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const Json j = Json::parse(r->body);
  EXPECT_EQ(j["object"], "chat.completion");
  const Json& ch = j["choices"][0];
  EXPECT_EQ(ch["token_ids"].get<std::vector<int64_t>>(), want);
  EXPECT_EQ(ch["message"]["role"], "assistant");
  std::vector<int64_t> visible = want;
  if (ch["finish_reason"] == "stop") visible.pop_back();  // the eos ends the text, it is not in it
  else EXPECT_EQ(ch["finish_reason"], "length");
  EXPECT_EQ(ch["message"]["content"], tok->decode(visible, true));
  EXPECT_EQ(j["usage"]["prompt_tokens"], prompt.size());
  EXPECT_EQ(j["usage"]["completion_tokens"], want.size());
  // Streamed: the deltas add up to the same text; usage last; [DONE].
  Json sreq = req;
  sreq["stream"] = true;
  sreq["stream_options"] = {{"include_usage", true}};
  std::string body;
  auto sr = post_stream(s, "/v1/chat/completions", sreq, body);
  ASSERT_TRUE(sr);
  EXPECT_EQ(sr->status, 200);
  const auto events = sse_events(body);
  ASSERT_GE(events.size(), 3u) << body;
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  std::vector<int64_t> ids;
  std::string finish;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const Json e = Json::parse(events[i]);
    EXPECT_EQ(e["object"], "chat.completion.chunk");
    if (e["choices"].empty()) {
      EXPECT_EQ(e["usage"]["completion_tokens"], want.size());
      EXPECT_EQ(i + 2, events.size());  // the usage chunk is the last before [DONE]
      continue;
    }
    const Json& c = e["choices"][0];
    if (c["delta"].contains("content")) text += c["delta"]["content"].get<std::string>();
    if (c.contains("token_ids")) ids = c["token_ids"].get<std::vector<int64_t>>();
    if (!c["finish_reason"].is_null()) finish = c["finish_reason"];
  }
  EXPECT_EQ(text, ch["message"]["content"]);
  EXPECT_EQ(ids, want);
  EXPECT_EQ(finish, ch["finish_reason"]);
}

TEST(ServeHttp, CompletionsStopLogprobsAndEcho) {
  Running s(options(fixture(kDecoder)));
  auto tok = AutoTokenizer::from_pretrained(fixture(kDecoder));
  const std::string prompt = "The plot was";
  const std::vector<int64_t> ids = tok->encode(prompt).ids;
  const std::vector<int64_t> want = generate_ids(ids, 10);
  // Token ids in, logprobs out (the sampled token's is the top one under greedy).
  auto r = s.post("/v1/completions", {{"prompt", ids}, {"max_tokens", 10}, {"temperature", 0}, {"logprobs", 2}, {"return_token_ids", true}});
  ASSERT_EQ(r->status, 200) << r->body;
  Json j = Json::parse(r->body);
  EXPECT_EQ(j["object"], "text_completion");
  const Json& c = j["choices"][0];
  EXPECT_EQ(c["token_ids"].get<std::vector<int64_t>>(), want);
  const Json& lp = c["logprobs"];
  ASSERT_EQ(lp["tokens"].size(), want.size());
  for (size_t t = 0; t < want.size(); ++t) {
    EXPECT_LE(lp["token_logprobs"][t].get<double>(), 0.0);
    EXPECT_EQ(lp["top_logprobs"][t].size(), 2u);
  }
  const std::string full = c["text"];
  // The same prompt as text, with echo.
  r = s.post("/v1/completions", {{"prompt", prompt}, {"max_tokens", 10}, {"temperature", 0}, {"echo", true}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Json::parse(r->body)["choices"][0]["text"], prompt + full);
  // A stop string taken from the middle of that text: the output ends right before it.
  ASSERT_GE(full.size(), 6u) << full;
  const size_t at = full.size() / 2;
  const std::string stop = full.substr(at, 3);
  const size_t first = full.find(stop);
  r = s.post("/v1/completions", {{"prompt", prompt}, {"max_tokens", 10}, {"temperature", 0}, {"stop", stop}});
  ASSERT_EQ(r->status, 200) << r->body;
  j = Json::parse(r->body);
  EXPECT_EQ(j["choices"][0]["text"], full.substr(0, first));
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  // Streamed with the same stop: the same text, never the stop string.
  std::string body;
  post_stream(s, "/v1/completions", {{"prompt", prompt}, {"max_tokens", 10}, {"temperature", 0}, {"stop", stop}, {"stream", true}}, body);
  std::string text;
  for (const auto& e : sse_events(body))
    if (e != "[DONE]") text += Json::parse(e)["choices"][0]["text"].get<std::string>();
  EXPECT_EQ(text, full.substr(0, first));
  // n > 1 with seeds: each choice its own, reproducible.
  r = s.post("/v1/completions", {{"prompt", prompt}, {"max_tokens", 5}, {"n", 3}, {"seed", 11}, {"temperature", 1.0}});
  ASSERT_EQ(r->status, 200) << r->body;
  auto r2 = s.post("/v1/completions", {{"prompt", prompt}, {"max_tokens", 5}, {"n", 3}, {"seed", 11}, {"temperature", 1.0}});
  EXPECT_EQ(Json::parse(r->body)["choices"], Json::parse(r2->body)["choices"]);
  EXPECT_EQ(Json::parse(r->body)["choices"].size(), 3u);
}

TEST(ServeHttp, GenerationErrors) {
  ServerOptions o = options(fixture(kDecoder));
  o.max_model_len = 64;
  Running s(o);
  std::string long_prompt;
  for (int i = 0; i < 80; ++i) long_prompt += "the plot ";
  auto r = s.post("/v1/completions", {{"prompt", long_prompt}, {"max_tokens", 4}});
  expect_error(r, 400, "prompt over the context");
  const std::string msg = Json::parse(r->body)["error"]["message"];
  EXPECT_NE(msg.find("64"), std::string::npos) << msg;  // the context
  EXPECT_NE(msg.find(" in the prompt"), std::string::npos) << msg;  // and the prompt's length
  expect_error(s.post("/v1/completions", {{"prompt", "hi"}, {"max_tokens", 64}}), 400, "prompt + max_tokens over the context");
  expect_error(s.post("/v1/chat/completions", {{"messages", "hi"}}), 400, "messages not a list");
  expect_error(s.post("/v1/chat/completions", {{"messages", kChat}, {"temperature", "hot"}}), 400, "bad temperature");
  expect_error(s.post("/v1/chat/completions", {{"messages", kChat}, {"model", "other"}}), 404, "unknown model");
  expect_error(s.post("/v1/completions", {{"prompt", Json::array({100000})}}), 400, "id out of the vocabulary");
  expect_error(s.post("/v1/chat/completions", {{"messages", kChat}, {"response_format", {{"type", "xml"}}}}), 400, "response_format");
  expect_error(s.post("/v1/embeddings", {{"input", "x"}}), 404, "embeddings on a decoder");
}

// response_format: whatever the (random) model prefers, the content parses and fits the schema;
// json_object gives an object; keywords the constraint cannot enforce are a 400 naming them.
TEST(ServeHttp, ResponseFormatConstrainsTheOutput) {
  Running s(options(fixture(kDecoder)));
  const Json schema = Json::parse(R"({"type":"object","properties":{"k":{"enum":["a","bc"]},"n":{"type":"integer"},
      "ok":{"type":"boolean"}},"required":["k","n","ok"],"additionalProperties":false})");
  for (int seed : {1, 2, 3}) {
    const Json req = {{"messages", kChat}, {"max_tokens", 90}, {"seed", seed},
                      {"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "t"}, {"schema", schema}, {"strict", true}}}}}};
    auto r = s.post("/v1/chat/completions", req);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const Json body = Json::parse(r->body);
    const Json& ch = body["choices"][0];
    EXPECT_EQ(ch["finish_reason"], "stop") << ch.dump();
    Json doc;
    ASSERT_NO_THROW(doc = Json::parse(ch["message"]["content"].get<std::string>())) << ch.dump();
    ASSERT_TRUE(doc.is_object()) << doc.dump();
    EXPECT_EQ(doc.size(), 3u) << doc.dump();
    EXPECT_TRUE(doc["k"] == "a" || doc["k"] == "bc") << doc.dump();
    EXPECT_TRUE(doc["n"].is_number_integer()) << doc.dump();
    EXPECT_TRUE(doc["ok"].is_boolean()) << doc.dump();
  }
  const Json obj = {{"messages", kChat}, {"max_tokens", 90}, {"seed", 5}, {"response_format", {{"type", "json_object"}}}};
  auto r = s.post("/v1/chat/completions", obj);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const Json body = Json::parse(r->body);
  const Json& ch = body["choices"][0];
  if (ch["finish_reason"] == "stop") {
    EXPECT_TRUE(Json::parse(ch["message"]["content"].get<std::string>()).is_object()) << ch.dump();
  } else {
    serve::JsonMatcher prefix(serve::compile_json_schema(nullptr));  // cut by max_tokens: still a prefix of an object
    EXPECT_TRUE(prefix.feed(ch["message"]["content"].get<std::string>())) << ch.dump();
  }
  auto bad = s.post("/v1/chat/completions",
                    {{"messages", kChat},
                     {"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "t"}, {"schema", {{"type", "string"}, {"pattern", "a+"}}}}}}}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("pattern"), std::string::npos) << bad->body;
  EXPECT_EQ(Json::parse(bad->body)["error"]["param"], "response_format");
}

// A client that leaves mid-stream cancels its sequence: the engine's blocks come back.
TEST(ServeHttp, DisconnectFreesBlocks) {
  Running s(options(fixture(kDecoder)));
  auto c = s.client();
  const std::string before = c.Get("/metrics")->body;
  const double used0 = metric(before, "transformers_cpp_kv_cache_blocks_used");
  std::string body;
  int chunks = 0;
  post_stream(s, "/v1/completions", {{"prompt", "The plot"}, {"max_tokens", 100}, {"ignore_eos", true}, {"stream", true}}, body,
              [&] { return ++chunks < 3; });
  double running = -1, used = -1;
  for (int i = 0; i < 200; ++i) {
    const std::string t = c.Get("/metrics")->body;
    running = metric(t, "transformers_cpp_num_requests_running");
    used = metric(t, "transformers_cpp_kv_cache_blocks_used");
    if (running == 0 && used == used0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(running, 0);
  EXPECT_EQ(used, used0);
  const std::string after = c.Get("/metrics")->body;
  EXPECT_LT(metric(after, "transformers_cpp_generation_tokens_total"), 100);  // it did not run to the end
}

namespace {
int64_t resident_bytes() {
  std::ifstream f("/proc/self/statm");
  int64_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
#else
constexpr bool kAsan = false;
#endif
}  // namespace

// The issue's load and fault run: 256 connections at once against a generating server, mixing
// streamed and plain completions, clients that leave mid-stream, malformed and oversized bodies
// and half-open sockets, in three rounds. Every complete request is answered, the engine ends
// idle with every KV block back, the counters agree with what the clients saw, and the resident
// memory does not grow from the second round to the third (after warm-up; not under ASan, whose
// quarantine holds freed memory on purpose).
TEST(ServeHttp, Load256ConnectionsStaysFlat) {
  ServerOptions o = options(fixture(kDecoder));
  o.max_body_bytes = 64 * 1024;
  Running s(o);
  const double used0 = metric(s.client().Get("/metrics")->body, "transformers_cpp_kv_cache_blocks_used");
  std::atomic<int> ok{0}, bad{0}, big{0}, left{0}, lost{0}, other{0}, half{0};
  std::vector<int64_t> rss;
  for (int round = 0; round < 3; ++round) {
    std::vector<std::thread> workers;
    for (int w = 0; w < 256; ++w) {
      workers.emplace_back([&, w, round] {
        std::mt19937 rng(static_cast<unsigned>(1000 * round + w));
        for (int i = 0; i < 8; ++i) {
          const int kind = static_cast<int>(rng() % 7);
          if (kind == 6) {  // half a request on a raw socket, then gone
            ++half;
            send_part_and_leave(s.port, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 300\r\n\r\n{\"prompt\": \"ha", rng);
            continue;
          }
          const Json req = {{"prompt", "The plot " + std::to_string(rng() % 50)}, {"max_tokens", 1 + rng() % 8},
                            {"temperature", (rng() % 2) ? 0.0 : 0.8}, {"seed", static_cast<int>(rng() % 1000)}};
          if (kind == 4 || kind == 5) {  // streamed; kind 5 leaves after the first chunk
            Json sreq = req;
            sreq["stream"] = true;
            std::string body;
            auto r = post_stream(s, "/v1/completions", sreq, body, [&] { return kind == 4; });
            if (kind == 5) {
              ++left;
            } else if (!r) {
              ++lost;
            } else if (r->status == 200 && body.find("data: [DONE]") != std::string::npos) {
              ++ok;
            } else {
              ++other;
            }
            continue;
          }
          std::string body = req.dump();
          if (kind == 2) body = "{\"prompt\": [1, 2,";
          if (kind == 3) body = std::string(100 * 1024, 'x');
          auto r = s.client().Post("/v1/completions", body, "application/json");
          if (!r) {
            if (kind != 3) ++lost;  // an oversized body may be cut off while still being sent
            continue;
          }
          if (r->status == 200) ++ok;
          else if (r->status == 400) ++bad;
          else if (r->status == 413) ++big;
          else ++other;
        }
      });
    }
    for (auto& t : workers) t.join();
    rss.push_back(resident_bytes());
  }
  EXPECT_EQ(lost.load(), 0);
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(bad.load(), 0);
  // The engine is idle again and every block of the requests (finished or abandoned) is free.
  auto c = s.client();
  double running = -1, waiting = -1, used = -1;
  std::string t;
  for (int i = 0; i < 500; ++i) {
    t = c.Get("/metrics")->body;
    running = metric(t, "transformers_cpp_num_requests_running");
    waiting = metric(t, "transformers_cpp_num_requests_waiting");
    used = metric(t, "transformers_cpp_kv_cache_blocks_used");
    if (running == 0 && waiting == 0 && used == used0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(running, 0);
  EXPECT_EQ(waiting, 0);
  EXPECT_EQ(used, used0);
  // The 200s the server counted: the clients' plus those of the abandoned streams (their status
  // line was sent) and the /health and /metrics calls of this test.
  const double counted = metric(t, "transformers_cpp_requests_total{status=\"200\"}");
  EXPECT_GE(counted, ok.load());
  EXPECT_LE(counted, ok.load() + left.load() + 1 /* /health */ + 1 /* first /metrics */ + 500);
  // 400s: the malformed bodies, plus the half-open sockets whose cut request httplib refused.
  EXPECT_GE(metric(t, "transformers_cpp_requests_total{status=\"400\"}"), bad.load());
  EXPECT_LE(metric(t, "transformers_cpp_requests_total{status=\"400\"}"), bad.load() + half.load());
  std::printf("resident after each round: %lld %lld %lld KiB\n", static_cast<long long>(rss[0] >> 10), static_cast<long long>(rss[1] >> 10),
              static_cast<long long>(rss[2] >> 10));
  if (!kAsan) {
    EXPECT_LT(rss[2] - rss[1], int64_t{16} << 20) << "RSS per round: " << rss[0] << " " << rss[1] << " " << rss[2];
  }
}

// Over HTTP: a model published with sampling defaults samples that way when the request is silent,
// exactly as when the request spells the same values out.
TEST(ServeHttp, RequestsDefaultToTheModelsGenerationConfig) {
  testutil::TempDir dir;
  for (const auto& e : std::filesystem::directory_iterator(fixture(kDecoder)))
    std::filesystem::copy_file(e.path(), dir.path / e.path().filename());
  Json g = Json::parse(std::ifstream(dir / "generation_config.json"));
  g["do_sample"] = true, g["temperature"] = 0.7, g["top_p"] = 0.8, g["top_k"] = 20, g["repetition_penalty"] = 1.05, g["max_new_tokens"] = 6;
  std::ofstream(dir / "generation_config.json") << g.dump();
  Running s(options(dir.path.string()));
  const Json silent = {{"prompt", "The plot"}, {"seed", 11}, {"ignore_eos", true}, {"return_token_ids", true}};
  Json spelled = silent;
  spelled["temperature"] = 0.7, spelled["top_p"] = 0.8, spelled["top_k"] = 20, spelled["repetition_penalty"] = 1.05, spelled["max_tokens"] = 6;
  auto a = s.post("/v1/completions", silent);
  auto b = s.post("/v1/completions", spelled);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->status, 200) << a->body;
  ASSERT_EQ(b->status, 200) << b->body;
  const Json ja = Json::parse(a->body), jb = Json::parse(b->body);
  EXPECT_EQ(ja["usage"]["completion_tokens"], 6);
  EXPECT_EQ(ja["choices"][0]["text"], jb["choices"][0]["text"]);
  EXPECT_EQ(ja["choices"][0]["token_ids"], jb["choices"][0]["token_ids"]);
}
