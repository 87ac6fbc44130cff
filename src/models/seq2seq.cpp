// The encoder-decoder classes every family shares: transformers' *Model, *ForConditionalGeneration
// (generate() runs the encoder once, then steps the decoder over its self-attention cache and
// cross-attention keys/values projected once, as EncoderDecoderCache), T5EncoderModel and the
// eos-pooled classification, QA and token heads.
#include "core/output_recorder.hpp"
#include "models/seq2seq.hpp"

#include <algorithm>

#include "transformers/errors.hpp"

namespace transformers {

Tensor Seq2SeqBackbone::shift_right(const Tensor& input_ids, const PretrainedConfig& c) const {
  if (!c.has("decoder_start_token_id"))
    throw ValueError("decoder_start_token_id has to be defined in the config to derive decoder_input_ids from input_ids");
  if (!c.has("pad_token_id")) throw ValueError("pad_token_id has to be defined in the config to derive decoder_input_ids");
  const int64_t start = c.get_int("decoder_start_token_id"), pad = c.get_int("pad_token_id");
  const Tensor ids = input_ids.to(DType::I64);
  const int64_t B = ids.size(0), S = ids.size(1);
  if (S == 0) return ids;
  const Tensor shifted = ops::concat({Tensor::full({B, 1}, static_cast<double>(start), DType::I64), ids.slice(1, 0, S - 1)}, 1);
  // Label padding (-100) becomes pad_token_id; ids stay exact in fp32 (vocabularies are far below 2^24).
  return ops::where(ops::eq(shifted, -100), Tensor::full({1}, static_cast<double>(pad)), shifted).to(DType::I64);
}

nn::KVCache::Cross cross_key_values(const nn::Linear& k_proj, const nn::Linear& v_proj, const Tensor& encoder_hidden, int64_t heads,
                                    nn::KVCache* cache, int64_t layer) {
  auto project = [&] {
    const int64_t B = encoder_hidden.size(0), T = encoder_hidden.size(1);
    return nn::KVCache::Cross{k_proj(encoder_hidden).view({B, T, heads, -1}), v_proj(encoder_hidden).view({B, T, heads, -1})};
  };
  return cache ? cache->cross(layer, project) : project();
}

namespace {

// Rows of t repeated `times` times each (torch.repeat_interleave on dim 0).
Tensor repeat_rows(const Tensor& t, int64_t times) {
  if (!t.defined() || times == 1) return t;
  std::vector<Tensor> rows;
  for (int64_t b = 0; b < t.size(0); ++b)
    for (int64_t k = 0; k < times; ++k) rows.push_back(t.slice(0, b, b + 1));
  return ops::concat(rows, 0);
}

int64_t num_labels(const PretrainedConfig& c) {
  if (c.num_labels() <= 0) throw ConfigError("num_labels must be positive for a classification head");
  return c.num_labels();
}

// The backbone under the family's prefix (or at the root), and the inputs every forward reads.
template <class Base>
class Seq2SeqModel : public Base {
 public:
  Seq2SeqModel(const PretrainedConfig& c, const Seq2SeqFamily& f, bool at_root, bool encoder_only = false)
      : Base(c), family_(f), sub_(at_root ? "" : f.prefix + "."), backbone_(this->child(at_root ? "" : f.prefix, f.backbone(c, encoder_only))) {}
  std::string base_model_prefix() const override { return family_.prefix; }
  std::string main_input_name() const override { return family_.main_input; }
  std::string checkpoint_key(const std::string& key) const override { return backbone_.checkpoint_key(key); }
  std::vector<std::string> may_be_missing() const override { return backbone_.may_be_missing(); }
  bool ties_word_embeddings() const override { return backbone_.always_ties_embeddings() || Base::ties_word_embeddings(); }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    std::vector<std::pair<std::string, std::string>> t;
    for (const auto& [target, source] : backbone_.tied_embeddings()) t.emplace_back(sub_ + target, sub_ + source);
    return t;
  }

