// pipeline("question-answering"): transformers v4's pipelines/question_answering.py (fast tokenizer path).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "pipelines/pipeline_utils.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"

namespace transformers {

std::unique_ptr<QuestionAnsweringPipeline> QuestionAnsweringPipeline::from_pretrained(const std::string& name, const FromPretrainedOptions& o) {
  auto p = std::unique_ptr<QuestionAnsweringPipeline>(new QuestionAnsweringPipeline());
  p->model_ = AutoModelForQuestionAnswering::from_pretrained(name, o);
  p->tok_ = load_tokenizer(name, o);
  return p;
}

namespace {

// Softmax over the tokens allowed in an answer (others pinned at -10000 first), in float32.
std::vector<float> span_probabilities(const float* logits, const std::vector<bool>& allowed) {
  const size_t n = allowed.size();
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = allowed[i] ? logits[i] : -10000.0f;
  const float mx = *std::max_element(x.begin(), x.end());
  float sum = 0;
  for (float& v : x) sum += (v = std::exp(v - mx));
  for (float& v : x) v /= sum;
  return x;
}

// Encoding.word_to_chars(word, sequence): the code-point span of a word of one sequence.
std::optional<std::pair<int64_t, int64_t>> word_chars(const Encoding& e, int64_t word, int64_t sequence) {
  std::optional<std::pair<int64_t, int64_t>> span;
  for (size_t i = 0; i < e.size(); ++i)
    if (e.word_ids[i] == word && e.sequence_ids[i] == sequence) {
      if (!span) span = e.offsets[i];
      span->second = e.offsets[i].second;
    }
  return span;
}

}  // namespace

std::vector<QaAnswer> QuestionAnsweringPipeline::operator()(const std::string& question, const std::string& context, const QaOptions& qo) const {
  if (question.empty() || context.empty()) throw ValueError("question-answering: the question and the context must not be empty");
  if (qo.top_k < 1) throw ValueError("top_k parameter should be >= 1 (got " + std::to_string(qo.top_k) + ")");
  if (qo.max_answer_len < 1) throw ValueError("max_answer_len parameter should be >= 1 (got " + std::to_string(qo.max_answer_len) + ")");
  const int64_t max_seq_len = qo.max_seq_len.value_or(std::min<int64_t>(tok_->model_max_length(), 384));
  const int64_t stride = qo.doc_stride.value_or(std::min<int64_t>(max_seq_len / 2, 128));
  if (stride > max_seq_len) throw ValueError("`doc_stride` (" + std::to_string(stride) + ") is larger than `max_seq_len` (" + std::to_string(max_seq_len) + ")");
  // Question first, the context truncated into overlapping windows (right padding side).
  const bool question_first = tok_->padding_side() != "left";
  TokenizerCallOptions co;
  co.truncation = question_first ? "only_second" : "only_first";
  co.max_length = max_seq_len, co.stride = stride, co.return_overflowing_tokens = true;
  const std::vector<std::string> first{question_first ? question : context}, second{question_first ? context : question};
  const BatchEncoding enc = (*tok_)(first, &second, co);
  const int64_t context_seq = question_first ? 1 : 0;
  const auto& names = tok_->model_input_names();
  const bool feed_types = std::find(names.begin(), names.end(), "token_type_ids") != names.end();
  const std::optional<int64_t> cls = tok_->special_token_id("cls_token");

  struct Candidate {
    float score;
    size_t s, e;
  };
  std::vector<QaAnswer> answers;
  double min_null = 1000000;
  const size_t pre_top_k = static_cast<size_t>(qo.align_to_words ? qo.top_k * 2 + 10 : qo.top_k);
  for (const Encoding& e : enc.encodings) {
    const auto n = static_cast<int64_t>(e.size());
    ModelInputs in{{"input_ids", Tensor::from_ints(e.ids, {1, n})}, {"attention_mask", Tensor::from_ints(e.attention_mask, {1, n})}};
    if (feed_types) in["token_type_ids"] = Tensor::from_ints(e.type_ids, {1, n});
    const ModelOutput out = model_->forward(in);
    const Tensor start_logits = out["start_logits"].to(DType::F32).contiguous(), end_logits = out["end_logits"].to(DType::F32).contiguous();
    // Answer tokens: the context's (question first) or none of the special / question ones; CLS is
    // kept for the empty answer's score.
    std::vector<bool> allowed(static_cast<size_t>(n));
    for (size_t i = 0; i < e.size(); ++i) {
      const bool masked = question_first ? e.sequence_ids[i] != std::optional<int64_t>(1) : false;
      allowed[i] = (!masked || (cls && e.ids[i] == *cls)) && e.attention_mask[i] != 0;
    }
    std::vector<float> ps = span_probabilities(start_logits.data<float>(), allowed), pe = span_probabilities(end_logits.data<float>(), allowed);
    if (qo.handle_impossible_answer) min_null = std::min(min_null, static_cast<double>(ps[0] * pe[0]));
    ps[0] = pe[0] = 0.0f;
    // Spans with end >= start and at most max_answer_len tokens, best first (numpy's
    // tril(triu(outer)) leaves zeros elsewhere, which cannot outrank a real span).
    std::vector<Candidate> cands;
    for (size_t s = 0; s < e.size(); ++s)
      for (size_t t = s; t < e.size() && static_cast<int64_t>(t - s) < qo.max_answer_len; ++t) cands.push_back({ps[s] * pe[t], s, t});
    std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    if (cands.size() > pre_top_k) cands.resize(pre_top_k);
    for (const Candidate& c : cands) {
      if (!allowed[c.s] || !allowed[c.e]) continue;
      int64_t start = e.offsets[c.s].first, end = e.offsets[c.e].second;
      if (qo.align_to_words && e.word_ids[c.s] && e.word_ids[c.e]) {
        const auto ws = word_chars(e, *e.word_ids[c.s], context_seq), we = word_chars(e, *e.word_ids[c.e], context_seq);
        if (ws && we) start = ws->first, end = we->second;
      }
      const size_t b0 = byte_of(context, start), b1 = byte_of(context, end);
      const std::string text = b1 > b0 ? context.substr(b0, b1 - b0) : std::string();
      const std::string lower = tok::lower_str(text);
      auto same = std::find_if(answers.begin(), answers.end(), [&](const QaAnswer& a) { return tok::lower_str(a.answer) == lower; });
      if (same != answers.end()) same->score += static_cast<double>(c.score);
      else answers.push_back({static_cast<double>(c.score), start, end, text});
    }
  }
  if (qo.handle_impossible_answer) answers.push_back({min_null, 0, 0, ""});
  std::stable_sort(answers.begin(), answers.end(), [](const QaAnswer& a, const QaAnswer& b) { return a.score > b.score; });
  if (answers.size() > static_cast<size_t>(qo.top_k)) answers.resize(static_cast<size_t>(qo.top_k));
  return answers;
}

}  // namespace transformers
