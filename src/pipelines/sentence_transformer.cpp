// sentence-transformers' encode(): Transformer -> Pooling -> Normalize, read from the folder's
// modules.json / 1_Pooling/config.json / sentence_bert_config.json.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cmath>

#include "io/json.hpp"
#include "ops/ops.hpp"
#include "transformers/errors.hpp"
#include "transformers/pipelines.hpp"

namespace transformers {

std::unique_ptr<SentenceTransformer> SentenceTransformer::from_pretrained(const std::string& name, const FromPretrainedOptions& o) {
  auto st = std::unique_ptr<SentenceTransformer>(new SentenceTransformer());
  st->model_ = AutoModel::from_pretrained(name, o);
  TokenizerOptions to;
  static_cast<HubOptions&>(to) = o;
  st->tokenizer_ = AutoTokenizer::from_pretrained(name, to);
  st->max_seq_length_ = std::min<int64_t>(st->tokenizer_->model_max_length(),
                                          st->model_->config().get_int("max_position_embeddings", 512));
  if (auto modules = cached_file(name, "modules.json", o, false)) {
    Json m = parse_json_file(*modules);
    if (!m.is_array()) throw ConfigError(*modules + ": must be a list of modules");
    for (const auto& mod : m) {
      const std::string type = mod.value("type", "");
      const std::string path = mod.value("path", "");
      if (type.find("Pooling") != std::string::npos) {
        Json pc = parse_json_file(*cached_file(name, path + "/config.json", o, true));
        if (pc.value("pooling_mode_cls_token", false)) st->pooling_ = "cls";
        else if (pc.value("pooling_mode_max_tokens", false)) st->pooling_ = "max";
        else if (pc.value("pooling_mode_mean_sqrt_len_tokens", false)) st->pooling_ = "mean_sqrt_len";
        else if (pc.value("pooling_mode_mean_tokens", false)) st->pooling_ = "mean";
        else throw ConfigError(path + "/config.json: no supported pooling mode is enabled");
      } else if (type.find("Normalize") != std::string::npos) {
        st->normalize_ = true;
      } else if (type.find("Transformer") == std::string::npos) {
        throw ConfigError(*modules + ": module type '" + type + "' is not supported");
      }
    }
    if (auto sb = cached_file(name, "sentence_bert_config.json", o, false)) {
      Json c = parse_json_file(*sb);
      if (c.contains("max_seq_length") && c["max_seq_length"].is_number_integer()) st->max_seq_length_ = c["max_seq_length"].get<int64_t>();
    }
  }
  return st;
}

Tensor SentenceTransformer::encode(const std::vector<std::string>& sentences, int64_t batch_size) const {
  if (batch_size <= 0) throw ValueError("batch_size must be positive");
  const int64_t H = model_->config().get_int("hidden_size");
  Tensor out = Tensor::empty({static_cast<int64_t>(sentences.size()), H});
  TokenizerCallOptions co;
  co.padding = "longest";
  co.truncation = "longest_first";
  co.max_length = max_seq_length_;
  // Longest first, as sentence-transformers does: batches of similar length waste less padding.
  std::vector<size_t> order(sentences.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sentences[a].size() > sentences[b].size(); });
  // A progress bar on a terminal for long inputs, as sentence-transformers' show_progress_bar.
  const bool progress = sentences.size() > static_cast<size_t>(4 * batch_size) && isatty(STDERR_FILENO);
  for (size_t start = 0; start < sentences.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(sentences.size(), start + static_cast<size_t>(batch_size));
    if (progress) std::fprintf(stderr, "\rBatches: %zu/%zu", start / static_cast<size_t>(batch_size) + 1,
                               (sentences.size() + static_cast<size_t>(batch_size) - 1) / static_cast<size_t>(batch_size));
    std::vector<std::string> chunk;
    for (size_t i = start; i < end; ++i) chunk.push_back(sentences[order[i]]);
    BatchEncoding be = (*tokenizer_)(chunk, nullptr, co);
    ModelInputs in{{"input_ids", be.input_ids()}, {"attention_mask", be.attention_mask()}};
    if (be.has_token_type_ids) in["token_type_ids"] = be.token_type_ids();
    const Tensor h = model_->forward(in)["last_hidden_state"].contiguous();
    const Tensor mask = be.attention_mask();
    const int64_t B = h.size(0), S = h.size(1);
    for (int64_t b = 0; b < B; ++b) {
      float* dst = out.data<float>() + static_cast<int64_t>(order[start + static_cast<size_t>(b)]) * H;
      const float* hb = h.data<float>() + b * S * H;
      const int64_t* mb = mask.data<int64_t>() + b * S;
      std::vector<double> acc(static_cast<size_t>(H), pooling_ == "max" ? -INFINITY : 0.0);
      double n = 0;
      for (int64_t s = 0; s < S; ++s) {
        if (!mb[s]) continue;
        n += 1;
        for (int64_t d = 0; d < H; ++d) acc[d] = pooling_ == "max" ? std::max(acc[d], double(hb[s * H + d])) : acc[d] + hb[s * H + d];
      }
      for (int64_t d = 0; d < H; ++d) {
        double v = pooling_ == "cls" ? hb[d] : acc[d];
        if (pooling_ == "mean") v /= std::max(n, 1e-9);
        if (pooling_ == "mean_sqrt_len") v /= std::sqrt(std::max(n, 1e-9));
        dst[d] = static_cast<float>(v);
      }
      if (normalize_) {
        double ss = 0;
        for (int64_t d = 0; d < H; ++d) ss += double(dst[d]) * dst[d];
        const double inv = 1.0 / std::max(std::sqrt(ss), 1e-12);
        for (int64_t d = 0; d < H; ++d) dst[d] = static_cast<float>(dst[d] * inv);
      }
    }
  }
  if (progress) std::fprintf(stderr, "\n");
  return out;
}

Tensor SentenceTransformer::cos_sim(const Tensor& a, const Tensor& b) {
  auto unit = [](const Tensor& x) {
    Tensor n = ops::sum(ops::mul(x, x), -1, true);
    Tensor y = x.to(DType::F32).clone();
    const int64_t D = y.size(-1);
    for (int64_t i = 0; i < y.size(0); ++i) {
      const float inv = 1.0f / std::max(std::sqrt(n.data<float>()[i]), 1e-12f);
      for (int64_t d = 0; d < D; ++d) y.data<float>()[i * D + d] *= inv;
    }
    return y;
  };
  return ops::matmul(unit(a), unit(b), false, true);
}

}  // namespace transformers