 protected:
  struct EncoderInputs {
    Tensor ids, mask;
  };
  EncoderInputs encoder_inputs(const ModelInputs& in) const {
    const Tensor& ids = require_input(in, family_.main_input, family_.class_prefix);
    if (family_.main_input != "input_ids") return {ids, Tensor()};  // audio encoders take no mask (their attention ignores it)
    if (ids.dim() != 2) throw ShapeMismatch(family_.class_prefix + ": input_ids must be [batch, seq], got " + shape_str(ids.shape()));
    const Tensor* am = find_input(in, "attention_mask");
    if (am && am->shape() != ids.shape())
      throw ShapeMismatch(family_.class_prefix + ": attention_mask " + shape_str(am->shape()) + " must match input_ids " + shape_str(ids.shape()));
    return {ids, am ? *am : Tensor()};
  }
  struct Run {
    Tensor decoder_hidden, encoder_hidden;
  };
  // The full forward without a cache. Without decoder_input_ids, `shift` derives them from
  // input_ids (BART, and every T5 head but the LM), else the call is an error as in Python.
  Run run(const ModelInputs& in, bool shift) const {
    const EncoderInputs e = encoder_inputs(in);
    Tensor enc;
    {
      const record::Prefix p("encoder_");
      enc = backbone_.encode(e.ids, e.mask);
    }
    const Tensor* d = find_input(in, "decoder_input_ids");
    if (!d && !shift)
      throw ValueError(family_.class_prefix + ": pass decoder_input_ids (this model does not derive them from input_ids)");
    const Tensor dec_ids = d ? *d : backbone_.shift_right(e.ids, this->config());
    if (dec_ids.dim() != 2 || dec_ids.size(0) != e.ids.size(0))
      throw ShapeMismatch(family_.class_prefix + ": decoder_input_ids " + shape_str(dec_ids.shape()) + " must be [batch, target_len] with batch " +
                          std::to_string(e.ids.size(0)));
    const Tensor* dm = find_input(in, "decoder_attention_mask");
    if (dm && dm->shape() != dec_ids.shape())
      throw ShapeMismatch(family_.class_prefix + ": decoder_attention_mask must match decoder_input_ids " + shape_str(dec_ids.shape()));
    const record::Prefix p("decoder_");
    return {backbone_.decode(dec_ids, dm ? *dm : Tensor(), backbone_.cross_states(enc), e.mask, nullptr), enc};
  }

  Seq2SeqFamily family_;
  std::string sub_;
  Seq2SeqBackbone& backbone_;
};

class Seq2SeqBase : public Seq2SeqModel<Model> {
 public:
  Seq2SeqBase(const PretrainedConfig& c, const Seq2SeqFamily& f) : Seq2SeqModel(c, f, true) {}
  ModelOutput forward(const ModelInputs& in) override {
    const Run r = run(in, backbone_.base_shifts_inputs());
    ModelOutput o;
    o.set("last_hidden_state", r.decoder_hidden);
    o.set("encoder_last_hidden_state", r.encoder_hidden);
    return o;
  }
};

class Seq2SeqLM : public Seq2SeqModel<GenerativeModel> {
 public:
  Seq2SeqLM(const PretrainedConfig& c, const Seq2SeqFamily& f) : Seq2SeqModel(c, f, f.lm_at_root) {
    const int64_t V = backbone_.decoder_vocab_size();
    lm_head_ = &child(backbone_.lm_head_name(), std::make_unique<nn::Linear>(backbone_.hidden_size(), V, false));
    if (backbone_.has_final_logits_bias()) bias_ = &child("final_logits_bias", std::make_unique<nn::BareParameter>(Shape{1, V}));
  }
  std::vector<std::string> may_be_missing() const override {
    auto m = Seq2SeqModel::may_be_missing();
    m.push_back("final_logits_bias");
    return m;
  }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    auto t = Seq2SeqModel::tied_weights();
    t.emplace_back(backbone_.lm_head_name() + ".weight", sub_ + backbone_.lm_head_tie_source());
    return t;
  }
  int64_t num_cache_layers() const override { return backbone_.num_decoder_layers(); }
  int64_t max_positions() const override { return backbone_.max_positions(); }
  int64_t output_vocab_size() const override { return backbone_.decoder_vocab_size(); }

