// huggingface_hub's file resolution in C++: same cache layout (shared with Python), same HEAD /
// GET protocol on the resolve endpoint, same .no_exist markers. Downloads land in
// blobs/<etag>.incomplete (resumable) and are renamed into place only once complete.
#include "transformers/hub.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "io/json.hpp"
#include "transformers/safetensors.hpp"
#include "transformers/errors.hpp"

namespace fs = std::filesystem;

namespace transformers {
namespace {

std::string env(const char* k) {
  const char* v = std::getenv(k);
  return v ? v : "";
}

bool truthy(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
  return v == "1" || v == "ON" || v == "YES" || v == "TRUE";
}

bool is_commit_hash(const std::string& s) {
  return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f'); });
}

// Repo ids: "name" or "org/name", with the characters the Hub allows.
bool valid_repo_id(const std::string& id) {
  if (id.empty() || id.size() > 96 || id.find("..") != std::string::npos || id.find("--") != std::string::npos) return false;
  if (std::count(id.begin(), id.end(), '/') > 1 || id.front() == '/' || id.back() == '/') return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != '/') return false;
  return id.front() != '-' && id.front() != '.';
}

bool valid_filename(const std::string& f) {
  if (f.empty() || f.front() == '/') return false;
  for (const auto& part : fs::path(f))
    if (part == ".." || part == ".") return false;
  return true;
}

std::string quote(const std::string& s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string r;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) r += static_cast<char>(c);
    else { r += '%'; r += hex[c >> 4]; r += hex[c & 15]; }
  }
  return r;
}

std::string repo_folder(const std::string& repo_id) {
  std::string r = "models";
  size_t start = 0;
  while (true) {
    size_t p = repo_id.find('/', start);
    r += "--" + repo_id.substr(start, p == std::string::npos ? std::string::npos : p - start);
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return r;
}

void write_atomic(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  const fs::path tmp = p.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << content;
    if (!f) throw OSError("cannot write '" + tmp.string() + "'");
  }
  fs::rename(tmp, p);
}

std::string read_small(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

std::optional<std::string> resolve_token(const HubOptions& o) {
  if (o.token) return o.token->empty() ? std::nullopt : o.token;
  if (truthy(env("HF_HUB_DISABLE_IMPLICIT_TOKEN"))) return std::nullopt;
  for (const char* k : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"})
    if (!env(k).empty()) return env(k);
  const std::string path = env("HF_TOKEN_PATH").empty() ? hf_home() + "/token" : env("HF_TOKEN_PATH");
  if (fs::exists(path)) {
    std::string t = read_small(path);
    if (!t.empty()) return t;
  }
  return std::nullopt;
}

void curl_init_once() {
  static std::once_flag f;
  std::call_once(f, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Response {
  long status = 0;
  CURLcode code = CURLE_OK;
  std::string error;
  std::map<std::string, std::string> headers;  // lower-case names
};

size_t on_header(char* buf, size_t size, size_t n, void* ud) {
  auto* r = static_cast<Response*>(ud);
  std::string line(buf, size * n);
  if (line.rfind("HTTP/", 0) == 0) r->headers.clear();  // a new response (redirect / 100-continue)
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string k = line.substr(0, colon), v = line.substr(colon + 1);
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    v.erase(0, v.find_first_not_of(" \t"));
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
    r->headers[k] = v;
  }
  return size * n;
}

long timeout_s(const char* var) {
  const std::string v = env(var);
  return v.empty() ? 10 : std::max(1L, std::atol(v.c_str()));
}

Response head(const std::string& url, const std::optional<std::string>& token) {
  curl_init_once();
  Response r;
  CURL* c = curl_easy_init();
  curl_slist* h = curl_slist_append(nullptr, "Accept-Encoding: identity");
  if (token) h = curl_slist_append(h, ("Authorization: Bearer " + *token).c_str());
  h = curl_slist_append(h, "User-Agent: transformers-cpp/" TRANSFORMERS_VERSION);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_s("HF_HUB_ETAG_TIMEOUT"));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 3 * timeout_s("HF_HUB_ETAG_TIMEOUT"));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  r.code = curl_easy_perform(c);
  if (r.code != CURLE_OK) r.error = curl_easy_strerror(r.code);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return r;
}

struct Download {
  FILE* f;
  std::string name;
  curl_off_t resumed;
  bool tty;
};

int on_progress(void* ud, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* d = static_cast<Download*>(ud);
  if (d->tty && total > 0)
    std::fprintf(stderr, "\r%s: %3d%% %.1f/%.1f MB", d->name.c_str(), static_cast<int>(100 * (now + d->resumed) / (total + d->resumed)),
                 (now + d->resumed) / 1e6, (total + d->resumed) / 1e6);
  return 0;
}

// GET `url` appending to `part` from its current size. Returns the HTTP status.
Response get_to_file(const std::string& url, const fs::path& part, const std::optional<std::string>& token,
                     const std::string& display, bool progress) {
  curl_init_once();
  Response r;
  curl_off_t have = fs::exists(part) ? static_cast<curl_off_t>(fs::file_size(part)) : 0;
  FILE* f = std::fopen(part.c_str(), "ab");
  if (!f) throw OSError("cannot write '" + part.string() + "'");
  Download d{f, display, have, progress && isatty(STDERR_FILENO)};
  CURL* c = curl_easy_init();
  curl_slist* h = nullptr;
  if (token) h = curl_slist_append(h, ("Authorization: Bearer " + *token).c_str());
  h = curl_slist_append(h, "User-Agent: transformers-cpp/" TRANSFORMERS_VERSION);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_s("HF_HUB_DOWNLOAD_TIMEOUT"));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout_s("HF_HUB_DOWNLOAD_TIMEOUT"));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &d);
  if (have > 0) curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, have);
  r.code = curl_easy_perform(c);
  if (r.code != CURLE_OK) r.error = curl_easy_strerror(r.code);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  std::fclose(f);
  if (d.tty) std::fprintf(stderr, "\n");
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return r;
}

