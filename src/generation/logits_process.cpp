#include "generation/logits_process.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <limits>
#include <numeric>

#include "transformers/errors.hpp"

namespace transformers::generation {

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

void softmax_into(const float* x, int64_t V, std::vector<double>& p) {
  p.resize(static_cast<size_t>(V));
  double mx = -INFINITY, sum = 0;
  for (int64_t i = 0; i < V; ++i) mx = std::max(mx, static_cast<double>(x[i]));
  for (int64_t i = 0; i < V; ++i) sum += (p[i] = std::isinf(x[i]) && x[i] < 0 ? 0.0 : std::exp(x[i] - mx));
  for (auto& v : p) v /= sum;
}

// Indices sorted by score, ties by index (torch.sort is stable on CPU).
std::vector<int64_t> order(const float* x, int64_t V, bool descending) {
  std::vector<int64_t> idx(static_cast<size_t>(V));
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return descending ? x[a] > x[b] : x[a] < x[b]; });
  return idx;
}

void repetition_penalty(const Resolved& r, const RowContext& row, float* s) {
  const float pen = static_cast<float>(r.repetition_penalty);
  std::vector<int64_t> seen;
  for (size_t i = static_cast<size_t>(row.prompt_pad); i < row.seq.size(); ++i) seen.push_back(row.seq[i]);
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  for (int64_t t : seen) s[t] = s[t] < 0 ? s[t] * pen : s[t] / pen;
}

void no_repeat_ngram(const Resolved& r, const RowContext& row, float* s) {
  const auto& q = row.seq;
  const int64_t n = r.no_repeat_ngram_size, len = static_cast<int64_t>(q.size());
  if (len + 1 < n) return;
  for (int64_t i = 0; i + n <= len; ++i) {
    bool match = true;
    for (int64_t k = 0; k < n - 1 && match; ++k) match = q[i + k] == q[len - n + 1 + k];
    if (match) s[q[i + n - 1]] = kNegInf;
  }
}

void bad_words(const Resolved& r, const RowContext& row, float* s) {
  const auto& q = row.seq;
  for (const auto& w : r.bad_words) {
    // Python drops a bad word that is exactly one of the eos ids.
    if (w.size() == 1 && std::find(r.eos.begin(), r.eos.end(), w[0]) != r.eos.end()) continue;
    const size_t pre = w.size() - 1;
    if (pre > q.size()) continue;
    if (std::equal(w.begin(), w.end() - 1, q.end() - static_cast<std::ptrdiff_t>(pre))) s[w.back()] = kNegInf;
  }
}

void top_k(const Resolved& r, float* s, int64_t V, int64_t keep_min) {
  const int64_t k = std::min(std::max(r.top_k, keep_min), V);
  std::vector<float> v(s, s + V);
  std::nth_element(v.begin(), v.begin() + (k - 1), v.end(), std::greater<float>());
  const float kth = v[static_cast<size_t>(k - 1)];
  for (int64_t i = 0; i < V; ++i)
    if (s[i] < kth) s[i] = kNegInf;
}

void top_p(const Resolved& r, float* s, int64_t V, int64_t keep_min) {
  const auto idx = order(s, V, false);  // ascending, as Python
  std::vector<float> sorted(static_cast<size_t>(V));
  for (int64_t i = 0; i < V; ++i) sorted[i] = s[idx[i]];
  std::vector<double> p;
  softmax_into(sorted.data(), V, p);
  // float32 cumsum as torch does
  float cum = 0.0f;
  std::vector<bool> remove(static_cast<size_t>(V));
  for (int64_t i = 0; i < V; ++i) {
    cum += static_cast<float>(p[i]);
    remove[i] = cum <= static_cast<float>(1.0 - r.top_p);
  }
  for (int64_t i = V - keep_min; i < V; ++i) remove[i] = false;
  for (int64_t i = 0; i < V; ++i)
    if (remove[i]) s[idx[i]] = kNegInf;
}

void min_p(const Resolved& r, float* s, int64_t V, int64_t keep_min) {
  std::vector<double> p;
  softmax_into(s, V, p);
  const double top = *std::max_element(p.begin(), p.end());
  const float thr = static_cast<float>(*r.min_p * top);
  const auto idx = order(s, V, true);
  for (int64_t rank = keep_min; rank < V; ++rank) {
    const int64_t i = idx[rank];
    if (static_cast<float>(p[i]) < thr) s[i] = kNegInf;
  }
}