  ModelOutput forward(const ModelInputs& in) override {
    const Run r = run(in, backbone_.base_shifts_inputs());
    ModelOutput o;
    o.set("logits", logits(r.decoder_hidden));
    o.set("encoder_last_hidden_state", r.encoder_hidden);
    return o;
  }
  Tensor forward_cached(const Tensor& ids, const Tensor&, const Tensor& mask, nn::KVCache& cache, bool last_only) override {
    Tensor h = backbone_.decode(ids, mask, cache.encoder_hidden_states, cache.encoder_attention_mask, &cache);
    if (last_only) h = h.slice(1, h.size(1) - 1, h.size(1)).contiguous();
    return logits(h);
  }
  nn::KVCache new_cache(int64_t reserve, int64_t rows) const override {
    if (!pending_.hidden.defined()) throw ValueError(class_name() + ": the decoder needs an encoder output; call generate()");
    nn::KVCache cache(num_cache_layers(), reserve);
    const int64_t times = rows / pending_.hidden.size(0);
    cache.encoder_hidden_states = repeat_rows(pending_.hidden, times);
    cache.encoder_attention_mask = repeat_rows(pending_.mask, times);
    return cache;
  }

  // Python's encoder-decoder generate(): the encoder runs once on input_ids (attention mask
  // inferred from pads when not given), the decoder starts from decoder_start_token_id, and the
  // returned sequences are the decoder's.
  using PreTrainedModel::generate;
  GenerateOutput generate(const Tensor& input_ids, const GenerationConfig& overrides, const Tensor& attention_mask,
                          const GenerateHooks& hooks) override {
    const GenerationConfig g = overrides.merged_over(generation_config());
    const auto start = g.decoder_start_token_id ? g.decoder_start_token_id : g.bos_token_id;
    if (!start) throw ValueError("generate: `decoder_start_token_id` or `bos_token_id` has to be defined for encoder-decoder generation");
    if (!input_ids.defined() || input_ids.dim() < 2) throw ShapeMismatch("generate: the encoder input must be [batch, ...]");
    int64_t B = input_ids.size(0);
    if (B == 0) throw ValueError("generate: the input is empty");
    if (family_.generate) return family_generate(input_ids, attention_mask, g, overrides, hooks, *start);
    if (family_.main_input != "input_ids") {
      pending_ = {backbone_.cross_states(backbone_.encode(input_ids, {})), {}};
    } else {
      if (input_ids.dim() != 2) throw ShapeMismatch("generate: input_ids must be [batch, seq]");
      if (is_floating(input_ids.dtype())) throw UnsupportedDType("generate: input_ids must be integers");
      const Tensor ids = input_ids.to(DType::I64).contiguous();
      const int64_t S = ids.size(1), V = config().get_int("vocab_size");
      if (S == 0) throw ValueError("generate: the input is empty");
      for (int64_t id : ids.to_ints())
        if (id < 0 || id >= V) throw ValueError("generate: input id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(V));
      Tensor mask = attention_mask;
      if (mask.defined() && mask.shape() != ids.shape())
        throw ShapeMismatch("generate: attention_mask " + shape_str(mask.shape()) + " must match input_ids " + shape_str(ids.shape()));
      if (!mask.defined()) mask = inferred_mask(ids, g);
      pending_ = {backbone_.encode(ids, mask), mask};
    }
    struct Clear {
      EncoderState& s;
      ~Clear() { s = {}; }
    } clear{pending_};
    const auto [prompt, prompt_mask] = decoder_prompt(B, *start);
    return GenerativeModel::generate(prompt, overrides, prompt_mask, hooks);
  }

 private:
  // Seq2SeqFamily::generate run on this model's steps; the encoder output it keeps is dropped after.
  GenerateOutput family_generate(const Tensor& inputs, const Tensor& attention_mask, const GenerationConfig& g,
                                 const GenerationConfig& overrides, const GenerateHooks& hooks, int64_t start) {
    struct Clear {
      EncoderState& s;
      ~Clear() { s = {}; }
    } clear{pending_};
    struct Steps final : Seq2SeqSteps {
      Seq2SeqLM& m;
      const GenerateHooks& hooks;
      Tensor window;  // the last encoded output, all rows
      Steps(Seq2SeqLM& model, const GenerateHooks& h) : m(model), hooks(h) {}
      const PretrainedConfig& config() const override { return m.config(); }
      const Seq2SeqBackbone& backbone() const override { return m.backbone_; }
      bool has_decoder_prompt() const override { return m.decoder_ids_.defined(); }
      void encode(const Tensor& x) override { m.pending_ = {window = m.backbone_.encode(x, {}), {}}; }
      void use_rows(const std::vector<int64_t>& rows) override {
        std::vector<Tensor> picked;
        for (int64_t r : rows) picked.push_back(window.slice(0, r, r + 1));
        m.pending_ = {ops::concat(picked, 0), {}};
      }
      GenerateOutput decode(const Tensor& prompt, const Tensor& mask, const GenerationConfig& call) override {
        return m.GenerativeModel::generate(prompt, call, mask, hooks);
      }
      Tensor prompt_logits(const Tensor& prompt, const Tensor& mask, int64_t position) override {
        nn::KVCache cache = m.new_cache(prompt.size(1), prompt.size(0));
        const Tensor l = m.forward_cached(prompt, {}, mask, cache, false).to(DType::F32);
        return l.slice(1, position, position + 1).contiguous().view({prompt.size(0), l.size(-1)});
      }
      std::vector<int64_t> best_first_token(int64_t rows, int64_t first, std::vector<int64_t> candidates) override {
        return m.best_first_token(rows, first, std::move(candidates));
      }
      std::vector<Tensor> cross_attentions(const Tensor& ids, const Tensor& mask,
                                           const std::vector<std::pair<int64_t, int64_t>>& heads) override {
        for (const auto& [layer, head] : heads)
          if (layer < 0 || layer >= m.backbone_.num_decoder_layers())
            throw ValueError("alignment_heads: layer " + std::to_string(layer) + " of " + std::to_string(m.backbone_.num_decoder_layers()));
        nn::KVCache cache = m.new_cache(ids.size(1), ids.size(0));
        cache.capture_cross_heads = heads;
        m.forward_cached(ids, {}, mask, cache, true);
        return cache.captured_cross;
      }
    } steps(*this, hooks);
    return family_.generate(steps, inputs, attention_mask, g, overrides, start);
  }

  // One decoder step from the start token; per row the highest-scoring candidate (the lowest id
  // among ties, as argmax picks).
  std::vector<int64_t> best_first_token(int64_t B, int64_t start, std::vector<int64_t> candidates) {
    std::sort(candidates.begin(), candidates.end());
    nn::KVCache cache = new_cache(1, B);
    const Tensor l = forward_cached(Tensor::full({B, 1}, static_cast<double>(start), DType::I64), {},
                                                                     Tensor::full({B, 1}, 1.0, DType::I64), cache, true);
    const int64_t V = l.size(-1);
    std::vector<int64_t> best(static_cast<size_t>(B), -1);
    const std::vector<float> lv = l.reshape({B, V}).to_floats();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t id : candidates) {
        if (id < 0 || id >= V) throw ValueError("generate: candidate token id " + std::to_string(id) + " is outside the vocabulary");
        if (best[b] < 0 || lv[b * V + id] > lv[b * V + best[b]]) best[b] = id;
      }
    return best;
  }
  // generate(decoder_input_ids=..., decoder_attention_mask=...): the decoder continues the given
  // rows (_prepare_decoder_input_ids_for_generation prepends decoder_start_token_id when no row
  // starts with it); without them it starts from decoder_start_token_id alone. A model whose
  // encoder reads something else takes input_ids as the decoder prompt too, as Python does.
  bool set_prompt_input(const std::string& name, const Tensor& value) override {
    if (name == "decoder_input_ids" || (name == "input_ids" && family_.main_input != "input_ids")) {
      if (decoder_ids_.defined()) throw ValueError("generate: give the decoder prompt once, as decoder_input_ids");
      decoder_ids_ = value;
    } else if (name == "decoder_attention_mask") {
      decoder_mask_ = value;
    } else {
      return false;
    }
    return true;
  }
  void clear_prompt_inputs() override { decoder_ids_ = decoder_mask_ = Tensor(); }
  std::pair<Tensor, Tensor> decoder_prompt(int64_t B, int64_t start) const {
    if (!decoder_ids_.defined()) {
      if (decoder_mask_.defined()) throw ValueError("generate: decoder_attention_mask without decoder_input_ids");
      return {Tensor::full({B, 1}, static_cast<double>(start), DType::I64), Tensor::full({B, 1}, 1.0, DType::I64)};
    }
    if (decoder_ids_.dim() != 2 || decoder_ids_.size(0) != B || decoder_ids_.size(1) == 0)
      throw ShapeMismatch("generate: decoder_input_ids " + shape_str(decoder_ids_.shape()) + " must be [batch, len] with batch " + std::to_string(B));
    if (is_floating(decoder_ids_.dtype())) throw UnsupportedDType("generate: decoder_input_ids must be integers");
    if (decoder_mask_.defined() && decoder_mask_.shape() != decoder_ids_.shape())
      throw ShapeMismatch("generate: decoder_attention_mask " + shape_str(decoder_mask_.shape()) + " must match decoder_input_ids " +
                          shape_str(decoder_ids_.shape()));
    Tensor ids = decoder_ids_.to(DType::I64).contiguous();
    // No mask inferred from pad ids: Python infers only the encoder's.
    Tensor mask = decoder_mask_.defined() ? decoder_mask_.to(DType::I64).contiguous() : Tensor::full(ids.shape(), 1.0, DType::I64);
    const std::vector<int64_t> first = ids.select(1, 0).to_ints();
    const bool none_start = std::find(first.begin(), first.end(), start) == first.end();
    const bool donut = config().model_type() == "vision-encoder-decoder" && config().sub_config("encoder") &&
                       config().sub_config("encoder")->model_type().find("donut") != std::string::npos;
    if (none_start && !donut) {
      ids = ops::concat({Tensor::full({B, 1}, static_cast<double>(start), DType::I64), ids}, 1);
      mask = ops::concat({Tensor::full({B, 1}, 1.0, DType::I64), mask}, 1);
    }
    return {ids, mask};
  }

