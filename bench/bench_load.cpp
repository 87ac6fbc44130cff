// from_pretrained of a ~1 GB bf16 BERT-shaped checkpoint whose dtype matches: wall time and RSS.
//   bench_load DIR      (writes the checkpoint into DIR on first use)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "transformers/transformers.hpp"

using namespace transformers;

static long rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/tmp/tcpp-bench-1gb";
  const int64_t H = 1536, L = 24, I = 6144, V = 30522, P = 512;  // ~0.96 G params x 2 bytes... see below
  if (!std::filesystem::exists(dir + "/model.safetensors")) {
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/config.json") << "{\"model_type\":\"bert\",\"hidden_size\":" << H << ",\"num_hidden_layers\":" << L
                                        << ",\"num_attention_heads\":16,\"intermediate_size\":" << I << ",\"vocab_size\":" << V
                                        << ",\"max_position_embeddings\":" << P << ",\"dtype\":\"bfloat16\"}";
    std::vector<std::pair<std::string, Tensor>> ts;
    auto add = [&](const std::string& n, Shape s) {
      Tensor t = Tensor::zeros(s, DType::BF16);
      ts.emplace_back(n, t);
    };
    add("embeddings.word_embeddings.weight", {V, H});
    add("embeddings.position_embeddings.weight", {P, H});
    add("embeddings.token_type_embeddings.weight", {2, H});
    add("embeddings.LayerNorm.weight", {H});
    add("embeddings.LayerNorm.bias", {H});
    for (int64_t l = 0; l < L; ++l) {
      const std::string p = "encoder.layer." + std::to_string(l) + ".";
      for (const char* n : {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"}) {
        add(p + n + ".weight", {H, H});
        add(p + n + ".bias", {H});
      }
      add(p + "attention.output.LayerNorm.weight", {H});
      add(p + "attention.output.LayerNorm.bias", {H});
      add(p + "intermediate.dense.weight", {I, H});
      add(p + "intermediate.dense.bias", {I});
      add(p + "output.dense.weight", {H, I});
      add(p + "output.dense.bias", {H});
      add(p + "output.LayerNorm.weight", {H});
      add(p + "output.LayerNorm.bias", {H});
    }
    add("pooler.dense.weight", {H, H});
    add("pooler.dense.bias", {H});
    save_safetensors(ts, dir + "/model.safetensors");
  }
  const auto bytes = std::filesystem::file_size(dir + "/model.safetensors");
  // Drop nothing from the page cache: we measure the warm-cache load, the common case on a server.
  // Both ways: into memory (the default) and memory-mapped (mmap: no copy).
  for (bool mmap : {true, false}) {
    FromPretrainedOptions o;
    o.mmap = mmap;
    const long rss0 = rss_kb();
    auto t0 = std::chrono::steady_clock::now();
    auto model = AutoModel::from_pretrained(dir, o);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const long rss1 = rss_kb();
    std::printf("{\"bench\": \"from_pretrained\", \"mmap\": %s, \"checkpoint_bytes\": %lu, \"seconds\": %.4f, \"rss_before_mb\": %.1f, "
                "\"rss_after_mb\": %.1f, \"zero_copy_tensors\": %zu, \"converted_tensors\": %zu}\n",
                mmap ? "true" : "false", static_cast<unsigned long>(bytes), s, rss0 / 1024.0, rss1 / 1024.0,
                model->loading_info().zero_copy_tensors, model->loading_info().converted_tensors);
  }
  return 0;
}
