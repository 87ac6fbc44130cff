// generate() for decoder-only models: transformers/generation/utils.py's _sample (greedy and
// multinomial sampling) and its vectorized _beam_search, step for step, over our KV cache.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "generation/logits_process.hpp"
#include "models/generation_hook.hpp"
#include "ops/ops.hpp"
#include "models/generative.hpp"
#include "transformers/errors.hpp"
#include "transformers/tokenizer.hpp"

namespace transformers {

namespace generation {
namespace {

using Rows = std::vector<std::vector<int64_t>>;

struct Batch {
  Rows seq;  // per row: prompt + generated (the host copy the logits processors and stop checks read)
  // [rows, capacity] i64 buffers reserved up front, grown in place one column per step; columns
  // [0, len) are in use.
  Tensor sequences, attention_mask;
  int64_t len = 0;
  Tensor last_pos;  // [rows, 1]: position id of the last token fed
  std::vector<int64_t> prompt_pad;

  Tensor mask() const { return attention_mask.slice(1, 0, len); }
  void append(const std::vector<int64_t>& next) {
    const auto rows = static_cast<int64_t>(next.size());
    ops::copy_(sequences.slice(1, len, len + 1), Tensor::from_ints(next, {rows, 1}));
    ops::copy_(attention_mask.slice(1, len, len + 1), Tensor::full({rows, 1}, 1.0, DType::I64));
    ++len;
  }
};

// Python's _prepare_attention_mask_for_generation: inferred from pad tokens when the pad id
// occurs in the prompt and is not an eos id.
Tensor prompt_mask(const Tensor& ids, const Tensor& mask, const Resolved& r) {
  if (mask.defined()) {
    if (mask.shape() != ids.shape()) throw ShapeMismatch("generate: attention_mask " + shape_str(mask.shape()) + " must match input_ids " + shape_str(ids.shape()));
    return ops::ne(is_floating(mask.dtype()) ? mask.to(DType::I64) : mask, 0);
  }
  const Tensor ones = Tensor::full(ids.shape(), 1.0, DType::I64);
  if (!r.pad || std::find(r.eos.begin(), r.eos.end(), *r.pad) != r.eos.end()) return ones;
  const bool found = ops::sum(ops::eq(ids, *r.pad).reshape({-1}), 0).item() > 0;
  return found ? ops::ne(ids, *r.pad) : ones;
}

class Runner {
 public:
  Runner(GenerativeModel& m, const Resolved& r, const GenerateHooks& h) : m_(m), r_(r), h_(h) {}

  // Feeds tokens seq[from:] of every row; returns last-position logits [rows, V].
  Tensor step(Batch& b, int64_t from, nn::KVCache& cache) {
    const int64_t B = b.sequences.size(0), S = b.len - from;
    const Tensor mask = b.mask();
    // prompt: cumsum(mask) - 1 with pads at 0; later steps count on from the last position
    // (positions are far below 2^24, exact in the fp32 arithmetic)
    const Tensor pos = (from == 0 ? ops::mul(ops::sub(ops::cumsum(mask, 1), Tensor::full({1}, 1.0)), mask)
                                  : ops::add(b.last_pos, ops::arange(1, S + 1).view({1, S})))
                           .to(DType::I64);
    b.last_pos = pos.slice(1, S - 1, S).contiguous();
    Tensor logits = m_.forward_cached(b.sequences.slice(1, from, b.len).contiguous(), pos, mask.contiguous(), cache, true);
    return logits.view({B, logits.size(-1)}).to(DType::F32).contiguous();
  }

  // The next decode step: the newest token against the cache, or everything again when the model
  // asks for a recompute at this length.
  Tensor advance(Batch& b, nn::KVCache& cache) {
    const int64_t len = b.len, at = m_.cache_recompute_length();
    if (at > 0 && len >= at + 1 && cache.get_seq_length() <= at) {
      cache = m_.new_cache(r_.max_length, static_cast<int64_t>(b.seq.size()));
      return step(b, 0, cache);
    }
    return step(b, len - 1, cache);
  }

  bool hits_stop(const std::vector<int64_t>& seq, int64_t prompt_len) const {
    if (static_cast<int64_t>(seq.size()) >= r_.max_length) return true;
    if (std::find(r_.eos.begin(), r_.eos.end(), seq.back()) != r_.eos.end()) return true;
    if (!r_.stop_strings.empty()) {
      if (!h_.tokenizer) throw ValueError("stop_strings need the model's tokenizer: pass GenerateHooks::tokenizer");
      // A stop string counts once the text of the generated tokens contains it, ending in the
      // newest token.
      std::vector<int64_t> gen(seq.begin() + prompt_len, seq.end()), prev(seq.begin() + prompt_len, seq.end() - 1);
      const std::string text = h_.tokenizer->decode(gen, false), before = h_.tokenizer->decode(prev, false);
      for (const auto& s : r_.stop_strings) {
        const size_t at = text.rfind(s);
        if (at != std::string::npos && at + s.size() > before.size()) return true;
      }
    }
    return false;
  }