  // _prepare_attention_mask_for_generation: pads masked when the pad id occurs and is no eos id.
  static Tensor inferred_mask(const Tensor& ids, const GenerationConfig& g) {
    const auto eos = g.eos_token_id.value_or(std::vector<int64_t>{});
    const auto pad = g.pad_token_id ? g.pad_token_id : (eos.empty() ? std::nullopt : std::optional<int64_t>(eos[0]));
    Tensor mask = Tensor::full(ids.shape(), 1.0, DType::I64);
    if (!pad || std::find(eos.begin(), eos.end(), *pad) != eos.end()) return mask;
    const int64_t pad_id = *pad;
    const bool found = ops::sum(ops::eq(ids, pad_id).reshape({-1}), 0).item() > 0;
    return found ? ops::ne(ids, pad_id) : mask;
  }
  Tensor logits(const Tensor& h) const {
    const float s = backbone_.decoder_output_scale();
    Tensor l = (*lm_head_)(s != 1.0f ? ops::scale(h, s) : h);
    return bias_ ? ops::add(l, bias_->value.view({bias_->value.size(1)})) : l;
  }

  struct EncoderState {
    Tensor hidden, mask;
  };
  EncoderState pending_;
  Tensor decoder_ids_, decoder_mask_;  // generate()'s decoder prompt, while it runs
  nn::Linear* lm_head_;
  nn::BareParameter* bias_ = nullptr;
};

