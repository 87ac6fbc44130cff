// sentence-transformers' SentenceTransformer: Transformer -> Pooling -> Dense / Normalize modules,
// read from the folder's modules.json and module configs, with prompts and similarity functions
// from config_sentence_transformers.json.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "io/json.hpp"
#include "ops/ops.hpp"
#include "pipelines/pipeline_utils.hpp"
#include "transformers/errors.hpp"
#include "transformers/pipelines.hpp"
#include "transformers/safetensors.hpp"

namespace transformers {

struct SentenceTransformer::Module {
  bool normalize = false;  // else a Dense layer: activation(x W^T + b) (+ x, or + x R^T, with use_residual)
  Tensor weight, bias, residual;
  std::optional<ops::Activation> activation;  // none: Identity
  bool use_residual = false;
};

namespace {

const std::vector<std::string> kPoolingModes = {"cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"};

// Pooling's config: `pooling_mode` (a name or a list), or the legacy pooling_mode_* booleans,
// whose enabled modes concatenate in this fixed order (none enabled: mean).
std::vector<std::string> pooling_modes_from(const Json& pc, const std::string& where) {
  std::vector<std::string> modes;
  if (pc.contains("pooling_mode")) {
    const Json& m = pc["pooling_mode"];
    if (m.is_string()) modes.push_back(m.get<std::string>());
    else if (m.is_array())
      for (const Json& x : m) {
        if (!x.is_string()) throw ConfigError(where + ": pooling_mode entries must be strings");
        modes.push_back(x.get<std::string>());
      }
    else throw ConfigError(where + ": pooling_mode must be a string or a list of strings");
  } else {
    static const std::pair<const char*, const char*> legacy[] = {
        {"pooling_mode_cls_token", "cls"}, {"pooling_mode_max_tokens", "max"}, {"pooling_mode_mean_tokens", "mean"},
        {"pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens"}, {"pooling_mode_weightedmean_tokens", "weightedmean"},
        {"pooling_mode_lasttoken", "lasttoken"}};
    for (const auto& [key, mode] : legacy)
      if (pc.contains(key) && pc[key].is_boolean() && pc[key].get<bool>()) modes.push_back(mode);
    if (modes.empty()) modes.push_back("mean");
  }
  if (modes.empty()) throw ConfigError(where + ": pooling_mode is an empty list");
  for (const auto& m : modes)
    if (std::find(kPoolingModes.begin(), kPoolingModes.end(), m) == kPoolingModes.end())
      throw ConfigError(where + ": unknown pooling mode '" + m + "' (cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken)");
  return modes;
}

// A torch.nn activation class path (Dense's activation_function, CrossEncoder's activation_fn) ->
// our activation; nullopt: Identity. sentence-transformers imports only torch.* classes without
// trust_remote_code and falls back on the module's default (`fallback`) for any other path.
std::optional<ops::Activation> activation_class(const std::string& path, std::optional<ops::Activation> fallback, const std::string& where) {
  if (path.rfind("torch.", 0) != 0) return fallback;
  const std::string cls = path.substr(path.rfind('.') + 1);
  if (cls == "Identity") return std::nullopt;
  if (cls == "Tanh") return ops::Activation::Tanh;
  if (cls == "GELU") return ops::Activation::Gelu;
  if (cls == "ReLU") return ops::Activation::Relu;
  if (cls == "Sigmoid") return ops::Activation::Sigmoid;
  if (cls == "SiLU") return ops::Activation::Silu;
  throw ConfigError(where + ": activation '" + path + "' is not supported (Identity, Tanh, GELU, ReLU, Sigmoid, SiLU)");
}

std::optional<ops::Activation> dense_activation(const Json& dc, const std::string& where) {
  if (!dc.contains("activation_function") || dc["activation_function"].is_null()) return ops::Activation::Tanh;
  if (!dc["activation_function"].is_string()) throw ConfigError(where + ": activation_function must be a string");
  return activation_class(dc["activation_function"].get<std::string>(), ops::Activation::Tanh, where);
}

// config_sentence_transformers.json: prompts, default_prompt_name, similarity_fn_name.
struct StConfig {
  std::map<std::string, std::string> prompts;
  std::optional<std::string> default_prompt_name;
  std::string similarity_fn_name = "cosine";
  std::optional<std::string> activation_fn;  // CrossEncoder's
};

StConfig read_st_config(const std::string& name, const HubOptions& o) {
  StConfig st;
  auto cf = cached_file(name, "config_sentence_transformers.json", o, false);
  if (!cf) return st;
  const Json c = parse_json_file(*cf);
  if (!c.is_object()) throw ConfigError(*cf + ": must be an object");
  if (c.contains("prompts") && c["prompts"].is_object())
    for (const auto& [k, v] : c["prompts"].items()) {
      if (!v.is_string()) throw ConfigError(*cf + ": prompt '" + k + "' must be a string");
      st.prompts[k] = v.get<std::string>();
    }
  if (c.contains("default_prompt_name") && c["default_prompt_name"].is_string()) {
    st.default_prompt_name = c["default_prompt_name"].get<std::string>();
    if (!st.prompts.count(*st.default_prompt_name))
      throw ConfigError(*cf + ": default_prompt_name '" + *st.default_prompt_name + "' is not one of the prompts");
  }
  if (c.contains("similarity_fn_name") && c["similarity_fn_name"].is_string()) st.similarity_fn_name = c["similarity_fn_name"].get<std::string>();
  if (c.contains("activation_fn") && c["activation_fn"].is_string()) st.activation_fn = c["activation_fn"].get<std::string>();
  const std::string& f = st.similarity_fn_name;
  if (f != "cosine" && f != "dot" && f != "euclidean" && f != "manhattan")
    throw ConfigError(*cf + ": similarity_fn_name '" + f + "' is not one of cosine, dot, euclidean, manhattan");
  return st;
}

// _resolve_prompt: a literal prompt wins, then a named one, then the default; "" when none.
std::string resolve_prompt(const std::map<std::string, std::string>& prompts, const std::optional<std::string>& default_name,
                           const std::optional<std::string>& prompt, const std::optional<std::string>& prompt_name) {
  if (prompt) return *prompt;
  if (prompt_name) {
    auto it = prompts.find(*prompt_name);
    if (it == prompts.end()) {
      std::string keys;
      for (const auto& [k, v] : prompts) keys += (keys.empty() ? "" : ", ") + k;
      throw ValueError("prompt name '" + *prompt_name + "' is not one of the model's prompts (" + (keys.empty() ? "none" : keys) + ")");
    }
    return it->second;
  }
  return default_name ? prompts.at(*default_name) : std::string();
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Input order for batching: longest first (in characters), as sentence-transformers sorts, so that
// batches of similar length waste less padding.
std::vector<size_t> longest_first(const std::vector<size_t>& lengths) {
  std::vector<size_t> order(lengths.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lengths[a] > lengths[b]; });
  return order;
}

// A progress line on a terminal for long inputs, as sentence-transformers' show_progress_bar.
struct Batches {
  size_t total, size;
  bool progress;
  Batches(size_t total, int64_t batch_size) : total(total), size(static_cast<size_t>(batch_size)), progress(total > 4 * size && isatty(STDERR_FILENO)) {
    if (batch_size <= 0) throw ValueError("batch_size must be positive");
  }
  void show(size_t start) const {
    if (progress) std::fprintf(stderr, "\rBatches: %zu/%zu", start / size + 1, (total + size - 1) / size);
  }
  ~Batches() {
    if (progress) std::fprintf(stderr, "\n");
  }
};

Json module_config(const std::string& name, const std::string& path, const FromPretrainedOptions& o) {
  return parse_json_file(*cached_file(name, (path.empty() ? "" : path + "/") + "config.json", o, true));
}

void check_io_names(const Json& c, const std::string& where) {
  for (const char* k : {"module_input_name", "module_output_name"})
    if (c.contains(k) && !c[k].is_null() && c[k] != "sentence_embedding")
      throw ConfigError(where + ": " + k + " '" + c[k].dump() + "' is not supported (only sentence_embedding)");
}

Tensor l2_normalize_rows(const Tensor& x) {
  Tensor y = x.contiguous().clone();
  const int64_t N = y.size(0), D = y.size(1);
  float* p = y.data<float>();
  for (int64_t i = 0; i < N; ++i) {
    double ss = 0;
    for (int64_t d = 0; d < D; ++d) ss += double(p[i * D + d]) * p[i * D + d];
    const double inv = 1.0 / std::max(std::sqrt(ss), 1e-12);  // F.normalize's eps
    for (int64_t d = 0; d < D; ++d) p[i * D + d] = static_cast<float>(p[i * D + d] * inv);
  }
  return y;
}

}  // namespace

SentenceTransformer::SentenceTransformer() : Pipeline("feature-extraction") {}
SentenceTransformer::~SentenceTransformer() = default;

std::unique_ptr<SentenceTransformer> SentenceTransformer::from_pretrained(const std::string& name, const FromPretrainedOptions& o) {
  auto st = std::unique_ptr<SentenceTransformer>(new SentenceTransformer());
  FromPretrainedOptions model_opts = o;  // the Transformer module may live in a subfolder
  std::optional<std::string> modules_file = cached_file(name, "modules.json", o, false);
  Json sb_config;
  if (modules_file) {
    Json m = parse_json_file(*modules_file);
    if (!m.is_array()) throw ConfigError(*modules_file + ": must be a list of modules");
    bool transformer = false, pooling = false;
    for (const auto& mod : m) {
      if (!mod.is_object()) throw ConfigError(*modules_file + ": every module must be an object");
      const std::string type = json_value<ConfigError>(mod, "type", "", "sentence-transformers config");
      const std::string path = json_value<ConfigError>(mod, "path", "", "sentence-transformers config");
      const std::string where = path.empty() ? name : path;
      const std::string cls = type.substr(type.rfind('.') == std::string::npos ? 0 : type.rfind('.') + 1);
      if (cls == "Transformer") {
        if (transformer) throw ConfigError(*modules_file + ": more than one Transformer module");
        transformer = true;
        if (!path.empty()) model_opts.subfolder = (o.subfolder.empty() ? "" : o.subfolder + "/") + path;
        if (auto sb = cached_file(name, (path.empty() ? "" : path + "/") + "sentence_bert_config.json", o, false)) sb_config = parse_json_file(*sb);
      } else if (cls == "Pooling") {
        if (!transformer || pooling || !st->modules_.empty()) throw ConfigError(*modules_file + ": Pooling must follow the Transformer, once");
        pooling = true;
        const Json pc = module_config(name, path, o);
        st->pooling_modes_ = pooling_modes_from(pc, where + "/config.json");
        if (pc.contains("include_prompt") && pc["include_prompt"].is_boolean()) st->include_prompt_ = pc["include_prompt"].get<bool>();
        for (const char* k : {"embedding_dimension", "word_embedding_dimension"})
          if (pc.contains(k) && pc[k].is_number_integer()) st->embedding_dimension_ = pc[k].get<int64_t>();
      } else if (cls == "Dense") {
        if (!pooling) throw ConfigError(*modules_file + ": a Dense module before Pooling is not supported");
        const Json dc = module_config(name, path, o);
        check_io_names(dc, where + "/config.json");
        if (!dc.contains("in_features") || !dc["in_features"].is_number_integer() || !dc.contains("out_features") ||
            !dc["out_features"].is_number_integer())
          throw ConfigError(where + "/config.json: Dense needs integer in_features and out_features");
        const int64_t in = dc["in_features"].get<int64_t>(), out = dc["out_features"].get<int64_t>();
        Module d;
        d.activation = dense_activation(dc, where + "/config.json");
        d.use_residual = json_value<ConfigError>(dc, "use_residual", false, "sentence-transformers config");
        // As Module.load_torch_weights: model.safetensors, else pickled weights (our restricted reader).
        auto file = cached_file(name, (path.empty() ? "" : path + "/") + "model.safetensors", o, false);
        if (!file) file = cached_file(name, (path.empty() ? "" : path + "/") + "pytorch_model.bin", o, false);
        if (!file) throw OSError(where + ": Could not find 'model.safetensors' or 'pytorch_model.bin' for the Dense module");
        const SafeTensorsFile f = SafeTensorsFile::open_any(*file);
        auto get = [&](const std::string& key, const Shape& shape) {
          if (!f.contains(key)) throw WeightNotFound(key, "", *file);
          Tensor t = f.get(key).to(DType::F32).contiguous();
          if (t.shape() != shape) throw ShapeMismatch(*file + ": '" + key + "' is " + shape_str(t.shape()) + ", expected " + shape_str(shape));
          return t;
        };
        d.weight = get("linear.weight", {out, in});
        if (json_value<ConfigError>(dc, "bias", true, "sentence-transformers config")) d.bias = get("linear.bias", {out});
        if (d.use_residual && in != out) d.residual = get("residual.weight", {out, in});
        st->modules_.push_back(std::move(d));
      } else if (cls == "Normalize") {
        // Older folders (all-MiniLM-L6-v2's among them) have no config.json for Normalize.
        if (auto nc = cached_file(name, (path.empty() ? "" : path + "/") + "config.json", o, false))
          check_io_names(parse_json_file(*nc), where + "/config.json");
        Module n;
        n.normalize = true;
        st->modules_.push_back(std::move(n));
      } else {
        throw ConfigError(*modules_file + ": module type '" + type + "' is not supported (Transformer, Pooling, Dense, Normalize)");
      }
    }
    if (!transformer) throw ConfigError(*modules_file + ": no Transformer module");
  }
  st->normalize_ = !st->modules_.empty() && st->modules_.back().normalize;
  // Encoder-decoder architectures (sentence-t5, GTR) run their encoder alone, as sentence-transformers
  // loads them by config class — also from the encoder-only folders it saves (is_encoder_decoder false).
  ConfigOptions co;
  static_cast<HubOptions&>(co) = model_opts;
  const PretrainedConfig cfg = AutoConfig::from_pretrained(name, co);
  // (sentence-transformers names T5Config / MT5Config / UMT5Config: the encoder-decoder text families.)
  const bool encoder_only = cfg.get_bool("is_encoder_decoder", false) || auto_class_maps("AutoModelForSeq2SeqLM", cfg);
  st->model_ = encoder_only ? AutoModelForTextEncoding::from_pretrained(name, model_opts) : AutoModel::from_pretrained(name, model_opts);
  TokenizerOptions to;
  static_cast<HubOptions&>(to) = model_opts;
  st->tokenizer_ = AutoTokenizer::from_pretrained(name, to);
  st->max_seq_length_ = std::min<int64_t>(st->tokenizer_->model_max_length(),
                                          st->model_->config().get_int("max_position_embeddings", std::numeric_limits<int64_t>::max()));
  if (sb_config.is_object() && sb_config.contains("max_seq_length") && sb_config["max_seq_length"].is_number_integer())
    st->max_seq_length_ = sb_config["max_seq_length"].get<int64_t>();
  if (sb_config.is_object() && json_value<ConfigError>(sb_config, "do_lower_case", false, "sentence-transformers config"))
    throw ConfigError(name + ": sentence_bert_config.json's do_lower_case is not supported");
  StConfig sc = read_st_config(name, o);
  st->prompts_ = std::move(sc.prompts);
  st->default_prompt_name_ = std::move(sc.default_prompt_name);
  st->similarity_fn_name_ = std::move(sc.similarity_fn_name);
  return st;
}

std::string SentenceTransformer::pooling_mode() const {
  std::string s;
  for (const auto& m : pooling_modes_) s += (s.empty() ? "" : "+") + m;
  return s;
}

// Pooling._forward_padded over [B, S, H] states and the 0/1 mask; prompt_length > 0 hides the
// prompt's tokens (after any left padding) from every mode.
Tensor SentenceTransformer::pool(const Tensor& h, const Tensor& attention_mask, int64_t prompt_length) const {
  const int64_t B = h.size(0), S = h.size(1), H = h.size(2);
  if (embedding_dimension_ > 0 && embedding_dimension_ != H)
    throw ShapeMismatch("Pooling expects " + std::to_string(embedding_dimension_) + "-dimensional token embeddings, the model gives " + std::to_string(H));
  const int64_t M = static_cast<int64_t>(pooling_modes_.size());
  Tensor out = Tensor::empty({B, M * H});
  const Tensor am = attention_mask.to(DType::I64).contiguous();
  for (int64_t b = 0; b < B; ++b) {
    const float* hb = h.data<float>() + b * S * H;
    const int64_t* om = am.data<int64_t>() + b * S;
    int64_t pad = 0;  // left padding: the first real token (argmax of the mask)
    while (pad < S && om[pad] == 0) ++pad;
    if (pad == S) pad = 0;
    std::vector<int64_t> m(om, om + S);
    if (prompt_length > 0)
      for (int64_t s = 0; s < std::min(S, pad + prompt_length); ++s) m[s] = 0;
    float* dst = out.data<float>() + b * M * H;
    for (int64_t k = 0; k < M; ++k, dst += H) {
      const std::string& mode = pooling_modes_[k];
      if (mode == "cls" || mode == "lasttoken") {
        int64_t idx = -1;
        for (int64_t s = 0; s < S; ++s)
          if (m[s] != 0) {
            idx = s;
            if (mode == "cls") break;
          }
        // No visible token: cls takes position 0 (argmax of zeros); lasttoken a zero vector (state * mask).
        for (int64_t d = 0; d < H; ++d) dst[d] = idx >= 0 ? hb[idx * H + d] : mode == "cls" ? hb[d] : 0.0f;
      } else if (mode == "max") {
        for (int64_t d = 0; d < H; ++d) dst[d] = -INFINITY;
        for (int64_t s = 0; s < S; ++s)
          if (m[s] != 0)
            for (int64_t d = 0; d < H; ++d) dst[d] = std::max(dst[d], hb[s * H + d]);
      } else {  // mean, mean_sqrt_len_tokens, weightedmean: a weighted sum over the visible tokens
        std::vector<double> acc(static_cast<size_t>(H), 0.0);
        double wsum = 0;
        for (int64_t s = 0; s < S; ++s) {
          if (m[s] == 0) continue;
          // weightedmean's weights count from the first real token: 1, 2, ... (prompt tokens keep theirs)
          const double w = mode == "weightedmean" ? static_cast<double>(s + 1 - pad) : 1.0;
          wsum += w;
          for (int64_t d = 0; d < H; ++d) acc[d] += w * hb[s * H + d];
        }
        const double denom = mode == "mean_sqrt_len_tokens" ? std::sqrt(std::max(wsum, 1e-9)) : std::max(wsum, 1e-9);
        for (int64_t d = 0; d < H; ++d) dst[d] = static_cast<float>(acc[d] / denom);
      }
    }
  }
  return out;
}

Tensor SentenceTransformer::encode(const std::vector<std::string>& sentences, int64_t batch_size) const {
  EncodeOptions o;
  o.batch_size = batch_size;
  return encode(sentences, o);
}

Tensor SentenceTransformer::encode(const std::vector<std::string>& sentences, const EncodeOptions& o) const {
  if (o.truncate_dim < 0) throw ValueError("truncate_dim must be positive");
  const std::string prompt = resolve_prompt(prompts_, default_prompt_name_, o.prompt, o.prompt_name);
  TokenizerCallOptions co;
  co.padding = "longest";
  co.truncation = "longest_first";
  co.max_length = max_seq_length_;
  // Prompt tokens hidden from pooling: the prompt's length alone, less a special token the
  // tokenizer appends (EOS, SEP), as sentence-transformers measures it.
  int64_t prompt_length = 0;
  if (!prompt.empty() && !include_prompt_) {
    const BatchEncoding pe = (*tokenizer_)({prompt}, nullptr, co);
    prompt_length = pe.input_ids().size(1);
    const int64_t last = pe.input_ids().data<int64_t>()[prompt_length - 1];
    for (const char* n : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"})
      if (tokenizer_->special_token_id(n) == last) {
        --prompt_length;
        break;
      }
  }
  std::vector<size_t> lengths;
  for (const auto& x : sentences) lengths.push_back(code_points(x));
  const std::vector<size_t> order = longest_first(lengths);
  const Batches batches(sentences.size(), o.batch_size);
  const size_t bs = batches.size;
  Tensor out;
  for (size_t start = 0; start < sentences.size(); start += bs) {
    const size_t end = std::min(sentences.size(), start + bs);
    batches.show(start);
    std::vector<std::string> chunk;
    for (size_t i = start; i < end; ++i) chunk.push_back(prompt + sentences[order[i]]);
    BatchEncoding be = (*tokenizer_)(chunk, nullptr, co);
    ModelInputs in{{"input_ids", be.input_ids()}, {"attention_mask", be.attention_mask()}};
    if (be.has_token_type_ids) in["token_type_ids"] = be.token_type_ids();
    Tensor x = pool(model_->forward(in)["last_hidden_state"].contiguous(), be.attention_mask(), prompt_length);
    for (const Module& m : modules_) {
      if (m.normalize) {
        x = l2_normalize_rows(x);
        continue;
      }
      if (x.size(1) != m.weight.size(1))
        throw ShapeMismatch("Dense expects " + std::to_string(m.weight.size(1)) + " inputs, got " + std::to_string(x.size(1)));
      Tensor y = ops::linear(x, m.weight, m.bias);
      if (m.activation) y = ops::activation(y, *m.activation);
      if (m.use_residual) y = ops::add(y, m.residual.defined() ? ops::linear(x, m.residual) : x);
      x = y;
    }
    if (o.truncate_dim > 0 && o.truncate_dim < x.size(1)) x = x.slice(1, 0, o.truncate_dim).contiguous();
    if (o.normalize_embeddings) x = l2_normalize_rows(x);
    if (!out.defined()) out = Tensor::empty({static_cast<int64_t>(sentences.size()), x.size(1)});
    const int64_t D = x.size(1);
    for (int64_t b = 0; b < x.size(0); ++b)
      std::copy_n(x.data<float>() + b * D, D, out.data<float>() + static_cast<int64_t>(order[start + static_cast<size_t>(b)]) * D);
  }
  if (!out.defined()) out = Tensor::empty({0, 0});
  return out;
}

Tensor SentenceTransformer::cos_sim(const Tensor& a, const Tensor& b) {
  return ops::matmul(l2_normalize_rows(a.to(DType::F32)), l2_normalize_rows(b.to(DType::F32)), false, true);
}

Tensor SentenceTransformer::similarity(const Tensor& a, const Tensor& b) const {
  if (similarity_fn_name_ == "cosine") return cos_sim(a, b);
  const Tensor x = a.to(DType::F32).contiguous(), y = b.to(DType::F32).contiguous();
  if (x.dim() != 2 || y.dim() != 2 || x.size(1) != y.size(1))
    throw ShapeMismatch("similarity: embeddings " + shape_str(x.shape()) + " and " + shape_str(y.shape()) + " must be [N, D] and [M, D]");
  if (similarity_fn_name_ == "dot") return ops::matmul(x, y, false, true);
  // euclidean / manhattan: negative distances (torch.cdist with p = 2 / 1)
  const int64_t N = x.size(0), M = y.size(0), D = x.size(1);
  Tensor out = Tensor::empty({N, M});
  const bool l2 = similarity_fn_name_ == "euclidean";
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < M; ++j) {
      double acc = 0;
      for (int64_t d = 0; d < D; ++d) {
        const double diff = double(x.data<float>()[i * D + d]) - y.data<float>()[j * D + d];
        acc += l2 ? diff * diff : std::fabs(diff);
      }
      out.data<float>()[i * M + j] = static_cast<float>(-(l2 ? std::sqrt(acc) : acc));
    }
  return out;
}


std::unique_ptr<CrossEncoder> CrossEncoder::from_pretrained(const std::string& name, const FromPretrainedOptions& o) {
  auto ce = std::unique_ptr<CrossEncoder>(new CrossEncoder());
  ce->model_ = AutoModelForSequenceClassification::from_pretrained(name, o);
  TokenizerOptions to;
  static_cast<HubOptions&>(to) = o;
  ce->tokenizer_ = AutoTokenizer::from_pretrained(name, to);
  const PretrainedConfig& c = ce->model_->config();
  ce->num_labels_ = c.num_labels();
  ce->max_seq_length_ = std::min<int64_t>(ce->tokenizer_->model_max_length(), c.get_int("max_position_embeddings", std::numeric_limits<int64_t>::max()));
  // The activation: config_sentence_transformers.json's activation_fn, else config.json's
  // sentence_transformers.activation_fn or legacy sbert_ce_default_activation_function, else Sigmoid
  // for one label and Identity for more. Paths outside torch are skipped, as without trust_remote_code.
  StConfig sc = read_st_config(name, o);
  std::vector<std::string> paths;
  if (sc.activation_fn) paths.push_back(*sc.activation_fn);
  if (auto stc = c.sub_config("sentence_transformers"); stc && stc->has("activation_fn"))
    paths.push_back(stc->get_string("activation_fn"));
  else if (c.has("sbert_ce_default_activation_function"))
    paths.push_back(c.get_string("sbert_ce_default_activation_function"));
  std::optional<ops::Activation> act = ce->num_labels_ == 1 ? std::optional<ops::Activation>(ops::Activation::Sigmoid) : std::nullopt;
  for (const auto& path : paths)
    if (path.rfind("torch.", 0) == 0) {
      act = activation_class(path, std::nullopt, name);
      break;
    }
  if (act) ce->activation_ = static_cast<int>(*act);
  ce->prompts_ = std::move(sc.prompts);
  ce->default_prompt_name_ = std::move(sc.default_prompt_name);
  return ce;
}

std::string CrossEncoder::activation_fn() const {
  if (!activation_) return "Identity";
  switch (static_cast<ops::Activation>(*activation_)) {
    case ops::Activation::Sigmoid: return "Sigmoid";
    case ops::Activation::Tanh: return "Tanh";
    case ops::Activation::Gelu: return "GELU";
    case ops::Activation::Relu: return "ReLU";
    case ops::Activation::Silu: return "SiLU";
    default: return "?";
  }
}

Tensor CrossEncoder::predict(const std::vector<std::pair<std::string, std::string>>& pairs, const CrossEncoderOptions& o) const {
  const std::string prompt = resolve_prompt(prompts_, default_prompt_name_, o.prompt, o.prompt_name);
  std::vector<size_t> lengths;
  for (const auto& [a, b] : pairs) lengths.push_back(code_points(a) + code_points(b));
  const std::vector<size_t> order = longest_first(lengths);
  const Batches batches(pairs.size(), o.batch_size);
  TokenizerCallOptions co;
  co.padding = "longest";
  co.truncation = "longest_first";
  co.max_length = max_seq_length_;
  const int64_t L = num_labels_;
  Tensor out = L == 1 ? Tensor::empty({static_cast<int64_t>(pairs.size())}) : Tensor::empty({static_cast<int64_t>(pairs.size()), L});
  for (size_t start = 0; start < pairs.size(); start += batches.size) {
    const size_t end = std::min(pairs.size(), start + batches.size);
    batches.show(start);
    std::vector<std::string> first, second;
    for (size_t i = start; i < end; ++i) {
      first.push_back(prompt + pairs[order[i]].first);
      second.push_back(pairs[order[i]].second);
    }
    BatchEncoding be = (*tokenizer_)(first, &second, co);
    ModelInputs in{{"input_ids", be.input_ids()}, {"attention_mask", be.attention_mask()}};
    if (be.has_token_type_ids) in["token_type_ids"] = be.token_type_ids();
    Tensor scores = model_->forward(in)["logits"].contiguous();
    if (scores.dim() != 2 || scores.size(1) != L)
      throw ShapeMismatch("CrossEncoder: logits " + shape_str(scores.shape()) + " do not have num_labels = " + std::to_string(L) + " columns");
    if (activation_) scores = ops::activation(scores, static_cast<ops::Activation>(*activation_));
    if (o.apply_softmax && L > 1) scores = ops::softmax(scores, -1);
    for (int64_t b = 0; b < scores.size(0); ++b)
      std::copy_n(scores.data<float>() + b * L, L, out.data<float>() + static_cast<int64_t>(order[start + static_cast<size_t>(b)]) * L);
  }
  return out;
}

std::vector<CrossEncoder::Ranked> CrossEncoder::rank(const std::string& query, const std::vector<std::string>& documents, int64_t top_k,
                                                     const CrossEncoderOptions& o) const {
  if (num_labels_ != 1) throw ValueError("CrossEncoder.rank() only works for models with num_labels=1; use predict() with pairs");
  if (top_k < 0) throw ValueError("top_k must be positive");
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& d : documents) pairs.emplace_back(query, d);
  const Tensor s = predict(pairs, o);
  std::vector<Ranked> r;
  for (size_t i = 0; i < documents.size(); ++i) r.push_back({static_cast<int64_t>(i), s.data<float>()[i]});
  std::stable_sort(r.begin(), r.end(), [](const Ranked& a, const Ranked& b) { return a.score > b.score; });
  if (top_k > 0 && static_cast<size_t>(top_k) < r.size()) r.resize(static_cast<size_t>(top_k));
  return r;
}

}  // namespace transformers
