#pragma once
// Hub file resolution with the huggingface_hub cache layout, shared with Python:
// $HF_HUB_CACHE/models--org--name/{blobs,snapshots,refs,.no_exist}.
#include <optional>
#include <string>

#include "transformers/export.hpp"

namespace transformers {

struct TRANSFORMERS_API HubOptions {
  std::string revision = "main";
  std::string subfolder;
  std::string cache_dir;               // overrides HF_HUB_CACHE
  bool local_files_only = false;       // forced on by HF_HUB_OFFLINE
  bool force_download = false;
  std::optional<std::string> token;    // unset: HF_TOKEN / HUGGING_FACE_HUB_TOKEN / $HF_HOME/token
  std::string endpoint;                // overrides HF_ENDPOINT
  bool progress = true;                // progress bar when stderr is a terminal
  // Python's from_pretrained(..., gguf_file=...): config, tokenizer and weights come from this GGUF
  // file (a path, or a file of the folder / repo) instead of config.json / tokenizer.json / safetensors.
  std::string gguf_file;
};

TRANSFORMERS_API std::string hf_home();
TRANSFORMERS_API std::string hf_hub_cache(const HubOptions& o = {});
TRANSFORMERS_API std::string hf_endpoint(const HubOptions& o = {});
TRANSFORMERS_API bool hf_hub_offline();

// Local folder -> path inside it; repo id -> cached or downloaded file path.
// Missing file: returns nullopt when !required, else EntryNotFoundError (a typed OSError).
TRANSFORMERS_API std::optional<std::string> cached_file(const std::string& name_or_path, const std::string& filename,
                                       const HubOptions& o = {}, bool required = true);
TRANSFORMERS_API std::string hf_hub_download(const std::string& repo_id, const std::string& filename, const HubOptions& o = {});
// Looks only in the cache. nullopt: not cached; throws EntryNotFoundError for a .no_exist marker.
TRANSFORMERS_API std::optional<std::string> try_to_load_from_cache(const std::string& repo_id, const std::string& filename,
                                                  const HubOptions& o = {});
// Downloads config.json, weights (single or sharded), tokenizer and preprocessor files. Returns the snapshot folder.
TRANSFORMERS_API std::string snapshot_download(const std::string& repo_id, const HubOptions& o = {});

}  // namespace transformers