// T5EncoderModel: shared + encoder at the root.
class Seq2SeqEncoderOnly : public Seq2SeqModel<Model> {
 public:
  Seq2SeqEncoderOnly(const PretrainedConfig& c, const Seq2SeqFamily& f) : Seq2SeqModel(c, f, true, true) {}
  ModelOutput forward(const ModelInputs& in) override {
    const EncoderInputs e = encoder_inputs(in);
    ModelOutput o;
    o.set("last_hidden_state", backbone_.encode(e.ids, e.mask));
    return o;
  }
};

class Seq2SeqAudioClassification : public Seq2SeqModel<Model> {
 public:
  Seq2SeqAudioClassification(const PretrainedConfig& c, const Seq2SeqFamily& f) : Seq2SeqModel(c, f, true, true) {
    if (c.get_bool("use_weighted_layer_sum", false))
      layer_weights_ = &child("layer_weights", std::make_unique<nn::BareParameter>(c.get_int("encoder_layers") + 1)).value;
    const int64_t proj = c.get_int("classifier_proj_size");
    projector_ = &child("projector", std::make_unique<nn::Linear>(backbone_.hidden_size(), proj));
    classifier_ = &child("classifier", std::make_unique<nn::Linear>(proj, num_labels(c)));
  }
  std::vector<std::string> may_be_missing() const override { return {"projector.", "classifier.", "layer_weights"}; }
  ModelOutput forward(const ModelInputs& in) override {
    const EncoderInputs e = encoder_inputs(in);
    Tensor h;
    if (layer_weights_) {
      std::vector<Tensor> states;
      backbone_.encode(e.ids, e.mask, states);
      const Tensor w = ops::softmax(*layer_weights_, -1);
      h = ops::mul(states[0], w.slice(0, 0, 1));
      for (size_t i = 1; i < states.size(); ++i) h = ops::add(h, ops::mul(states[i], w.slice(0, static_cast<int64_t>(i), static_cast<int64_t>(i) + 1)));
    } else {
      h = backbone_.encode(e.ids, e.mask);
    }
    ModelOutput o;
    o.set("logits", (*classifier_)(ops::mean((*projector_)(h), 1)));
    return o;
  }