// Relative symlink snapshots/<commit>/<file> -> ../../blobs/<etag>, as huggingface_hub makes.
void link_pointer(const fs::path& blob, const fs::path& pointer) {
  fs::create_directories(pointer.parent_path());
  std::error_code ec;
  fs::remove(pointer, ec);
  const fs::path rel = fs::relative(blob, pointer.parent_path());
  fs::create_symlink(rel, pointer, ec);
  if (ec) fs::copy_file(blob, pointer, fs::copy_options::overwrite_existing);
}

class FileLock {
 public:
  explicit FileLock(const fs::path& p) {
    fs::create_directories(p.parent_path());
    fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) {
      flock(fd_, LOCK_UN);
      ::close(fd_);
    }
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

std::string hf_home() {
  if (!env("HF_HOME").empty()) return env("HF_HOME");
  if (!env("XDG_CACHE_HOME").empty()) return env("XDG_CACHE_HOME") + "/huggingface";
  return (env("HOME").empty() ? std::string("/tmp") : env("HOME")) + "/.cache/huggingface";
}

std::string hf_hub_cache(const HubOptions& o) {
  if (!o.cache_dir.empty()) return o.cache_dir;
  if (!env("HF_HUB_CACHE").empty()) return env("HF_HUB_CACHE");
  if (!env("HUGGINGFACE_HUB_CACHE").empty()) return env("HUGGINGFACE_HUB_CACHE");
  return hf_home() + "/hub";
}

std::string hf_endpoint(const HubOptions& o) {
  std::string e = !o.endpoint.empty() ? o.endpoint : (!env("HF_ENDPOINT").empty() ? env("HF_ENDPOINT") : "https://huggingface.co");
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

bool hf_hub_offline() { return truthy(env("HF_HUB_OFFLINE")) || truthy(env("TRANSFORMERS_OFFLINE")); }

std::optional<std::string> try_to_load_from_cache(const std::string& repo_id, const std::string& filename, const HubOptions& o) {
  const fs::path repo = fs::path(hf_hub_cache(o)) / repo_folder(repo_id);
  if (!fs::is_directory(repo)) return std::nullopt;
  std::string commit = o.revision;
  if (!is_commit_hash(commit)) {
    const fs::path ref = repo / "refs" / o.revision;
    if (!fs::exists(ref)) return std::nullopt;
    commit = read_small(ref);
  }
  if (fs::exists(repo / ".no_exist" / commit / filename))
    throw EntryNotFoundError(repo_id + " does not appear to have a file named " + filename + " (cached at revision " + commit + ").");
  const fs::path p = repo / "snapshots" / commit / filename;
  if (fs::exists(p)) return p.string();
  return std::nullopt;
}

std::string hf_hub_download(const std::string& repo_id, const std::string& filename, const HubOptions& o) {
  if (!valid_repo_id(repo_id))
    throw RepositoryNotFoundError(repo_id + " is not a local folder and is not a valid model identifier listed on "
                                  "'https://huggingface.co/models'");
  if (!valid_filename(filename)) throw ValueError("invalid file name '" + filename + "'");
  const fs::path repo = fs::path(hf_hub_cache(o)) / repo_folder(repo_id);
  if (is_commit_hash(o.revision) && !o.force_download) {
    const fs::path p = repo / "snapshots" / o.revision / filename;
    if (fs::exists(p)) return p.string();
  }
  if (o.local_files_only || hf_hub_offline()) {
    if (auto p = try_to_load_from_cache(repo_id, filename, o)) return *p;
    throw LocalEntryNotFoundError("Cannot find the requested file " + filename + " of " + repo_id +
                                  " in the disk cache and outgoing traffic has been disabled (HF_HUB_OFFLINE or "
                                  "local_files_only). To enable downloads, unset them.");
  }
  const auto token = resolve_token(o);
  std::string url = hf_endpoint(o) + "/" + repo_id + "/resolve/" + quote(o.revision, false) + "/" + quote(filename, true);
  Response r;
  for (int hops = 0; hops < 5; ++hops) {
    r = head(url, token);
    if (r.code != CURLE_OK || r.status < 300 || r.status >= 400 || !r.headers.count("location")) break;
    const std::string& loc = r.headers["location"];
    if (loc.rfind("http://", 0) == 0 || loc.rfind("https://", 0) == 0) break;  // CDN: download from there
    const auto scheme_end = url.find("://");
    const auto host_end = url.find('/', scheme_end + 3);
    url = url.substr(0, host_end) + (loc.front() == '/' ? "" : "/") + loc;
  }
  auto cached_or = [&](const std::string& why) -> std::string {
    try {
      if (auto p = try_to_load_from_cache(repo_id, filename, o)) return *p;
    } catch (const EntryNotFoundError&) {
      throw;
    }
    throw HubConnectionError("cannot reach " + hf_endpoint(o) + " for " + repo_id + "/" + filename + " (" + why +
                             ") and the file is not in the cache at " + repo.string());
  };
  if (r.code != CURLE_OK) return cached_or(r.error);
  const std::string commit = r.headers.count("x-repo-commit") ? r.headers["x-repo-commit"] : "";
  const std::string error_code = r.headers.count("x-error-code") ? r.headers["x-error-code"] : "";
  if (r.status == 404 || r.status == 401 || r.status == 403) {
    if (error_code == "RepoNotFound" || (r.status == 401 && error_code.empty()))
      throw RepositoryNotFoundError(repo_id + " is not a local folder and is not a valid model identifier listed on "
                                    "'https://huggingface.co/models' (HTTP " + std::to_string(r.status) + ")");
    if (error_code == "RevisionNotFound")
      throw RevisionNotFoundError("revision '" + o.revision + "' not found in " + repo_id);
    if (error_code == "GatedRepo" || r.status == 403)
      throw OSError("access to " + repo_id + " is restricted (HTTP " + std::to_string(r.status) + "); pass a token");
    if (is_commit_hash(commit)) {
      write_atomic(repo / ".no_exist" / commit / filename, "");
      if (o.revision != commit) write_atomic(repo / "refs" / o.revision, commit);
    }
    throw EntryNotFoundError(repo_id + " does not appear to have a file named " + filename + ".");
  }
  if (r.status >= 500 || r.status == 429) return cached_or("HTTP " + std::to_string(r.status));
  if (r.status >= 400) throw OSError("HTTP " + std::to_string(r.status) + " for " + url);
  std::string etag = r.headers.count("x-linked-etag") ? r.headers["x-linked-etag"] : (r.headers.count("etag") ? r.headers["etag"] : "");
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());
  if (!is_commit_hash(commit) || etag.empty() || etag.find('/') != std::string::npos || etag == "." || etag == "..")
    throw OSError("Distant resource for " + repo_id + "/" + filename + " does not have the X-Repo-Commit / ETag headers the Hub sends; "
                  "is HF_ENDPOINT a Hugging Face Hub?");
  const std::string size_s = r.headers.count("x-linked-size") ? r.headers["x-linked-size"]
                                                              : (r.headers.count("content-length") ? r.headers["content-length"] : "");
  const long long expected = size_s.empty() ? -1 : std::atoll(size_s.c_str());
  const std::string download_url = (r.status >= 300 && r.headers.count("location")) ? r.headers["location"] : url;

  if (o.revision != commit) write_atomic(repo / "refs" / o.revision, commit);
  const fs::path blob = repo / "blobs" / etag;
  const fs::path pointer = repo / "snapshots" / commit / filename;
  if (!o.force_download && fs::exists(pointer)) return pointer.string();
  FileLock lock(fs::path(hf_hub_cache(o)) / ".locks" / repo_folder(repo_id) / (etag + ".lock"));
  if (o.force_download || !fs::exists(blob)) {
    fs::create_directories(blob.parent_path());
    const fs::path part = blob.string() + ".incomplete";
    if (o.force_download) fs::remove(part);
    Response g = get_to_file(download_url, part, token, filename, o.progress);
    if (g.code == CURLE_RANGE_ERROR || (g.code == CURLE_OK && g.status == 200 && fs::file_size(part) != static_cast<uintmax_t>(expected) && expected >= 0)) {
      // Server ignored or refused the range: start over from byte 0.
      fs::remove(part);
      g = get_to_file(download_url, part, token, filename, o.progress);
    }
    if (g.code != CURLE_OK)
      throw HubConnectionError("download of " + repo_id + "/" + filename + " failed: " + g.error + " (HTTP " + std::to_string(g.status) +
                               "); the partial file is kept for resuming");
    const auto got = fs::file_size(part);
    if (expected >= 0 && got != static_cast<uintmax_t>(expected))
      throw HubConnectionError("download of " + repo_id + "/" + filename + " is incomplete: " + std::to_string(got) + " of " +
                               std::to_string(expected) + " bytes; the partial file is kept for resuming");
    fs::rename(part, blob);
  }
  link_pointer(blob, pointer);
  return pointer.string();
}

std::optional<std::string> cached_file(const std::string& name, const std::string& filename, const HubOptions& o, bool required) {
  const std::string rel = o.subfolder.empty() ? filename : o.subfolder + "/" + filename;
  if (fs::is_directory(name)) {
    const fs::path p = fs::path(name) / rel;
    if (fs::is_regular_file(p)) return p.string();
    if (!required) return std::nullopt;
    throw EntryNotFoundError(name + " does not appear to have a file named " + rel + ".");
  }
  if (!valid_repo_id(name))
    throw RepositoryNotFoundError(name + " is not a local folder and is not a valid model identifier listed on "
                                  "'https://huggingface.co/models'");
  try {
    return hf_hub_download(name, rel, o);
  } catch (const EntryNotFoundError&) {
    if (!required) return std::nullopt;
    throw;
  } catch (const LocalEntryNotFoundError&) {
    if (!required) return std::nullopt;
    throw;
  }
}

std::string snapshot_download(const std::string& repo_id, const HubOptions& o) {
  const std::string config = *cached_file(repo_id, "config.json", o, true);
  for (const char* f : {"generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                        "vocab.txt", "vocab.json", "merges.txt", "preprocessor_config.json", "processor_config.json",
                        "chat_template.jinja", "modules.json", "sentence_bert_config.json", "added_tokens.json", "tokenizer.model",
                        "spiece.model", "sentencepiece.bpe.model", "spm.model", "source.spm", "target.spm", "target_vocab.json"})
    cached_file(repo_id, f, o, false);
  if (!cached_file(repo_id, "model.safetensors", o, false)) {
    if (auto idx = cached_file(repo_id, "model.safetensors.index.json", o, false))
      for (const auto& s : list_shards(*idx)) cached_file(repo_id, s, o, true);
  }
  return fs::path(config).parent_path().string();
}

}  // namespace transformers