void typical(const Resolved& r, float* s, int64_t V, int64_t keep_min) {
  std::vector<double> p;
  softmax_into(s, V, p);
  double ent = 0;
  for (int64_t i = 0; i < V; ++i)
    if (p[i] > 0) ent -= std::log(p[i]) * p[i];
  std::vector<float> shifted(static_cast<size_t>(V));
  for (int64_t i = 0; i < V; ++i) shifted[i] = p[i] > 0 ? static_cast<float>(std::abs(-std::log(p[i]) - ent)) : INFINITY;
  const auto idx = order(shifted.data(), V, false);
  std::vector<float> sorted(static_cast<size_t>(V));
  for (int64_t i = 0; i < V; ++i) sorted[i] = s[idx[i]];
  std::vector<double> sp;
  softmax_into(sorted.data(), V, sp);
  int64_t last = 0;
  float cum = 0.0f;
  for (int64_t i = 0; i < V; ++i) {
    cum += static_cast<float>(sp[i]);
    last += cum < static_cast<float>(r.typical_p);
  }
  last = std::min(last, V - 1);
  const float cut = shifted[idx[last]];
  for (int64_t rank = 0; rank < V; ++rank)
    if (rank >= keep_min && shifted[idx[rank]] > cut) s[idx[rank]] = kNegInf;
}

// TopHLogitsWarper: among the 100 most likely tokens (sorted, renormalized), keep them in order while
// the running sum of -p log p stays within top_h times their entropy; the first always stays.
void top_h(double h, float* s, int64_t V) {
  const int64_t n = std::min<int64_t>(100, V);
  const auto idx = order(s, V, true);
  std::vector<float> top(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) top[i] = s[idx[i]];
  std::vector<double> p;
  softmax_into(top.data(), n, p);
  // float32 as torch computes it: the terms -p log p, their running sum, and tau = H * top_h with
  // H the sum of the same terms (with top_h = 1 all 100 stay, as in exact arithmetic; Python's
  // summation order may put the last one either side). A zero probability makes its term
  // (0 * log 0) NaN in Python, so the running sum and every comparison after it fail.
  std::vector<float> cum(static_cast<size_t>(n));
  float run = 0.0f;
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    const float pi = static_cast<float>(p[i]);
    nan = nan || !(pi > 0);
    if (!nan) run += -pi * std::log(pi);
    cum[i] = nan ? NAN : run;
  }
  float ent = 0.0f;
  for (int64_t i = 0; i < n; ++i)
    if (p[i] > 0) ent += -static_cast<float>(p[i]) * std::log(static_cast<float>(p[i]));
  const float tau = ent * static_cast<float>(h);
  std::vector<bool> keep(static_cast<size_t>(V), false);
  for (int64_t i = 0; i < n; ++i) keep[idx[i]] = i == 0 || cum[i] <= tau;
  for (int64_t i = 0; i < V; ++i)
    if (!keep[i]) s[i] = kNegInf;
}

// EpsilonLogitsWarper (eta = false) and EtaLogitsWarper (eta = true): drop tokens whose probability
// is under epsilon, or under min(epsilon, sqrt(epsilon) * exp(-entropy)), except those at least as
// likely as the keep_min-th most likely token.
void cutoff(float epsilon, bool eta, float* s, int64_t V, int64_t keep_min) {
  std::vector<double> p;
  softmax_into(s, V, p);
  float thr = epsilon;
  if (eta) {
    double ent = 0;
    for (double v : p)
      if (v > 0) ent -= v * std::log(v);
    thr = std::min(epsilon, static_cast<float>(std::sqrt(static_cast<double>(epsilon)) * std::exp(-ent)));
  }
  std::vector<float> v(s, s + V);
  const int64_t k = std::min(keep_min, V);
  std::nth_element(v.begin(), v.begin() + (k - 1), v.end(), std::greater<float>());
  const float kth = v[static_cast<size_t>(k - 1)];
  for (int64_t i = 0; i < V; ++i)
    if (static_cast<float>(p[i]) < thr && s[i] < kth) s[i] = kNegInf;
}
}  // namespace