 private:
  Tensor* layer_weights_ = nullptr;
  nn::Linear *projector_, *classifier_;
};

// *ForSequenceClassification: the decoder state at each row's last eos token.
class Seq2SeqSequenceClassification : public Seq2SeqModel<Model> {
 public:
  Seq2SeqSequenceClassification(const PretrainedConfig& c, const Seq2SeqFamily& f) : Seq2SeqModel(c, f, false) {
    auto& head = child("classification_head", std::make_unique<nn::Container>());
    const int64_t H = backbone_.hidden_size();
    dense_ = &head.add("dense", std::make_unique<nn::Linear>(H, H));
    out_proj_ = &head.add("out_proj", std::make_unique<nn::Linear>(H, num_labels(c)));
  }
  std::vector<std::string> may_be_missing() const override { return {"classification_head."}; }
  ModelOutput forward(const ModelInputs& in) override {
    const Run r = run(in, true);
    const Tensor ids = require_input(in, "input_ids", family_.class_prefix).to(DType::I64).contiguous();
    const int64_t S = ids.size(1), eos = config().get_int("eos_token_id");
    if (r.decoder_hidden.size(1) != S) throw ShapeMismatch(family_.class_prefix + ": sequence classification needs decoder_input_ids as long as input_ids");
    const std::vector<float> counts = ops::sum(ops::eq(ids, eos), 1).to_floats();
    for (float n : counts)
      if (n == 0 || n != counts[0]) throw ValueError("All examples must have the same number of <eos> tokens.");
    const Tensor pooled = ops::gather_last_token(r.decoder_hidden, ids, eos, true);  // each row's last eos
    ModelOutput o;
    o.set("logits", (*out_proj_)(ops::tanh((*dense_)(pooled))));
    o.set("encoder_last_hidden_state", r.encoder_hidden);
    return o;
  }

