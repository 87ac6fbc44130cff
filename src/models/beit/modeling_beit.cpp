// BEiT: transformers/models/beit/modeling_beit.py (v5 names; older checkpoints renamed at load).
#include "core/output_recorder.hpp"
#include "models/beit/modeling_beit.hpp"

#include <cmath>

#include "models/vision_heads.hpp"
#include "models/vit/modeling_vit.hpp"
#include "transformers/errors.hpp"

namespace transformers::beit {

ConfigSpec config_spec() {
  return {"beit", "BeitConfig", R"({
    "vocab_size": 8192, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
    "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "initializer_range": 0.02,
    "layer_norm_eps": 1e-12, "image_size": null, "patch_size": null, "num_channels": 3, "use_mask_token": false,
    "use_absolute_position_embeddings": false, "use_relative_position_bias": false, "use_shared_relative_position_bias": false,
    "layer_scale_init_value": 0.1, "drop_path_rate": 0.1, "use_mean_pooling": true, "semantic_loss_ignore_index": 255
  })"};
}

namespace {

// relative_position_bias_table [(2h-1)(2w-1) + 3, heads] laid out over the (1 + h w)^2 token pairs:
// patch pairs by their offset, then the CLS rows / columns / corner from the last three entries.
class RelativePositionBias : public nn::Module {
 public:
  RelativePositionBias(const vit::Grid& g, int64_t heads)
      : h_(g.rows()), w_(g.cols()), heads_(heads),
        table_(child("relative_position_bias_table", std::make_unique<nn::BareParameter>(Shape{(2 * h_ - 1) * (2 * w_ - 1) + 3, heads})).value) {}
  // [heads, 1 + rows cols, 1 + rows cols] for an image of rows x cols patches.
  Tensor operator()(int64_t rows, int64_t cols) const {
    const int64_t N = rows * cols + 1, old = (2 * h_ - 1) * (2 * w_ - 1), D = (2 * rows - 1) * (2 * cols - 1);
    // Python always passes the offset table through a bilinear resize to the image's window,
    // reading it as a (2w-1) x (2h-1) grid and writing (2 rows - 1) x (2 cols - 1): the identity
    // for square grids of the configured size, a real resampling otherwise. Reproduced as is.
    const Tensor full = table_.to(DType::F32).contiguous();
    const Tensor grid = full.slice(0, 0, old).contiguous().view({1, 2 * w_ - 1, 2 * h_ - 1, heads_}).permute({0, 3, 1, 2}).contiguous();
    const Tensor resized = ops::interpolate_bilinear(grid, 2 * rows - 1, 2 * cols - 1).permute({0, 2, 3, 1}).contiguous().view({D, heads_});
    const Tensor t = ops::concat({resized, full.slice(0, old, old + 3).contiguous()}, 0);
    std::vector<int64_t> rows_of(static_cast<size_t>(N * N));  // the table row of each (query, key) pair
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < N; ++j) {
        int64_t idx;
        if (i == 0 && j == 0) idx = D + 2;
        else if (i == 0) idx = D;
        else if (j == 0) idx = D + 1;
        else {
          const int64_t yi = (i - 1) / cols, xi = (i - 1) % cols, yj = (j - 1) / cols, xj = (j - 1) % cols;
          idx = (yi - yj + rows - 1) * (2 * cols - 1) + (xi - xj + cols - 1);
        }
        rows_of[static_cast<size_t>(i * N + j)] = idx;
      }
    return ops::gather_rows(t, Tensor::from_ints(rows_of, {N * N})).view({N, N, heads_}).permute({2, 0, 1}).contiguous();
  }

 private:
  int64_t h_, w_, heads_;
  Tensor& table_;
};