// Python's repr() of a float: the shortest digits that read back, fixed notation for exponents
// -4..15 ("-1.0", "0.0001"), else scientific ("1e-05", "1e+16").
std::string py_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific).ptr;
  const std::string s(buf, end);
  const size_t e = s.find('e');
  const int exp = std::stoi(s.substr(e + 1));
  const bool neg = s[0] == '-';
  std::string digits;
  for (char c : s.substr(neg ? 1 : 0, e - (neg ? 1 : 0)))
    if (c != '.') digits += c;
  // Built with append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string temporaries.
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 16) {
    out.append(digits, 0, 1);
    if (digits.size() > 1) out.append(".").append(digits, 1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out.append(eb);
  } else if (exp < 0) {
    out.append("0.").append(static_cast<size_t>(-exp - 1), '0').append(digits);
  } else if (static_cast<int>(digits.size()) <= exp + 1) {
    out.append(digits).append(static_cast<size_t>(exp + 1) - digits.size(), '0').append(".0");
  } else {
    out.append(digits, 0, static_cast<size_t>(exp + 1)).append(".").append(digits, static_cast<size_t>(exp + 1));
  }
  return out;
}

namespace {
// Python's str() of a list of lists of ints: [[17], [45, 88]].
std::string py_lists(const std::vector<std::vector<int64_t>>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    s += i ? ", [" : "[";
    for (size_t k = 0; k < v[i].size(); ++k) s += (k ? ", " : "") + std::to_string(v[i][k]);
    s += "]";
  }
  return s + "]";
}
}  // namespace