 private:
  nn::Linear *dense_, *out_proj_;
};

ModelOutput start_end(const Tensor& logits) {
  ModelOutput o;
  o.set("start_logits", logits.select(-1, 0).contiguous());
  o.set("end_logits", logits.select(-1, 1).contiguous());
  return o;
}

// *ForQuestionAnswering: span logits over the decoder states.
class Seq2SeqQuestionAnswering : public Seq2SeqModel<Model> {
 public:
  Seq2SeqQuestionAnswering(const PretrainedConfig& c, const Seq2SeqFamily& f) : Seq2SeqModel(c, f, f.lm_at_root) {
    // BartForQuestionAnswering sets num_labels = 2 whatever the config says.
    qa_ = &child("qa_outputs", std::make_unique<nn::Linear>(backbone_.hidden_size(), 2));
  }
  std::vector<std::string> may_be_missing() const override { return {"qa_outputs."}; }
  ModelOutput forward(const ModelInputs& in) override {
    const Run r = run(in, true);
    ModelOutput o = start_end((*qa_)(r.decoder_hidden));
    o.set("encoder_last_hidden_state", r.encoder_hidden);
    return o;
  }

 private:
  nn::Linear* qa_;
};

// T5ForTokenClassification: classifier over the encoder states, the encoder under the prefix.
class Seq2SeqTokenClassification : public Seq2SeqModel<Model> {
 public:
  Seq2SeqTokenClassification(const PretrainedConfig& c, const Seq2SeqFamily& f) : Seq2SeqModel(c, f, false, true) {
    classifier_ = &child("classifier", std::make_unique<nn::Linear>(backbone_.hidden_size(), num_labels(c)));
  }
  std::vector<std::string> may_be_missing() const override { return {"classifier."}; }
  ModelOutput forward(const ModelInputs& in) override {
    const EncoderInputs e = encoder_inputs(in);
    ModelOutput o;
    o.set("logits", (*classifier_)(backbone_.encode(e.ids, e.mask)));
    return o;
  }

 private:
  nn::Linear* classifier_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_seq2seq_token_classification(const PretrainedConfig& c, const Seq2SeqFamily& f) {
  return std::make_unique<Seq2SeqTokenClassification>(c, f);
}
std::unique_ptr<PreTrainedModel> make_seq2seq_base_model(const PretrainedConfig& c, const Seq2SeqFamily& f) {
  return std::make_unique<Seq2SeqBase>(c, f);
}
std::unique_ptr<PreTrainedModel> make_seq2seq_lm(const PretrainedConfig& c, const Seq2SeqFamily& f) { return std::make_unique<Seq2SeqLM>(c, f); }
std::unique_ptr<PreTrainedModel> make_seq2seq_encoder_model(const PretrainedConfig& c, const Seq2SeqFamily& f) {
  return std::make_unique<Seq2SeqEncoderOnly>(c, f);
}
std::unique_ptr<PreTrainedModel> make_seq2seq_sequence_classification(const PretrainedConfig& c, const Seq2SeqFamily& f) {
  return std::make_unique<Seq2SeqSequenceClassification>(c, f);
}
std::unique_ptr<PreTrainedModel> make_seq2seq_question_answering(const PretrainedConfig& c, const Seq2SeqFamily& f) {
  return std::make_unique<Seq2SeqQuestionAnswering>(c, f);
}
std::unique_ptr<PreTrainedModel> make_seq2seq_audio_classification(const PretrainedConfig& c, const Seq2SeqFamily& f) {
  return std::make_unique<Seq2SeqAudioClassification>(c, f);
}

Tensor Seq2SeqBackbone::encode(const Tensor&, const Tensor&, std::vector<Tensor>&) const {
  throw ValueError("this encoder does not expose its hidden states");
}

}  // namespace transformers