  GenerateOutput sample(Batch b, int64_t prompt_len) {
    const int64_t B = static_cast<int64_t>(b.seq.size());
    nn::KVCache cache = m_.new_cache(r_.max_length, B);
    std::mt19937_64 rng(r_.seed ? *r_.seed : std::random_device{}());
    std::vector<bool> unfinished(static_cast<size_t>(B), true);
    Tensor logits = step(b, 0, cache);
    const int64_t V = logits.size(1);
    GenerateOutput out;
    while (true) {
      std::vector<int64_t> next(static_cast<size_t>(B));
      for (int64_t i = 0; i < B; ++i) {
        float* s = logits.data<float>() + i * V;
        process(r_, {b.seq[i], prompt_len, b.prompt_pad[i]}, s, V);
        next[i] = r_.do_sample ? sample_categorical(s, V, rng) : static_cast<int64_t>(std::max_element(s, s + V) - s);
        if (!r_.eos.empty() && !unfinished[i]) next[i] = *r_.pad;
      }
      if (r_.output_scores) out.scores.push_back(logits.clone());
      bool all_done = true;
      b.append(next);
      for (int64_t i = 0; i < B; ++i) {
        b.seq[i].push_back(next[i]);
        if (unfinished[i] && hits_stop(b.seq[i], prompt_len)) unfinished[i] = false;
        all_done &= !unfinished[i];
      }
      if (h_.on_tokens) h_.on_tokens(next);
      if (all_done) break;
      logits = advance(b, cache);
    }
    out.sequences = b.sequences.slice(1, 0, b.len).contiguous();
    return out;
  }

  GenerateOutput beam_search(Batch b, int64_t prompt_len);

 private:

  GenerativeModel& m_;
  const Resolved& r_;
  const GenerateHooks& h_;
};

// Indices of the k largest values, descending, ties by lower index (torch.topk order on CPU).
std::vector<int64_t> topk(const std::vector<float>& v, int64_t k) {
  std::vector<int64_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int64_t a, int64_t b) { return v[a] > v[b] || (v[a] == v[b] && a < b); });
  idx.resize(static_cast<size_t>(k));
  return idx;
}

GenerateOutput Runner::beam_search(Batch b, int64_t prompt_len) {
  const int64_t nb = r_.num_beams, B = static_cast<int64_t>(b.seq.size()) / nb;
  const int64_t keep = std::max<int64_t>(2, 1 + static_cast<int64_t>(r_.eos.size())) * nb;
  const double lp = r_.length_penalty;
  const int64_t fill = !r_.eos.empty() ? (r_.pad && *r_.pad != 0 ? *r_.pad : r_.eos[0]) : -1;
  nn::KVCache cache = m_.new_cache(r_.max_length, static_cast<int64_t>(b.seq.size()));
  std::mt19937_64 rng(r_.seed ? *r_.seed : std::random_device{}());

  struct Beam {
    std::vector<int64_t> seq;      // up to cur_len
    std::vector<int64_t> indices;  // flat source row per generated step (-1 unused)
    float score;
    bool finished = false;
  };
  std::vector<std::vector<Beam>> running(static_cast<size_t>(B)), done(static_cast<size_t>(B));
  for (int64_t i = 0; i < B; ++i)
    for (int64_t k = 0; k < nb; ++k) {
      running[i].push_back({b.seq[i * nb + k], {}, k == 0 ? 0.0f : -1e9f});
      done[i].push_back({b.seq[i * nb + k], {}, -1e9f});
    }
  std::vector<bool> unsatisfied(static_cast<size_t>(B), true);
  int64_t cur = prompt_len;
  Tensor logits = step(b, 0, cache);
  const int64_t V = logits.size(1);
  while (true) {
    std::vector<int64_t> reorder(static_cast<size_t>(B * nb));
    bool any_unsat = false, all_finished = true, all_hit = true;
    for (int64_t i = 0; i < B; ++i) {
      // accumulated log-probs over the beams' vocabularies
      std::vector<float> acc(static_cast<size_t>(nb * V));
      for (int64_t k = 0; k < nb; ++k) {
        float* row = logits.data<float>() + (i * nb + k) * V;
        double mx = -INFINITY, sum = 0;
        for (int64_t t = 0; t < V; ++t) mx = std::max(mx, static_cast<double>(row[t]));
        for (int64_t t = 0; t < V; ++t) sum += std::exp(row[t] - mx);
        const float lse = static_cast<float>(mx + std::log(sum));
        for (int64_t t = 0; t < V; ++t) row[t] = row[t] - lse;
        process(r_, {running[i][k].seq, prompt_len, b.prompt_pad[i * nb + k]}, row, V);
        for (int64_t t = 0; t < V; ++t) acc[k * V + t] = row[t] + running[i][k].score;
      }
      std::vector<int64_t> top;
      if (r_.do_sample) {
        std::vector<double> w(acc.size());
        double mx = -INFINITY;
        for (float a : acc) mx = std::max(mx, static_cast<double>(a));
        for (size_t t = 0; t < acc.size(); ++t) w[t] = std::exp(acc[t] - mx);
        for (int64_t n = 0; n < keep; ++n) {  // without replacement
          std::discrete_distribution<int64_t> d(w.begin(), w.end());
          const int64_t pick = d(rng);
          top.push_back(pick);
          w[pick] = 0;
        }
        std::stable_sort(top.begin(), top.end(), [&](int64_t a, int64_t c) { return acc[a] > acc[c]; });
      } else {
        top = topk(acc, keep);
      }
      std::vector<Beam> cand;
      std::vector<bool> hit;
      for (int64_t n = 0; n < keep; ++n) {
        const int64_t src = top[n] / V, tok = top[n] % V;
        Beam c = running[i][src];
        c.seq.push_back(tok);
        c.indices.push_back(i * nb + src);
        c.score = acc[top[n]];
        hit.push_back(hits_stop(c.seq, prompt_len));
        all_hit = all_hit && hit.back();
        cand.push_back(std::move(c));
      }
      // next running beams: best non-finishing candidates
      std::vector<float> run_scores(static_cast<size_t>(keep));
      for (int64_t n = 0; n < keep; ++n) run_scores[n] = cand[n].score + (hit[n] ? -1e9f : 0.0f);
      std::vector<Beam> next_running;
      for (int64_t n : topk(run_scores, nb)) {
        Beam c = cand[n];
        c.score = run_scores[n];
        next_running.push_back(std::move(c));
      }
      // finished beams: merge the top-nb candidates that just finished
      bool batch_full = r_.early_stopping == "true";
      for (const Beam& d : done[i]) batch_full = batch_full && d.finished;
      std::vector<Beam> merged = done[i];
      for (int64_t n = 0; n < keep; ++n) {
        const bool just = hit[n] && n < nb;
        Beam c = cand[n];
        c.score = cand[n].score / static_cast<float>(std::pow(static_cast<double>(cur + 1 - prompt_len), r_.length_penalty));
        if (batch_full) c.score += -1e9f;
        if (!unsatisfied[i]) c.score += -1e9f;
        if (!just) c.score += -1e9f;
        c.finished = just;
        merged.push_back(std::move(c));
      }
      std::vector<float> ms;
      for (const Beam& m : merged) ms.push_back(m.score);
      std::vector<Beam> next_done;
      for (int64_t n : topk(ms, nb)) next_done.push_back(merged[n]);
      done[i] = std::move(next_done);
      running[i] = std::move(next_running);
      for (int64_t k = 0; k < nb; ++k) reorder[i * nb + k] = running[i][k].indices.back();
      // early-stop heuristic, as _check_early_stop_heuristic
      const int64_t best_len = (r_.early_stopping == "never" && lp > 0) ? r_.max_length - prompt_len : cur + 1 - prompt_len;
      const float best = running[i][0].score / static_cast<float>(std::pow(static_cast<double>(best_len), r_.length_penalty));
      float min_done = INFINITY;
      for (const Beam& d : done[i]) min_done = std::min(min_done, d.score);
      bool improvable = false;
      for (const Beam& d : done[i]) improvable = improvable || best > (d.finished ? min_done : -1e9f);
      unsatisfied[i] = unsatisfied[i] && improvable;
      any_unsat = any_unsat || unsatisfied[i];
      for (const Beam& d : done[i]) all_finished = all_finished && d.finished;
    }
    cache.reorder_cache(reorder);
    ++cur;
    // Each beam continues the row it came from; every beam of an entry shares its prompt mask.
    b.sequences = ops::gather_rows(b.sequences, Tensor::from_ints(reorder, {B * nb}));
    std::vector<int64_t> next(static_cast<size_t>(B * nb));
    for (int64_t i = 0; i < B; ++i)
      for (int64_t k = 0; k < nb; ++k) {
        const int64_t row = i * nb + k;
        b.seq[row] = running[i][k].seq;
        next[row] = running[i][k].seq.back();
      }
    b.append(next);
    const bool open = !(all_finished && r_.early_stopping == "true");
    if (!(any_unsat && open && !all_hit)) break;
    logits = advance(b, cache);
  }
  const int64_t R = r_.num_return_sequences;
  int64_t gen_max = 0;
  for (int64_t i = 0; i < B; ++i)
    for (int64_t k = 0; k < R; ++k) gen_max = std::max(gen_max, static_cast<int64_t>(done[i][k].indices.size()));
  GenerateOutput out;
  const int64_t width = prompt_len + gen_max;
  std::vector<int64_t> seqs(static_cast<size_t>(B * R * width), fill);
  std::vector<float> scores;
  for (int64_t i = 0; i < B; ++i)
    for (int64_t k = 0; k < R; ++k) {
      const Beam& d = done[i][k];
      const size_t n = std::min<size_t>(d.seq.size(), static_cast<size_t>(width));
      std::copy_n(d.seq.begin(), n, seqs.begin() + (i * R + k) * width);
      scores.push_back(d.score);
    }
  out.sequences = Tensor::from_ints(seqs, {B * R, width});
  out.sequences_scores = Tensor::from_floats(scores, {B * R});
  return out;
}

}  // namespace