// The checks are Python's, with its messages, where it makes them: GenerationConfig.validate(),
// _validate_generated_length, and the constructors of the processors and warpers that
// _get_logits_processor builds (a warper only with do_sample, a processor only when its value
// would act: temperature != 1, top_k != 0, top_p < 1, typical_p < 1, repetition_penalty != 1).
// What Python only warns about (sampling flags without do_sample, negative no_repeat_ngram_size
// or min_length, top_p > 1, ...) is not an error here either.
Resolved resolve(const GenerationConfig& g, int64_t prompt_len, int64_t V, const std::string& prompt_name) {
  Resolved r;
  // GenerationConfig.validate()
  if (g.early_stopping && *g.early_stopping != "true" && *g.early_stopping != "false" && *g.early_stopping != "never")
    throw ValueError("`early_stopping` must be a boolean or 'never', but is " + *g.early_stopping + ".");
  if (g.max_new_tokens && *g.max_new_tokens <= 0)
    throw ValueError("`max_new_tokens` must be greater than 0, but is " + std::to_string(*g.max_new_tokens) + ".");
  r.min_length = g.min_length.value_or(0), r.min_new_tokens = g.min_new_tokens.value_or(0);
  r.do_sample = g.do_sample.value_or(false), r.use_cache = g.use_cache.value_or(true), r.output_scores = g.output_scores.value_or(false);
  r.num_beams = g.num_beams.value_or(1), r.num_return_sequences = g.num_return_sequences.value_or(1);
  if (r.num_return_sequences > 1) {
    if (r.num_beams == 1 && !r.do_sample)
      throw ValueError("Greedy methods (do_sample != True) without beam search do not support `num_return_sequences` different than 1 (got " +
                       std::to_string(r.num_return_sequences) + ").");
    if (r.num_beams != 1 && r.num_return_sequences > r.num_beams)
      throw ValueError("`num_return_sequences` (" + std::to_string(r.num_return_sequences) + ") has to be smaller or equal to `num_beams` (" +
                       std::to_string(r.num_beams) + ").");
  }
  if (g.suppress_tokens)
    for (const auto& [name, forced] : {std::pair{"forced_bos_token_id", g.forced_bos_token_id}, std::pair{"forced_eos_token_id", g.forced_eos_token_id}})
      if (forced && std::find(g.suppress_tokens->begin(), g.suppress_tokens->end(), *forced) != g.suppress_tokens->end())
        throw ValueError(std::string("Every token in `") + name + "` ([" + std::to_string(*forced) + "]) is also in `suppress_tokens`. "
                         "Forcing a token while suppressing it sets all logits to `-inf` at the forcing step, which produces `nan` "
                         "probabilities and crashes generation. Remove the overlapping token(s) from either `" + name +
                         "` or `suppress_tokens` (if you meant to prevent an early EOS token, use `min_new_tokens` instead).");
  // _validate_generated_length
  if (g.max_new_tokens) r.max_length = prompt_len + *g.max_new_tokens;
  else if (g.max_length) r.max_length = *g.max_length;
  if (prompt_len >= r.max_length)
    throw ValueError("Input length of " + prompt_name + " is " + std::to_string(prompt_len) + ", but `max_length` is set to " +
                     std::to_string(r.max_length) + ". This can lead to unexpected behavior. You should consider increasing `max_length` or, "
                     "better yet, setting `max_new_tokens`.");
  r.top_k = g.top_k.value_or(50), r.no_repeat_ngram_size = g.no_repeat_ngram_size.value_or(0);
  r.temperature = g.temperature.value_or(1.0), r.top_p = g.top_p.value_or(1.0), r.typical_p = g.typical_p.value_or(1.0);
  r.min_p = g.min_p, r.top_h = g.top_h;
  // _get_logits_processor adds the cutoff warpers only strictly inside (0, 1): other values are
  // ignored, not refused.
  if (g.epsilon_cutoff && *g.epsilon_cutoff > 0 && *g.epsilon_cutoff < 1) r.epsilon_cutoff = g.epsilon_cutoff;
  if (g.eta_cutoff && *g.eta_cutoff > 0 && *g.eta_cutoff < 1) r.eta_cutoff = g.eta_cutoff;
  r.repetition_penalty = g.repetition_penalty.value_or(1.0), r.length_penalty = g.length_penalty.value_or(1.0);
  r.early_stopping = g.early_stopping.value_or("false");
  r.eos = g.eos_token_id.value_or(std::vector<int64_t>{});
  r.pad = g.pad_token_id;
  if (!r.pad && !r.eos.empty()) r.pad = r.eos[0];  // Python: "Setting pad_token_id to eos_token_id"
  r.forced_bos = g.forced_bos_token_id, r.forced_eos = g.forced_eos_token_id;
  r.bad_words = g.bad_words_ids.value_or(std::vector<std::vector<int64_t>>{});
  r.suppress = g.suppress_tokens.value_or(std::vector<int64_t>{});
  r.begin_suppress = g.begin_suppress_tokens.value_or(std::vector<int64_t>{});
  r.stop_strings = g.stop_strings.value_or(std::vector<std::string>{});
  r.seed = g.seed;

  // The processors' constructors
  if (r.repetition_penalty != 1.0 && !(r.repetition_penalty > 0))
    throw ValueError("`penalty` has to be a strictly positive float, but is " + py_float(r.repetition_penalty));
  if (g.bad_words_ids) {
    if (r.bad_words.empty()) throw ValueError("`bad_words_ids` has to be a non-empty list, but is [].");
    for (const auto& w : r.bad_words)
      for (int64_t t : w)
        if (t < 0) throw ValueError("Each list in `bad_words_ids` has to be a list of positive integers, but is " + py_lists(r.bad_words) + ".");
  }
  // ... and the warpers' (sampling only)
  if (r.do_sample) {
    if (r.temperature != 1.0 && !(r.temperature > 0))
      throw ValueError("`temperature` (=" + py_float(r.temperature) + ") has to be a strictly positive float, otherwise your next token scores will be invalid." +
                       (r.temperature == 0.0 ? " If you're looking for greedy decoding strategies, set `do_sample=False`." : ""));
    if (r.top_k < 0) throw ValueError("`top_k` has to be a strictly positive integer, but is " + std::to_string(r.top_k));
    if (r.top_p < 0) throw ValueError("`top_p` has to be a float > 0 and < 1, but is " + py_float(r.top_p));
    if (r.min_p && !(*r.min_p >= 0 && *r.min_p <= 1))
      throw ValueError("`min_p` has to be a float in the [0, 1] interval, but is " + py_float(*r.min_p));
    if (r.typical_p < 1.0 && !(r.typical_p > 0)) throw ValueError("`typical_p` has to be a float > 0 and < 1, but is " + py_float(r.typical_p));
    if (r.top_h && !(*r.top_h > 0 && *r.top_h <= 1)) throw ValueError("`top_h` must be in the range (0, 1].");
  }

  // Beyond Python's checks: values our loops would index or divide with.
  if (r.num_beams < 1) throw ValueError("`num_beams` has to be a positive integer, but is " + std::to_string(r.num_beams));
  // Beam search keeps max(2, 1 + len(eos)) candidates per beam out of its beams' vocabularies
  // (Python's topk fails the same way when they do not fit).
  if (r.num_beams > 1 && std::max<int64_t>(2, 1 + static_cast<int64_t>(r.eos.size())) > V)
    throw ValueError("beam search needs at least " + std::to_string(std::max<int64_t>(2, 1 + static_cast<int64_t>(r.eos.size()))) +
                     " candidates per beam but the vocabulary has " + std::to_string(V));
  // Without beams Python expands by max(num_beams, num_return_sequences): 0 or less acts as 1.
  if (r.num_return_sequences < 1) {
    if (r.num_beams > 1) throw ValueError("`num_return_sequences` has to be a positive integer, but is " + std::to_string(r.num_return_sequences));
    r.num_return_sequences = 1;
  }
  auto check_id = [&](int64_t t, const char* what) {
    if (t < 0 || t >= V) throw ValueError(std::string(what) + " " + std::to_string(t) + " is outside the vocabulary of " + std::to_string(V));
  };
  // eos / suppress / begin_suppress ids outside the vocabulary never match (Python compares with
  // isin), so they are not errors; bad words are (SequenceBiasLogitsProcessor's message, after
  // NoBadWordsLogitsProcessor dropped the words that are an eos id).
  std::string oov;
  for (const auto& w : r.bad_words) {
    if (w.size() == 1 && std::find(r.eos.begin(), r.eos.end(), w[0]) != r.eos.end()) continue;
    for (int64_t t : w)
      if (t >= V) oov += (oov.empty() ? "" : ", ") + std::to_string(t);
  }
  if (!oov.empty())
    throw ValueError("The model vocabulary size is " + std::to_string(V) + ", but the following tokens were being biased: [" + oov + "]");
  // ForcedBOS acts only at length 1; ForcedEOS at max_length - 1, which a generation may reach.
  if (r.forced_bos && prompt_len == 1) check_id(*r.forced_bos, "forced_bos_token_id");
  if (r.forced_eos) check_id(*r.forced_eos, "forced_eos_token_id");
  for (const auto& s : r.stop_strings)
    if (s.empty()) throw ValueError("stop_strings must not contain an empty string");
  if (g.return_timestamps.value_or(false) && g.no_timestamps_token_id) {
    const int64_t eos = !r.eos.empty() ? r.eos[0] : g.bos_token_id.value_or(0);
    r.timestamps = Resolved::Timestamps{prompt_len, *g.no_timestamps_token_id, *g.no_timestamps_token_id + 1, eos, g.max_initial_timestamp_index};
    check_id(*g.no_timestamps_token_id, "no_timestamps_token_id");
  }
  return r;
}

