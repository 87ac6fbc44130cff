// Text pipelines, following transformers/pipelines/{text_classification,fill_mask,token_classification}.py.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "transformers/errors.hpp"
#include "pipelines/pipeline_utils.hpp"

namespace transformers {

std::unique_ptr<PreTrainedTokenizer> load_tokenizer(const std::string& name, const FromPretrainedOptions& o) {
  TokenizerOptions to;
  static_cast<HubOptions&>(to) = o;
  return AutoTokenizer::from_pretrained(name, to);
}

std::vector<double> softmax(const float* x, int64_t n) {
  std::vector<double> r(static_cast<size_t>(n));
  const double mx = *std::max_element(x, x + n);
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += (r[i] = std::exp(x[i] - mx));
  for (auto& v : r) v /= s;
  return r;
}

std::string label_of(const PretrainedConfig& c, int64_t i) {
  auto m = c.id2label();
  auto it = m.find(i);
  return it == m.end() ? "LABEL_" + std::to_string(i) : it->second;
}

std::vector<LabelScore> label_scores(const PretrainedConfig& c, const float* x, int64_t n, std::optional<int64_t> top_k,
                                     bool single_logit_sigmoid) {
  const std::string pt = c.get_string("problem_type", "");
  std::vector<double> s(x, x + n);
  if (pt == "regression") {
  } else if (pt == "multi_label_classification" || (single_logit_sigmoid && n == 1)) {
    for (auto& v : s) v = 1.0 / (1.0 + std::exp(-v));
  } else {
    s = softmax(x, n);
  }
  std::vector<LabelScore> r;
  for (int64_t i = 0; i < n; ++i) r.push_back({label_of(c, i), s[i]});
  std::stable_sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
  if (top_k && *top_k >= 0 && static_cast<size_t>(*top_k) < r.size()) r.resize(static_cast<size_t>(*top_k));
  return r;
}

namespace {

// The inputs in batches of `batch_size`, longest first (in characters, as sentence-transformers
// sorts), so each padded batch holds texts of similar length: a list of mixed lengths would
// otherwise compute every text at the longest one's length. `each(i, out, be, b)` sees input i (the
// caller's index) as row b of its batch's output and encodings; results go back in the caller's order.
template <typename Each>
void run_batched(PreTrainedModel& model, const PreTrainedTokenizer& tok, const std::vector<std::string>& texts,
                 const std::vector<std::string>* pairs, int64_t batch_size, Each&& each) {
  if (batch_size <= 0) throw ValueError("batch_size must be positive, got " + std::to_string(batch_size));
  std::vector<size_t> order(texts.size());
  std::iota(order.begin(), order.end(), 0);
  auto length = [&](size_t i) { return texts[i].size() + (pairs ? (*pairs)[i].size() : 0); };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return length(a) > length(b); });
  TokenizerCallOptions co;
  co.padding = "longest";
  co.truncation = "longest_first";
  const size_t bs = static_cast<size_t>(batch_size);
  for (size_t start = 0; start < order.size(); start += bs) {
    std::vector<std::string> first, second;
    for (size_t k = start; k < std::min(order.size(), start + bs); ++k) {
      first.push_back(texts[order[k]]);
      if (pairs) second.push_back((*pairs)[order[k]]);
    }
    const BatchEncoding be = tok(first, pairs ? &second : nullptr, co);
    ModelInputs in{{"input_ids", be.input_ids()}, {"attention_mask", be.attention_mask()}};
    if (be.has_token_type_ids) in["token_type_ids"] = be.token_type_ids();
    const ModelOutput out = model.forward(in);
    for (size_t b = 0; b < first.size(); ++b) each(order[start + b], out, be, static_cast<int64_t>(b));
  }
}

}  // namespace

std::unique_ptr<TextClassificationPipeline> TextClassificationPipeline::from_pretrained(const std::string& name, const FromPretrainedOptions& o) {
  auto p = std::unique_ptr<TextClassificationPipeline>(new TextClassificationPipeline());
  p->model_ = AutoModelForSequenceClassification::from_pretrained(name, o);
  p->tok_ = load_tokenizer(name, o);
  return p;
}