class Layer : public nn::Module {
 public:
  Layer(const vit::Dims& d, const vit::Grid& g, float scale_init, bool own_bias) : d_(d) {
    using nn::Linear;
    before_ = &child("layernorm_before", std::make_unique<nn::LayerNorm>(d.hidden, d.eps));
    auto& a = child("attention", std::make_unique<nn::Container>());
    q_ = &a.add("q_proj", std::make_unique<Linear>(d.hidden, d.hidden));
    k_ = &a.add("k_proj", std::make_unique<Linear>(d.hidden, d.hidden, false));
    v_ = &a.add("v_proj", std::make_unique<Linear>(d.hidden, d.hidden));
    o_ = &a.add("o_proj", std::make_unique<Linear>(d.hidden, d.hidden));
    after_ = &child("layernorm_after", std::make_unique<nn::LayerNorm>(d.hidden, d.eps));
    auto& mlp = child("mlp", std::make_unique<nn::Container>());
    fc1_ = &mlp.add("fc1", std::make_unique<Linear>(d.hidden, d.intermediate));
    fc2_ = &mlp.add("fc2", std::make_unique<Linear>(d.intermediate, d.hidden));
    if (scale_init > 0) {
      l1_ = &child("lambda_1", std::make_unique<nn::BareParameter>(d.hidden)).value;
      l2_ = &child("lambda_2", std::make_unique<nn::BareParameter>(d.hidden)).value;
    }
    if (own_bias) bias_ = &child("relative_position_bias", std::make_unique<RelativePositionBias>(g, d.heads));
  }
  Tensor operator()(const Tensor& x, const Tensor& shared_bias, int64_t rows, int64_t cols) const {
    ops::AttentionOptions o;
    o.causal = false;
    o.scaling = 1.0f / std::sqrt(static_cast<float>(d_.hidden / d_.heads));
    if (bias_) o.bias = shared_bias.defined() ? ops::add((*bias_)(rows, cols), shared_bias) : (*bias_)(rows, cols);
    else if (shared_bias.defined()) o.bias = shared_bias;
    const Tensor h = (*before_)(x);
    Tensor a = (*o_)(ops::attention(nn::split_heads((*q_)(h), d_.heads), nn::split_heads((*k_)(h), d_.heads), nn::split_heads((*v_)(h), d_.heads), o));
    if (l1_) a = ops::mul(a, *l1_);
    const Tensor r = ops::add(x, a);
    Tensor m = (*fc2_)(ops::activation((*fc1_)((*after_)(r)), d_.act));
    if (l2_) m = ops::mul(m, *l2_);
    return ops::add(r, m);
  }

 private:
  const vit::Dims& d_;
  nn::LayerNorm *before_, *after_;
  nn::Linear *q_, *k_, *v_, *o_, *fc1_, *fc2_;
  Tensor *l1_ = nullptr, *l2_ = nullptr;
  RelativePositionBias* bias_ = nullptr;
};

class BeitModel : public nn::Module {
 public:
  BeitModel(const PretrainedConfig& c, bool pooler) : d_(vit::Dims::from(c, "BeitConfig")), g_(vit::Grid::from(c, "BeitConfig")) {
    auto& e = child("embeddings", std::make_unique<nn::Container>());
    cls_ = &e.add("cls_token", std::make_unique<nn::BareParameter>(Shape{1, 1, d_.hidden})).value;
    if (c.get_bool("use_mask_token")) e.add("mask_token", std::make_unique<nn::BareParameter>(Shape{1, 1, d_.hidden}));
    patches_ = &e.add("patch_embeddings", std::make_unique<nn::Container>()).add("projection", std::make_unique<vit::PatchEmbeddings>(d_.hidden, g_));
    if (c.get_bool("use_absolute_position_embeddings"))
      pos_ = &e.add("position_embeddings", std::make_unique<nn::BareParameter>(Shape{1, g_.rows() * g_.cols() + 1, d_.hidden})).value;
    if (c.get_bool("use_shared_relative_position_bias")) shared_ = &child("shared_position_bias", std::make_unique<RelativePositionBias>(g_, d_.heads));
    auto& layers = child("layers", std::make_unique<nn::Container>());
    const auto scale = static_cast<float>(c.get_float("layer_scale_init_value"));
    for (int64_t i = 0; i < d_.layers; ++i)
      layers_.push_back(&layers.add(std::to_string(i), std::make_unique<Layer>(d_, g_, scale, c.get_bool("use_relative_position_bias"))));
    mean_pooling_ = c.get_bool("use_mean_pooling");
    // With mean pooling the final norm sits in the pooler; the sequence output is not normed.
    if (!mean_pooling_) norm_ = &child("layernorm", std::make_unique<nn::LayerNorm>(d_.hidden, d_.eps));
    else if (pooler) pool_norm_ = &child("pooler", std::make_unique<nn::Container>()).add("layernorm", std::make_unique<nn::LayerNorm>(d_.hidden, d_.eps));
  }
  const vit::Dims& dims() const { return d_; }