namespace {
// The timestamp processor: timestamps come in pairs (except right before eos) and never
// decrease, the first token is a timestamp (at most max_initial_index), and a timestamp is forced
// when the timestamps together are likelier than the best text token.
void timestamp_rules(const Resolved::Timestamps& t, const RowContext& row, float* s, int64_t V) {
  const int64_t tb = std::min(t.timestamp_begin, V);
  s[t.no_timestamps] = kNegInf;
  const std::vector<int64_t> seq(row.seq.begin() + std::min<int64_t>(t.begin_index, static_cast<int64_t>(row.seq.size())), row.seq.end());
  const size_t n = seq.size();
  const bool last_ts = n >= 1 && seq[n - 1] >= t.timestamp_begin;
  const bool penultimate_ts = n < 2 || seq[n - 2] >= t.timestamp_begin;
  if (last_ts) {
    if (penultimate_ts) std::fill(s + tb, s + V, kNegInf);
    else std::fill(s, s + std::clamp<int64_t>(t.eos, 0, V), kNegInf);
  }
  int64_t last = t.timestamp_begin;
  for (auto it = seq.rbegin(); it != seq.rend(); ++it)
    if (*it >= t.timestamp_begin) {
      last = last_ts && !penultimate_ts ? *it : *it + 1;
      break;
    }
  for (int64_t i = tb; i < std::min(last, V); ++i) s[i] = kNegInf;
  if (static_cast<int64_t>(row.seq.size()) == t.begin_index) {
    std::fill(s, s + tb, kNegInf);
    if (t.max_initial_index)
      for (int64_t i = t.timestamp_begin + *t.max_initial_index + 1; i < V; ++i) s[i] = kNegInf;
  }
  // log-softmax: the timestamps' total probability against the best text token
  float mx = kNegInf;
  for (int64_t i = 0; i < V; ++i) mx = std::max(mx, s[i]);
  if (mx == kNegInf) return;
  double total = 0, ts_total = 0;
  float text_max = kNegInf;
  for (int64_t i = 0; i < V; ++i) {
    const double e = std::exp(static_cast<double>(s[i]) - mx);
    total += e;
    if (i >= tb) ts_total += e;
    else text_max = std::max(text_max, s[i]);
  }
  const double lse = std::log(total) + mx;
  const double ts_logprob = ts_total > 0 ? std::log(ts_total) + mx - lse : -INFINITY;
  const double text_logprob = static_cast<double>(text_max) - lse;
  if (ts_logprob > text_logprob) std::fill(s, s + tb, kNegInf);
}
}  // namespace

