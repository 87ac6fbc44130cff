// Tokenizer throughput: encode every line of a text file, one by one (single thread), then as one
// encode_batch (every thread); the load time of the tokenizer.json (and of more files given after),
// and one 1 MB text without spaces.
//   bench_tokenizer TOKENIZER_JSON TEXT_FILE [MORE_TOKENIZER_JSON...]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "transformers/tokenizer.hpp"

static double median_seconds(int runs, const std::function<void()>& f) {
  std::vector<double> t;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  for (int a = 1; a < argc; ++a) {
    if (a == 2) continue;
    size_t vocab = 0;
    const double s = median_seconds(5, [&] { vocab = transformers::Tokenizer::from_file(argv[a]).get_vocab_size(); });
    std::printf("{\"impl\": \"transformers-cpp\", \"mode\": \"load\", \"file\": \"%s\", \"vocab\": %zu, \"ms\": %.1f}\n", argv[a], vocab, s * 1e3);
  }
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
  std::string nospace;
  for (const auto& t : texts) {
    for (char c : t)
      if (c != ' ') nospace += c;
    if (nospace.size() >= 1000000) break;
  }
  while (!nospace.empty() && (static_cast<unsigned char>(nospace.back()) & 0xC0) == 0x80) nospace.pop_back();  // whole characters
  if (!nospace.empty() && static_cast<unsigned char>(nospace.back()) >= 0xC0) nospace.pop_back();
  size_t n = 0;
  const double s = median_seconds(3, [&] { n = tok.encode(nospace).size(); });
  std::printf("{\"impl\": \"transformers-cpp\", \"mode\": \"1 MB without spaces\", \"bytes\": %zu, \"tokens\": %zu, \"ms\": %.1f}\n", nospace.size(), n,
              s * 1e3);
  return 0;
}