  ModelOutput run(const ModelInputs& in) const {
    // Any image size: v5 always resizes the position biases (bilinear) and absolute positions
    // (bicubic) to the image's patch grid; interpolate_pos_encoding changes nothing more here.
    const Tensor& pv = require_input(in, "pixel_values", "BeitModel");
    vit::wants_interpolation(in);  // checked like the other families' flag; BEiT resizes either way
    Tensor h = vit::prepend_tokens(patches_->project(pv, "BeitModel"), {cls_});
    const int64_t rows = pv.size(2) / g_.patch_h, cols = pv.size(3) / g_.patch_w;
    if (pos_) h = ops::add(h, vit::interpolate_pos_encoding(*pos_, 1, rows, cols, pv.size(2) == pv.size(3), "BeitModel"));
    const Tensor shared = shared_ ? (*shared_)(rows, cols) : Tensor();
    for (const auto* l : layers_) {
      record::hidden_state(h);
      h = (*l)(h, shared, rows, cols);
    }
    record::hidden_state(h);  // Python does not tie the last one to the normed output
    if (norm_) h = (*norm_)(h);
    ModelOutput o;
    o.set("last_hidden_state", h);
    if (pool_norm_) o.set("pooler_output", (*pool_norm_)(ops::mean(h.slice(1, 1, h.size(1)).contiguous(), 1)));
    else if (!mean_pooling_) o.set("pooler_output", h.select(1, 0).contiguous());
    return o;
  }

 private:
  vit::Dims d_;
  vit::Grid g_;
  Tensor *cls_, *pos_ = nullptr;
  vit::PatchEmbeddings* patches_;
  RelativePositionBias* shared_ = nullptr;
  std::vector<Layer*> layers_;
  bool mean_pooling_;
  nn::LayerNorm *norm_ = nullptr, *pool_norm_ = nullptr;
};

// conversion_mapping.py: the ViT renames plus BEiT's relative position bias tables.
std::string rename_legacy(std::string key) {
  static const std::pair<const char*, const char*> kRenames[] = {
      {"encoder.relative_position_bias", "shared_position_bias"},
      {"attention.attention.relative_position_bias.relative_position_bias_table", "relative_position_bias.relative_position_bias_table"}};
  for (const auto& [from, to] : kRenames)
    if (auto at = key.find(from); at != std::string::npos) key.replace(at, std::string(from).size(), to);
  return vit::rename_legacy(key);
}

}  // namespace

std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) {
  return std::make_unique<VisionModel<BeitModel>>(c, "beit", true, std::make_unique<BeitModel>(c, true), rename_legacy,
                                                  std::vector<std::string>{"pooler."});
}
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c) {
  auto backbone = std::make_unique<BeitModel>(c, true);
  const int64_t hidden = backbone->dims().hidden;
  return std::make_unique<PooledImageClassification<BeitModel>>(c, "beit", std::move(backbone), rename_legacy, hidden);
}

}  // namespace transformers::beit