int64_t sample_categorical(const float* s, int64_t V, std::mt19937_64& rng) {
  double mx = -INFINITY;
  for (int64_t i = 0; i < V; ++i) mx = std::max(mx, static_cast<double>(s[i]));
  if (!(mx > -INFINITY)) throw ValueError("generate: every token was filtered out; no token can be sampled");
  std::vector<double> p(static_cast<size_t>(V));
  double sum = 0;
  for (int64_t i = 0; i < V; ++i) sum += (p[i] = std::exp(static_cast<double>(s[i]) - mx));
  double u = std::uniform_real_distribution<double>(0.0, sum)(rng);
  for (int64_t i = 0; i < V; ++i) {
    if (p[i] > 0 && u < p[i]) return i;
    u -= p[i];
  }
  for (int64_t i = V - 1; i >= 0; --i)  // u landed on the sum itself (rounding): the last possible token
    if (p[i] > 0) return i;
  return 0;
}

void process(const Resolved& r, const RowContext& row, float* s, int64_t V) {
  const int64_t cur = static_cast<int64_t>(row.seq.size());
  if (r.repetition_penalty != 1.0) repetition_penalty(r, row, s);
  if (r.no_repeat_ngram_size > 0) no_repeat_ngram(r, row, s);
  if (!r.bad_words.empty()) bad_words(r, row, s);
  // Ids outside [0, V) are skipped: Python matches them against the vocabulary (isin), not index.
  const auto in_vocab = [V](int64_t t) { return t >= 0 && t < V; };
  if (!r.eos.empty() && r.min_length > 0 && cur < r.min_length)
    for (int64_t e : r.eos)
      if (in_vocab(e)) s[e] = kNegInf;
  if (!r.eos.empty() && r.min_new_tokens > 0 && cur - row.prompt_len < r.min_new_tokens)
    for (int64_t e : r.eos)
      if (in_vocab(e)) s[e] = kNegInf;
  if (r.forced_bos && cur == 1) {
    std::fill(s, s + V, kNegInf);
    s[*r.forced_bos] = 0;
  }
  if (r.forced_eos && cur == r.max_length - 1) {
    std::fill(s, s + V, kNegInf);
    s[*r.forced_eos] = 0;
  }
  for (int64_t t : r.suppress)
    if (in_vocab(t)) s[t] = kNegInf;
  if (!r.begin_suppress.empty() && cur == row.prompt_len + (row.prompt_len > 1 || !r.forced_bos ? 0 : 1))
    for (int64_t t : r.begin_suppress)
      if (in_vocab(t)) s[t] = kNegInf;
  if (r.timestamps) timestamp_rules(*r.timestamps, row, s, V);
  if (!r.do_sample) return;
  const int64_t keep_min = r.num_beams > 1 ? static_cast<int64_t>(r.eos.size()) + 1 : 1;
  if (r.temperature != 1.0)
    for (int64_t i = 0; i < V; ++i) s[i] = static_cast<float>(s[i] / r.temperature);
  if (r.top_h) top_h(*r.top_h, s, V);
  if (r.top_k != 0) top_k(r, s, V, keep_min);
  if (r.top_p < 1.0) top_p(r, s, V, keep_min);
  if (r.min_p) min_p(r, s, V, keep_min);
  if (r.typical_p < 1.0) typical(r, s, V, keep_min);
  if (r.epsilon_cutoff) cutoff(static_cast<float>(*r.epsilon_cutoff), false, s, V, keep_min);
  if (r.eta_cutoff) cutoff(static_cast<float>(*r.eta_cutoff), true, s, V, keep_min);
}

}  // namespace transformers::generation