std::vector<std::vector<LabelScore>> TextClassificationPipeline::operator()(const std::vector<std::string>& texts,
                                                                            std::optional<int64_t> top_k) const {
  return (*this)(texts, {}, top_k);
}

std::vector<std::vector<LabelScore>> TextClassificationPipeline::operator()(const std::vector<std::string>& texts,
                                                                            const std::vector<std::string>& pairs,
                                                                            std::optional<int64_t> top_k) const {
  if (texts.empty()) return {};
  if (!pairs.empty() && pairs.size() != texts.size()) throw ValueError("text-classification: texts and pairs differ in number");
  std::vector<std::vector<LabelScore>> out(texts.size());
  run_batched(*model_, *tok_, texts, pairs.empty() ? nullptr : &pairs, batch_size,
              [&](size_t i, const ModelOutput& o, const BatchEncoding&, int64_t b) {
                const Tensor logits = o["logits"].contiguous();
                const int64_t L = logits.size(1);
                out[i] = label_scores(model_->config(), logits.data<float>() + b * L, L, top_k, true);
              });
  return out;
}

std::unique_ptr<FillMaskPipeline> FillMaskPipeline::from_pretrained(const std::string& name, const FromPretrainedOptions& o) {
  auto p = std::unique_ptr<FillMaskPipeline>(new FillMaskPipeline());
  p->model_ = AutoModelForMaskedLM::from_pretrained(name, o);
  p->tok_ = load_tokenizer(name, o);
  if (!p->tok_->special_token_id("mask_token")) throw ValueError("fill-mask: the tokenizer has no mask_token");
  return p;
}

std::vector<std::vector<FillMaskResult>> FillMaskPipeline::operator()(const std::vector<std::string>& texts, int64_t top_k) const {
  if (texts.empty()) return {};
  const int64_t mask_id = *tok_->special_token_id("mask_token");
  std::vector<std::vector<FillMaskResult>> out(texts.size());
  run_batched(*model_, *tok_, texts, nullptr, batch_size, [&](size_t input, const ModelOutput& o, const BatchEncoding& be, int64_t b) {
    const Tensor logits = o["logits"].contiguous();
    const int64_t S = logits.size(1), V = logits.size(2);
    const auto& ids = be.encodings[static_cast<size_t>(b)].ids;
    std::vector<size_t> masks;
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == mask_id) masks.push_back(i);
    if (masks.size() != 1)
      throw ValueError("fill-mask: input " + std::to_string(input) + " has " + std::to_string(masks.size()) +
                       " mask tokens; exactly one is supported");
    const auto probs = softmax(logits.data<float>() + (b * S + static_cast<int64_t>(masks[0])) * V, V);
    std::vector<int64_t> order(static_cast<size_t>(V));
    std::iota(order.begin(), order.end(), 0);
    const size_t k = static_cast<size_t>(std::clamp<int64_t>(top_k, 1, V));
    std::partial_sort(order.begin(), order.begin() + static_cast<long>(k), order.end(),
                      [&](int64_t x, int64_t y) { return probs[x] > probs[y] || (probs[x] == probs[y] && x < y); });
    std::vector<FillMaskResult> r;
    for (size_t i = 0; i < k; ++i) {
      std::vector<int64_t> filled;
      for (size_t j = 0; j < ids.size(); ++j)
        if (be.encodings[static_cast<size_t>(b)].attention_mask[j]) filled.push_back(j == masks[0] ? order[i] : ids[j]);
      r.push_back({probs[order[i]], order[i], tok_->decode({order[i]}), tok_->decode(filled, true)});
    }
    out[input] = std::move(r);
  });
  return out;
}

std::unique_ptr<TokenClassificationPipeline> TokenClassificationPipeline::from_pretrained(const std::string& name,
                                                                                         const FromPretrainedOptions& o) {
  auto p = std::unique_ptr<TokenClassificationPipeline>(new TokenClassificationPipeline());
  p->model_ = AutoModelForTokenClassification::from_pretrained(name, o);
  p->tok_ = load_tokenizer(name, o);
  return p;
}