// The loop every GenerativeModel::generate runs (installed below through models/generation_hook.hpp).
GenerateOutput generate(GenerativeModel& m, const Tensor& input_ids, const GenerationConfig& overrides, const Tensor& attention_mask,
                        const GenerateHooks& hooks) {
  if (!input_ids.defined() || input_ids.dim() != 2) throw ShapeMismatch("generate: input_ids must be [batch, seq]");
  if (is_floating(input_ids.dtype())) throw UnsupportedDType("generate: input_ids must be integers");
  if (overrides.prompt_ids) throw ValueError("generate: this model does not take prompt_ids");
  const Tensor ids = input_ids.to(DType::I64).contiguous();
  const int64_t B = ids.size(0), S = ids.size(1);
  if (B == 0 || S == 0) throw ValueError("generate: the prompt is empty; give at least one token (e.g. the bos token)");
  const int64_t V = m.output_vocab_size();
  const std::vector<int64_t> prompt = ids.to_ints();
  for (int64_t id : prompt)
    if (id < 0 || id >= V) throw ValueError("generate: input id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(V));
  const int64_t ctx = m.max_positions();
  if (ctx > 0 && S > ctx)
    throw ValueError("generate: the prompt has " + std::to_string(S) + " tokens, longer than the model's context of " + std::to_string(ctx));
  const generation::Resolved r = generation::resolve(overrides.merged_over(m.generation_config()), S, V,
                                                         m.config().get_bool("is_encoder_decoder", false) ? "decoder_input_ids" : "input_ids");
  generation::Batch b;
  const Tensor mask = generation::prompt_mask(ids, attention_mask, r);
  const std::vector<int64_t> mask_rows = mask.to_ints();
  const int64_t expand = r.num_beams > 1 ? r.num_beams : r.num_return_sequences;
  std::vector<int64_t> source;  // repeat_interleave, as _expand_inputs_for_generation
  for (int64_t i = 0; i < B; ++i)
    for (int64_t e = 0; e < expand; ++e) {
      source.push_back(i);
      b.seq.emplace_back(prompt.begin() + i * S, prompt.begin() + (i + 1) * S);
      const auto row = mask_rows.begin() + i * S, first = std::find(row, row + S, 1);
      b.prompt_pad.push_back(first == row + S ? 0 : first - row);
    }
  // Room for every token generation can reach (it stops at max_length, or one past a longer prompt).
  const int64_t rows = B * expand, capacity = std::max(r.max_length, S + 1);
  const Tensor from = Tensor::from_ints(source, {rows});
  b.sequences = Tensor::zeros({rows, capacity}, DType::I64);
  b.attention_mask = Tensor::zeros({rows, capacity}, DType::I64);
  ops::copy_(b.sequences.slice(1, 0, S), ops::gather_rows(ids, from));
  ops::copy_(b.attention_mask.slice(1, 0, S), ops::gather_rows(mask, from));
  b.len = S;
  generation::Runner run(m, r, hooks);
  return r.num_beams > 1 ? run.beam_search(std::move(b), S) : run.sample(std::move(b), S);
}

namespace {
[[maybe_unused]] const bool installed = install_generate_loop(&generate);
}  // namespace

}  // namespace generation
}  // namespace transformers
