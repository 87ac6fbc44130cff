// Tokenizer throughput: encode every line of a text file, one by one (single thread), then as one
// encode_batch (every thread).
//   bench_tokenizer TOKENIZER_JSON TEXT_FILE
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <vector>

#include "transformers/tokenizer.hpp"

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  auto tok = transformers::Tokenizer::from_file(argv[1]);
  std::ifstream f(argv[2]);
  std::vector<std::string> texts;
  size_t bytes = 0;
  for (std::string l; std::getline(f, l);) {
    bytes += l.size();
    texts.push_back(l);
  }
  std::vector<double> times;
  size_t tokens = 0;
  for (int r = 0; r < 5; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    tokens = 0;
    for (const auto& t : texts) tokens += tok.encode(t).size();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  const double med = times[2];
  std::printf("{\"impl\": \"transformers-cpp\", \"mode\": \"encode one by one\", \"MB_per_s\": %.2f, \"texts_per_s\": %.1f, \"tokens\": %zu}\n",
              bytes / med / 1e6, texts.size() / med, tokens);
  times.clear();
  for (int r = 0; r < 5; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    const auto encs = tok.encode_batch(texts);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  std::printf("{\"impl\": \"transformers-cpp\", \"mode\": \"encode_batch\", \"MB_per_s\": %.2f, \"texts_per_s\": %.1f}\n", bytes / times[2] / 1e6,
              texts.size() / times[2]);
  return 0;
}