namespace {

struct PreEntity {
  std::string word;
  std::vector<double> scores;
  int64_t start, end, index;
  bool is_subword;
};

std::pair<std::string, std::string> tag_of(const std::string& e) {
  if (e.rfind("B-", 0) == 0) return {"B", e.substr(2)};
  if (e.rfind("I-", 0) == 0) return {"I", e.substr(2)};
  return {"I", e};
}

size_t argmax(const std::vector<double>& v) { return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin()); }

}  // namespace

size_t byte_of(const std::string& s, int64_t cp) {
  size_t i = 0;
  for (int64_t c = 0; c < cp && i < s.size(); ++c) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

std::vector<std::vector<TokenEntity>> TokenClassificationPipeline::operator()(const std::vector<std::string>& texts,
                                                                              const std::string& agg) const {
  if (agg != "none" && agg != "simple" && agg != "first" && agg != "average" && agg != "max")
    throw ValueError("aggregation_strategy must be none, simple, first, average or max, got '" + agg + "'");
  if (texts.empty()) return {};
  const PretrainedConfig& c = model_->config();
  const Tokenizer& backend = tok_->backend();
  const auto unk = tok_->unk_token_id();
  std::vector<std::vector<TokenEntity>> out(texts.size());
  run_batched(*model_, *tok_, texts, nullptr, batch_size, [&](size_t input, const ModelOutput& o, const BatchEncoding& be, int64_t b) {
    const Tensor logits = o["logits"].contiguous();
    const int64_t S = logits.size(1), L = logits.size(2);
    const Encoding& e = be.encodings[static_cast<size_t>(b)];
    std::vector<PreEntity> pre;
    for (size_t i = 0; i < e.size(); ++i) {
      if (e.special_tokens_mask[i]) continue;
      PreEntity p;
      p.word = *backend.id_to_token(e.ids[i]);
      p.scores = softmax(logits.data<float>() + (b * S + static_cast<int64_t>(i)) * L, L);
      p.start = e.offsets[i].first;
      p.end = e.offsets[i].second;
      p.index = static_cast<int64_t>(i);
      const std::string& t = texts[input];
      const std::string ref = t.substr(byte_of(t, p.start), byte_of(t, p.end) - byte_of(t, p.start));
      // Tokenizers with a continuing-subword prefix mark subwords by a token longer than its text.
      p.is_subword = p.word.size() != ref.size();
      if (unk && e.ids[i] == *unk) {
        p.word = ref;
        p.is_subword = false;
      }
      pre.push_back(std::move(p));
    }
    std::vector<TokenEntity> ents;
    if (agg == "none" || agg == "simple") {
      for (const auto& p : pre) {
        const size_t k = argmax(p.scores);
        ents.push_back({label_of(c, static_cast<int64_t>(k)), p.scores[k], p.index, p.word, p.start, p.end});
      }
    } else {
      std::vector<std::vector<const PreEntity*>> words;
      for (const auto& p : pre) {
        if (words.empty() || !p.is_subword) words.emplace_back();
        words.back().push_back(&p);
      }
      for (const auto& w : words) {
        std::vector<std::string> toks;
        for (const auto* p : w) toks.push_back(p->word);
        std::vector<double> s;
        if (agg == "first") {
          s = w[0]->scores;
        } else if (agg == "max") {
          const PreEntity* best = w[0];
          for (const auto* p : w)
            if (*std::max_element(p->scores.begin(), p->scores.end()) > *std::max_element(best->scores.begin(), best->scores.end())) best = p;
          s = best->scores;
        } else {
          s.assign(static_cast<size_t>(L), 0.0);
          for (const auto* p : w)
            for (int64_t k = 0; k < L; ++k) s[k] += p->scores[k] / static_cast<double>(w.size());
        }
        const size_t k = argmax(s);
        ents.push_back({label_of(c, static_cast<int64_t>(k)), s[k], std::nullopt, backend.decode_tokens(toks), w.front()->start, w.back()->end});
      }
    }
    if (agg != "none") {  // group adjacent entities with the same tag (B- starts a new group)
      std::vector<TokenEntity> groups;
      std::vector<const TokenEntity*> cur;
      auto flush = [&] {
        if (cur.empty()) return;
        double mean = 0;
        std::vector<std::string> toks;
        for (const auto* x : cur) {
          mean += x->score / static_cast<double>(cur.size());
          toks.push_back(x->word);
        }
        groups.push_back({tag_of(cur[0]->entity).second, mean, std::nullopt, backend.decode_tokens(toks), cur.front()->start, cur.back()->end});
        cur.clear();
      };
      for (const auto& x : ents) {
        if (!cur.empty()) {
          auto [bi, tag] = tag_of(x.entity);
          if (!(tag == tag_of(cur.back()->entity).second && bi != "B")) flush();
        }
        cur.push_back(&x);
      }
      flush();
      ents = std::move(groups);
    }
    std::vector<TokenEntity> kept;
    for (auto& x : ents)
      if (x.entity != "O") kept.push_back(std::move(x));
    out[input] = std::move(kept);
  });
  return out;
}

std::unique_ptr<ZeroShotClassificationPipeline> ZeroShotClassificationPipeline::from_pretrained(const std::string& name,
                                                                                               const FromPretrainedOptions& o) {
  auto p = std::unique_ptr<ZeroShotClassificationPipeline>(new ZeroShotClassificationPipeline());
  p->model_ = AutoModelForSequenceClassification::from_pretrained(name, o);
  p->tok_ = load_tokenizer(name, o);
  for (const auto& [label, id] : p->model_->config().label2id()) {
    std::string l = label;
    for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l.rfind("entail", 0) == 0) {
      p->entailment_id_ = id;
      break;
    }
  }
  return p;
}

