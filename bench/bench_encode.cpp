// SentenceTransformer::encode on a realistic embedding workload: N sentences of 5-40 words
// (seeded), batch 32. Times encode() on the texts in random order and pre-sorted by length, and —
// to show what the length sort buys — the same model run batch by batch in the caller's order
// without sorting, plus the tokenizer alone. Prints one JSON object with the padded-token counts.
//   bench_encode MODEL_DIR [N=2000] [BATCH=32] [REPEATS=3] [SENTENCES_OUT]
// SENTENCES_OUT: also write the sentences, one a line (bench/st_encode_bench.py times
// sentence-transformers on the same list).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "transformers/transformers.hpp"

using namespace transformers;

namespace {

std::vector<std::string> make_sentences(size_t n) {
  static const char* words[] = {"the",   "a",        "model",  "runs",     "quickly", "on",     "every", "machine", "with",
                                "data",  "people",   "city",   "river",    "walked",  "under",  "bright", "stars",  "because",
                                "their", "computer", "learns", "language", "from",    "books",  "and",   "music",   "tomorrow",
                                "green", "mountain", "slowly", "answers",  "simple",  "question", "friendly", "dog", "park"};
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> len(5, 40), w(0, static_cast<int>(std::size(words)) - 1);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    std::string s;
    for (int k = len(rng); k > 0; --k) s += std::string(s.empty() ? "" : " ") + words[w(rng)];
    out.push_back(s + ".");
  }
  return out;
}

template <typename F>
double best_seconds(int repeats, F&& f) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_encode MODEL_DIR [N] [BATCH] [REPEATS] [SENTENCES_OUT]\n");
    return 2;
  }
  try {
    const std::string dir = argv[1];
    const size_t n = argc > 2 ? std::stoul(argv[2]) : 2000;
    const int64_t bs = argc > 3 ? std::stol(argv[3]) : 32;
    const int repeats = argc > 4 ? std::stoi(argv[4]) : 3;
    auto st = SentenceTransformer::from_pretrained(dir);
    auto tok = AutoTokenizer::from_pretrained(dir);
    auto model = AutoModel::from_pretrained(dir);
    std::vector<std::string> shuffled = make_sentences(n), sorted = shuffled;
    if (argc > 5) {
      std::ofstream f(argv[5]);
      for (const auto& x : shuffled) f << x << "\n";
    }
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    EncodeOptions o;
    o.batch_size = bs;
    st->encode({shuffled.begin(), shuffled.begin() + std::min<size_t>(n, 64)}, o);  // warm-up
    const double t_random = best_seconds(repeats, [&] { st->encode(shuffled, o); });
    const double t_sorted = best_seconds(repeats, [&] { st->encode(sorted, o); });
    TokenizerCallOptions co;
    co.padding = "longest";
    co.truncation = "longest_first";
    co.max_length = st->max_seq_length();
    // Tokens the model computes per order: batch count x longest in batch, against the real ones.
    auto padded_tokens = [&](const std::vector<std::string>& texts) {
      int64_t padded = 0, real = 0;
      for (size_t s = 0; s < texts.size(); s += static_cast<size_t>(bs)) {
        const std::vector<std::string> chunk(texts.begin() + static_cast<long>(s),
                                             texts.begin() + static_cast<long>(std::min(texts.size(), s + static_cast<size_t>(bs))));
        const BatchEncoding be = (*tok)(chunk, nullptr, co);
        padded += be.input_ids().numel();
        for (const auto& e : be.encodings)
          for (auto m : e.attention_mask) real += m;
      }
      return std::pair{padded, real};
    };
    const auto [pad_sorted, real] = padded_tokens(sorted);
    const auto [pad_unsorted, real2] = padded_tokens(shuffled);
    (void)real2;
    const double t_unsorted_model = best_seconds(repeats, [&] {
      for (size_t s = 0; s < shuffled.size(); s += static_cast<size_t>(bs)) {
        const std::vector<std::string> chunk(shuffled.begin() + static_cast<long>(s),
                                             shuffled.begin() + static_cast<long>(std::min(shuffled.size(), s + static_cast<size_t>(bs))));
        const BatchEncoding be = (*tok)(chunk, nullptr, co);
        ModelInputs in{{"input_ids", be.input_ids()}, {"attention_mask", be.attention_mask()}};
        if (be.has_token_type_ids) in["token_type_ids"] = be.token_type_ids();
        model->forward(in);
      }
    });
    const double t_tok = best_seconds(repeats, [&] {
      for (size_t s = 0; s < shuffled.size(); s += static_cast<size_t>(bs)) {
        const std::vector<std::string> chunk(shuffled.begin() + static_cast<long>(s),
                                             shuffled.begin() + static_cast<long>(std::min(shuffled.size(), s + static_cast<size_t>(bs))));
        (*tok)(chunk, nullptr, co);
      }
    });
    std::printf(
        "{\"sentences\": %zu, \"batch\": %lld, \"encode_random_order_s\": %.4f, \"encode_presorted_s\": %.4f, "
        "\"unsorted_batches_forward_s\": %.4f, \"tokenize_s\": %.4f, \"real_tokens\": %lld, \"padded_tokens_sorted\": %lld, "
        "\"padded_tokens_unsorted\": %lld}\n",
        n, static_cast<long long>(bs), t_random, t_sorted, t_unsorted_model, t_tok, static_cast<long long>(real),
        static_cast<long long>(pad_sorted), static_cast<long long>(pad_unsorted));
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
