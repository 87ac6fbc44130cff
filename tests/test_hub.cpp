// Hub resolution against a real HTTP server on 127.0.0.1 that serves the resolve endpoint from
// the fixture folders, including failures: 404s, a body cut in the middle, the server gone.
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "test_util.hpp"

using namespace transformers;
namespace fs = std::filesystem;
using testutil::fixture;
using testutil::TempDir;

namespace {

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

class FakeHub {
 public:
  std::atomic<bool> truncate_next{false};
  std::atomic<int> gets{0};
  std::string last_range;

  FakeHub() {
    repos_["org/tiny-bert"] = fixture("bert/base");
    repos_["org/sharded"] = fixture("bert/sharded");
    svr_.Get(R"(/([^/]+)/([^/]+)/resolve/([^/]+)/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string repo = req.matches[1].str() + "/" + req.matches[2].str();
      const std::string rev = req.matches[3], file = req.matches[4];
      auto it = repos_.find(repo);
      if (it == repos_.end()) {
        res.status = 401;
        res.set_header("X-Error-Code", "RepoNotFound");
        return;
      }
      if (rev != "main" && rev != kCommit) {
        res.status = 404;
        res.set_header("X-Error-Code", "RevisionNotFound");
        return;
      }
      res.set_header("X-Repo-Commit", kCommit);
      const std::string path = it->second + "/" + file;
      if (!fs::is_regular_file(path)) {
        res.status = 404;
        res.set_header("X-Error-Code", "EntryNotFound");
        return;
      }
      auto body = std::make_shared<std::string>(slurp(path));
      res.set_header("ETag", "\"" + std::to_string(std::hash<std::string>{}(*body)) + "\"");
      if (req.method == "GET") {
        ++gets;
        last_range = req.get_header_value("Range");
        if (truncate_next.exchange(false)) {
          // Declare the full length, send half, then drop the connection.
          res.set_content_provider(body->size(), "application/octet-stream",
                                   [body](size_t, size_t, httplib::DataSink& sink) {
                                     sink.write(body->data(), body->size() / 2);
                                     return false;
                                   });
          return;
        }
      }
      res.set_content(*body, "application/octet-stream");
    });
    port_ = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
    while (!svr_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeHub() { stop(); }
  void stop() {
    svr_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server svr_;
  std::thread thread_;
  int port_ = 0;
  std::map<std::string, std::string> repos_;
};

HubOptions opts(const FakeHub& hub, const TempDir& cache) {
  HubOptions o;
  o.endpoint = hub.endpoint();
  o.cache_dir = cache.path.string();
  o.progress = false;
  return o;
}

}  // namespace

TEST(Hub, DownloadsIntoTheHuggingFaceCacheLayout) {
  FakeHub hub;
  TempDir cache;
  HubOptions o = opts(hub, cache);
  const std::string p = hf_hub_download("org/tiny-bert", "config.json", o);
  const fs::path repo = cache.path / "models--org--tiny-bert";
  EXPECT_EQ(p, (repo / "snapshots" / kCommit / "config.json").string());
  EXPECT_TRUE(fs::is_symlink(p));
  EXPECT_EQ(fs::read_symlink(p).string().rfind("../../blobs/", 0), 0u);
  EXPECT_EQ(slurp(p), slurp(fixture("bert/base/config.json")));
  EXPECT_EQ(slurp((repo / "refs" / "main").string()), kCommit);
  // Second call: no GET, served from the cache pointer.
  const int before = hub.gets;
  EXPECT_EQ(hf_hub_download("org/tiny-bert", "config.json", o), p);
  EXPECT_EQ(hub.gets, before);
  // A pinned commit with a snapshot needs no network at all.
  hub.stop();
  HubOptions pinned = o;
  pinned.revision = kCommit;
  EXPECT_EQ(hf_hub_download("org/tiny-bert", "config.json", pinned), p);
}

TEST(Hub, FromPretrainedByRepoId) {
  FakeHub hub;
  TempDir cache;
  FromPretrainedOptions o;
  static_cast<HubOptions&>(o) = opts(hub, cache);
  auto model = AutoModel::from_pretrained("org/tiny-bert", o);
  EXPECT_EQ(model->config().commit_hash(), kCommit);
  SafeTensorsFile in = SafeTensorsFile::open(fixture("bert/base/inputs.safetensors"));
  ModelInputs inputs;
  for (const auto& t : in.tensors()) inputs[t.name] = in.get(t.name);
  EXPECT_TRUE(testutil::allclose(model->forward(inputs)["last_hidden_state"],
                                 SafeTensorsFile::open(fixture("bert/base/outputs.safetensors")).get("last_hidden_state")));
  auto sharded = AutoModel::from_pretrained("org/sharded", o);  // index + every shard fetched
  EXPECT_TRUE(fs::exists(cache.path / "models--org--sharded" / "snapshots" / kCommit / "model-00003-of-00003.safetensors"));
  // The folder download command's library call.
  const std::string snap = snapshot_download("org/tiny-bert", opts(hub, cache));
  EXPECT_TRUE(fs::exists(snap + "/model.safetensors"));
}

TEST(Hub, MissingEntriesAreRememberedInNoExist) {
  FakeHub hub;
  TempDir cache;
  HubOptions o = opts(hub, cache);
  EXPECT_THROW(hf_hub_download("org/tiny-bert", "tokenizer.json", o), EntryNotFoundError);
  EXPECT_TRUE(fs::exists(cache.path / "models--org--tiny-bert" / ".no_exist" / kCommit / "tokenizer.json"));
  EXPECT_THROW(try_to_load_from_cache("org/tiny-bert", "tokenizer.json", o), EntryNotFoundError);
  EXPECT_FALSE(cached_file("org/tiny-bert", "tokenizer.json", o, false).has_value());
  EXPECT_THROW(hf_hub_download("org/does-not-exist", "config.json", o), RepositoryNotFoundError);
  HubOptions badrev = o;
  badrev.revision = "v9";
  EXPECT_THROW(hf_hub_download("org/tiny-bert", "config.json", badrev), RevisionNotFoundError);
  EXPECT_THROW(cached_file("not/a/valid/id", "config.json", o), RepositoryNotFoundError);
  EXPECT_THROW(hf_hub_download("org/tiny-bert", "../../etc/passwd", o), ValueError);
  FromPretrainedOptions fo;
  static_cast<HubOptions&>(fo) = o;
  EXPECT_THROW(AutoModel::from_pretrained("org/does-not-exist", fo), OSError);
}

TEST(Hub, InterruptedDownloadNeverLooksComplete) {
  FakeHub hub;
  TempDir cache;
  HubOptions o = opts(hub, cache);
  hub.truncate_next = true;
  EXPECT_THROW(hf_hub_download("org/tiny-bert", "model.safetensors", o), HubConnectionError);
  const fs::path repo = cache.path / "models--org--tiny-bert";
  EXPECT_FALSE(fs::exists(repo / "snapshots" / kCommit / "model.safetensors"));
  size_t complete = 0, partial = 0;
  for (const auto& e : fs::directory_iterator(repo / "blobs")) {
    if (e.path().extension() == ".incomplete") ++partial;
    else ++complete;
  }
  EXPECT_EQ(complete, 0u);
  EXPECT_EQ(partial, 1u);
  // The retry resumes from where the cut happened and yields the exact file.
  const std::string p = hf_hub_download("org/tiny-bert", "model.safetensors", o);
  EXPECT_EQ(hub.last_range.rfind("bytes=", 0), 0u);
  EXPECT_EQ(slurp(p), slurp(fixture("bert/base/model.safetensors")));
  for (const auto& e : fs::directory_iterator(repo / "blobs")) EXPECT_NE(e.path().extension(), ".incomplete");
}

TEST(Hub, ServerGoneFallsBackToCacheOrFailsClearly) {
  TempDir cache;
  HubOptions o;
  {
    FakeHub hub;
    o = opts(hub, cache);
    hf_hub_download("org/tiny-bert", "config.json", o);
  }  // server stopped
  EXPECT_EQ(slurp(hf_hub_download("org/tiny-bert", "config.json", o)), slurp(fixture("bert/base/config.json")));
  EXPECT_THROW(hf_hub_download("org/tiny-bert", "model.safetensors", o), HubConnectionError);
  HubOptions local = o;
  local.local_files_only = true;
  EXPECT_THROW(hf_hub_download("org/tiny-bert", "model.safetensors", local), LocalEntryNotFoundError);
  setenv("HF_HUB_OFFLINE", "1", 1);
  EXPECT_TRUE(hf_hub_offline());
  EXPECT_NO_THROW(hf_hub_download("org/tiny-bert", "config.json", o));
  EXPECT_THROW(hf_hub_download("org/tiny-bert", "model.safetensors", o), LocalEntryNotFoundError);
  unsetenv("HF_HUB_OFFLINE");
}

TEST(Hub, EnvironmentResolution) {
  setenv("HF_HOME", "/tmp/hfhome-x", 1);
  unsetenv("HF_HUB_CACHE");
  EXPECT_EQ(hf_hub_cache(), "/tmp/hfhome-x/hub");
  setenv("HF_HUB_CACHE", "/tmp/hubcache-y", 1);
  EXPECT_EQ(hf_hub_cache(), "/tmp/hubcache-y");
  HubOptions o;
  o.cache_dir = "/tmp/explicit";
  EXPECT_EQ(hf_hub_cache(o), "/tmp/explicit");
  unsetenv("HF_HUB_CACHE");
  unsetenv("HF_HOME");
  setenv("HF_ENDPOINT", "http://example.invalid/", 1);
  EXPECT_EQ(hf_endpoint(), "http://example.invalid");
  unsetenv("HF_ENDPOINT");
  EXPECT_EQ(hf_endpoint(), "https://huggingface.co");
}