ZeroShotResult ZeroShotClassificationPipeline::operator()(const std::string& text, const std::vector<std::string>& labels,
                                                          const std::string& tmpl, bool multi_label) const {
  if (labels.empty()) throw ValueError("zero-shot-classification needs at least one candidate label");
  const size_t brace = tmpl.find("{}");
  if (brace == std::string::npos)
    throw ValueError("The provided hypothesis_template \"" + tmpl + "\" was not able to be formatted with the target labels.");
  std::vector<std::string> premises(labels.size(), text), hypotheses;
  for (const auto& l : labels) hypotheses.push_back(tmpl.substr(0, brace) + l + tmpl.substr(brace + 2));
  TokenizerCallOptions co;
  co.padding = "longest";
  co.truncation = "only_first";
  BatchEncoding be = (*tok_)(premises, &hypotheses, co);
  ModelInputs in{{"input_ids", be.input_ids()}, {"attention_mask", be.attention_mask()}};
  if (be.has_token_type_ids) in["token_type_ids"] = be.token_type_ids();
  const Tensor logits = model_->forward(in)["logits"].contiguous();
  const int64_t L = logits.size(1);
  const int64_t ent = entailment_id_ >= 0 ? entailment_id_ : L - 1;  // Python's -1 indexes the last label
  const int64_t contra = ent == 0 ? L - 1 : 0;
  std::vector<double> scores(labels.size());
  if (multi_label || labels.size() == 1) {
    for (size_t i = 0; i < labels.size(); ++i) {
      const float* x = logits.data<float>() + static_cast<int64_t>(i) * L;
      scores[i] = 1.0 / (1.0 + std::exp(double(x[contra]) - double(x[ent])));
    }
  } else {
    double mx = -INFINITY, sum = 0;
    for (size_t i = 0; i < labels.size(); ++i) mx = std::max(mx, double(logits.data<float>()[static_cast<int64_t>(i) * L + ent]));
    for (size_t i = 0; i < labels.size(); ++i) sum += (scores[i] = std::exp(logits.data<float>()[static_cast<int64_t>(i) * L + ent] - mx));
    for (auto& v : scores) v /= sum;
  }
  std::vector<size_t> order(labels.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  std::reverse(order.begin(), order.end());  // numpy: reversed(argsort)
  ZeroShotResult r{text, {}, {}};
  for (size_t i : order) {
    r.labels.push_back(labels[i]);
    r.scores.push_back(scores[i]);
  }
  return r;
}

}  // namespace transformers
