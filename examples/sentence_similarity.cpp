// Sentence embeddings with a real model, end to end, checked against sentence-transformers.
//   sentence_similarity MODEL_DIR [SENTENCES.txt GOLDEN.safetensors]
// Embeds the sentences (one per line, \n and \t escaped), compares every embedding with the
// Python golden (cosine and max |diff|), then prints a similarity matrix and the top matches.
#include <transformers/transformers.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

using namespace transformers;

static std::string unescape(const std::string& s) {
  std::string r;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'n' || s[i + 1] == 't')) {
      r += s[i + 1] == 'n' ? '\n' : '\t';
      ++i;
    } else {
      r += s[i];
    }
  }
  return r;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL_DIR [SENTENCES.txt GOLDEN.safetensors]\n", argv[0]);
    return 2;
  }
  try {
    auto t0 = std::chrono::steady_clock::now();
    auto st = SentenceTransformer::from_pretrained(argv[1]);
    auto t1 = std::chrono::steady_clock::now();
    std::printf("loaded %s (%s, pooling=%s, normalize=%s, max_seq_length=%ld) in %.0f ms\n", argv[1],
                st->model().class_name().c_str(), st->pooling_mode().c_str(), st->normalize() ? "yes" : "no",
                static_cast<long>(st->max_seq_length()), std::chrono::duration<double, std::milli>(t1 - t0).count());
    bool ok = true;
    if (argc >= 4) {
      std::ifstream f(argv[2]);
      std::vector<std::string> sentences;
      for (std::string line; std::getline(f, line);) sentences.push_back(unescape(line));
      auto a = std::chrono::steady_clock::now();
      Tensor emb = st->encode(sentences, 16);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
      Tensor gold = SafeTensorsFile::open(argv[3]).get("embeddings");
      const auto x = emb.to_floats(), y = gold.to_floats();
      const int64_t D = emb.size(1);
      double min_cos = 1, max_diff = 0;
      for (int64_t i = 0; i < emb.size(0); ++i) {
        double dot = 0, nx = 0, ny = 0;
        for (int64_t d = 0; d < D; ++d) {
          const double p = x[i * D + d], q = y[i * D + d];
          dot += p * q, nx += p * p, ny += q * q;
          max_diff = std::max(max_diff, std::fabs(p - q));
        }
        min_cos = std::min(min_cos, dot / std::sqrt(nx * ny));
      }
      ok = min_cos > 0.99999 && max_diff < 1e-5;
      std::printf("%zu sentences embedded in %.2f s (%.1f sentences/s)\n", sentences.size(), secs, sentences.size() / secs);
      std::printf("vs sentence-transformers: min cosine %.8f, max |diff| %.2e  %s\n", min_cos, max_diff, ok ? "OK" : "MISMATCH");
    }
    const std::vector<std::string> demo = {"A man is eating food.", "A man is eating a piece of bread.",
                                           "The girl is carrying a baby.", "A man is riding a horse.",
                                           "A woman is playing violin."};
    Tensor e = st->encode(demo);
    Tensor sim = SentenceTransformer::cos_sim(e, e);
    std::printf("\ncosine similarity\n%38s", "");
    for (size_t j = 0; j < demo.size(); ++j) std::printf("   [%zu]", j);
    std::printf("\n");
    for (size_t i = 0; i < demo.size(); ++i) {
      std::printf("[%zu] %-34s", i, demo[i].c_str());
      for (size_t j = 0; j < demo.size(); ++j) std::printf(" %5.2f", sim.item({static_cast<int64_t>(i), static_cast<int64_t>(j)}));
      std::printf("\n");
    }
    const std::string query = "Someone is having a meal.";
    Tensor q = SentenceTransformer::cos_sim(st->encode({query}), e);
    size_t best = 0;
    for (size_t j = 1; j < demo.size(); ++j)
      if (q.item({0, static_cast<int64_t>(j)}) > q.item({0, static_cast<int64_t>(best)})) best = j;
    std::printf("\nquery \"%s\" -> best match \"%s\" (%.3f)\n", query.c_str(), demo[best].c_str(), q.item({0, static_cast<int64_t>(best)}));
    return ok ? 0 : 1;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "error: %s\n", ex.what());
    return 1;
  }
}
