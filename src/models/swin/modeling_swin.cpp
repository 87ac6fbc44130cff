// Swin: transformers/models/swin/modeling_swin.py (v5 names; older checkpoint names renamed at load).
#include "core/output_recorder.hpp"
#include "models/swin/modeling_swin.hpp"

#include <cmath>
#include <cstring>
#include <optional>

#include "models/backbone.hpp"
#include "models/vision_heads.hpp"
#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::swin {

ConfigSpec config_spec() {
  return {"swin", "SwinConfig", R"({
    "image_size": 224, "patch_size": 4, "num_channels": 3, "embed_dim": 96, "depths": [2, 2, 6, 2], "num_heads": [3, 6, 12, 24],
    "window_size": 7, "mlp_ratio": 4.0, "qkv_bias": true, "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
    "drop_path_rate": 0.1, "hidden_act": "gelu", "use_absolute_embeddings": false, "initializer_range": 0.02,
    "layer_norm_eps": 1e-5, "encoder_stride": 32
  })"};
}

namespace {

// [B, H, W, C] with rows / columns appended (zeros) up to Hp x Wp.
Tensor pad_hw(const Tensor& x, int64_t Hp, int64_t Wp) {
  const int64_t B = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  if (Hp == H && Wp == W) return x;
  Tensor y = Tensor::zeros({B, Hp, Wp, C});
  ops::copy_(y.slice(1, 0, H).slice(2, 0, W), x.to(DType::F32));
  return y;
}

class Layer : public nn::Module {
 public:
  Layer(const PretrainedConfig& c, int64_t dim, int64_t heads, int64_t shift) : dim_(dim), heads_(heads), window_(c.get_int("window_size")), shift_(shift) {
    const float eps = static_cast<float>(c.get_float("layer_norm_eps"));
    const bool qkv_bias = c.get_bool("qkv_bias");
    before_ = &child("layernorm_before", std::make_unique<nn::LayerNorm>(dim, eps));
    auto& a = child("attention", std::make_unique<nn::Container>());
    q_ = &a.add("q_proj", std::make_unique<nn::Linear>(dim, dim, qkv_bias));
    k_ = &a.add("k_proj", std::make_unique<nn::Linear>(dim, dim, qkv_bias));
    v_ = &a.add("v_proj", std::make_unique<nn::Linear>(dim, dim, qkv_bias));
    o_ = &a.add("o_proj", std::make_unique<nn::Linear>(dim, dim));
    table_ = &a.add("relative_position_bias", std::make_unique<nn::Container>())
                  .add("relative_position_bias_table", std::make_unique<nn::BareParameter>(Shape{(2 * window_ - 1) * (2 * window_ - 1), heads}))
                  .value;
    after_ = &child("layernorm_after", std::make_unique<nn::LayerNorm>(dim, eps));
    auto& mlp = child("mlp", std::make_unique<nn::Container>());
    const auto hidden = static_cast<int64_t>(c.get_float("mlp_ratio") * static_cast<double>(dim));
    fc1_ = &mlp.add("fc1", std::make_unique<nn::Linear>(dim, hidden));
    fc2_ = &mlp.add("fc2", std::make_unique<nn::Linear>(hidden, dim));
    act_ = ops::activation_from_name(c.get_string("hidden_act"));
  }

  // always_partition (SwinBackbone): the configured window and shift at every size, the map padded
  // up to the window; otherwise a stage no larger than the window attends over all of it, unshifted.
  Tensor operator()(const Tensor& x, int64_t H, int64_t W, bool always_partition = false) const {
    int64_t ws = window_, shift = shift_;
    if (!always_partition && std::min(H, W) <= ws) shift = 0, ws = std::min(H, W);
    if (ws != window_) throw ValueError("Swin: a feature map smaller than window_size is not supported (Python's bias table does not fit it either)");
    const int64_t B = x.size(0), C = dim_, Hp = (H + ws - 1) / ws * ws, Wp = (W + ws - 1) / ws * ws, nh = Hp / ws, nw = Wp / ws, N = ws * ws;
    const Tensor h = pad_hw((*before_)(x).contiguous().view({B, H, W, C}), Hp, Wp);
    // Cyclic shift by -shift, then windows: [B * nh * nw, ws * ws, C].
    const Tensor win = roll(h, shift, shift).view({B, nh, ws, nw, ws, C}).permute({0, 1, 3, 2, 4, 5}).contiguous().view({B * nh * nw, N, C});
    ops::AttentionOptions o;
    o.causal = false;
    o.scaling = 1.0f / std::sqrt(static_cast<float>(C / heads_));
    o.bias = bias(B, nh, nw, Hp, Wp, ws, shift);
    const Tensor a = (*o_)(ops::attention(nn::split_heads((*q_)(win), heads_), nn::split_heads((*k_)(win), heads_), nn::split_heads((*v_)(win), heads_), o))
                         .contiguous();
    // Windows back to the map, shift undone, padding dropped.
    const Tensor map = a.view({B, nh, nw, ws, ws, C}).permute({0, 1, 3, 2, 4, 5}).contiguous().view({B, Hp, Wp, C});
    const Tensor back = roll(map, Hp - shift, Wp - shift).slice(1, 0, H).slice(2, 0, W).contiguous().view({B, H * W, C});
    const Tensor r = ops::add(x, back);
    return ops::add(r, (*fc2_)(ops::activation((*fc1_)((*after_)(r)), act_)));
  }

 private:
  // torch.roll(x, (-dy, -dx), (1, 2)) of [B, H, W, C]: row y of the result is row (y + dy) % H.
  static Tensor roll(const Tensor& x, int64_t dy, int64_t dx) {
    const int64_t H = x.size(1), W = x.size(2);
    Tensor r = dy % H ? ops::concat({x.slice(1, dy % H, H), x.slice(1, 0, dy % H)}, 1) : x;
    return dx % W ? ops::concat({r.slice(2, dx % W, W), r.slice(2, 0, dx % W)}, 2) : r;
  }
  // Relative position bias [heads, N, N] plus, for shifted layers, -100 between tokens that came
  // from different regions of the rolled map: [windows, heads, N, N].
  Tensor bias(int64_t B, int64_t nh, int64_t nw, int64_t Hp, int64_t Wp, int64_t ws, int64_t shift) const {
    const int64_t N = ws * ws, nW = nh * nw;
    // Table row of each (query, key) offset pair, and the shifted layers' region mask per window.
    std::vector<int64_t> idx(static_cast<size_t>(N * N));
    std::vector<float> mask(static_cast<size_t>(nW * N * N), 0.0f);
    auto region = [&](int64_t i, int64_t n) { return (i >= n - ws ? 1 : 0) + (i >= n - shift ? 1 : 0); };
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < N; ++j) {
        const int64_t iy = i / ws, ix = i % ws, jy = j / ws, jx = j % ws;
        idx[static_cast<size_t>(i * N + j)] = (iy - jy + ws - 1) * (2 * ws - 1) + (ix - jx + ws - 1);
        if (shift > 0)
          for (int64_t w = 0; w < nW; ++w) {
            const int64_t wy = w / nw, wx = w % nw;
            const int64_t ri = region(wy * ws + iy, Hp) * 3 + region(wx * ws + ix, Wp), rj = region(wy * ws + jy, Hp) * 3 + region(wx * ws + jx, Wp);
            if (ri != rj) mask[static_cast<size_t>((w * N + i) * N + j)] = -100.0f;
          }
      }
    const Tensor rel = ops::gather_rows(table_->to(DType::F32), Tensor::from_ints(idx, {N * N})).view({1, N, N, heads_}).permute({0, 3, 1, 2});
    const Tensor per_window = ops::add(rel, Tensor::from_floats(mask, {nW, 1, N, N}));  // [nW, heads, N, N]
    return ops::concat(std::vector<Tensor>(static_cast<size_t>(B), per_window), 0);
  }

  int64_t dim_, heads_, window_, shift_;
  ops::Activation act_;
  nn::LayerNorm *before_, *after_;
  nn::Linear *q_, *k_, *v_, *o_, *fc1_, *fc2_;
  Tensor* table_;
};

// SwinPatchMerging: each 2x2 neighbourhood (odd sizes zero-padded) concatenated, normed, reduced to 2C.
class PatchMerging : public nn::Module {
 public:
  explicit PatchMerging(int64_t dim, float eps = 1e-5f) {
    reduction_ = &child("reduction", std::make_unique<nn::Linear>(4 * dim, 2 * dim, false));
    norm_ = &child("norm", std::make_unique<nn::LayerNorm>(4 * dim, eps));
  }
  Tensor operator()(const Tensor& x, int64_t H, int64_t W) const {
    const int64_t B = x.size(0), C = x.size(2), Hp = H + H % 2, Wp = W + W % 2, h2 = Hp / 2, w2 = Wp / 2;
    const Tensor p = pad_hw(x.contiguous().view({B, H, W, C}), Hp, Wp);
    // Neighbours (row, col) in the order (0, 0), (1, 0), (0, 1), (1, 1): column-major, as Python's list.
    const Tensor cat = p.view({B, h2, 2, w2, 2, C}).permute({0, 1, 3, 4, 2, 5}).contiguous().view({B, h2 * w2, 4 * C});
    return (*reduction_)((*norm_)(cat));
  }

 private:
  nn::Linear* reduction_;
  nn::LayerNorm* norm_;
};

class SwinModel : public nn::Module {
 public:
  explicit SwinModel(const PretrainedConfig& c, bool mask_token = false) {
    patch_ = c.get_int("patch_size"), channels_ = c.get_int("num_channels");
    const int64_t E = c.get_int("embed_dim"), image = c.get_int("image_size");
    const auto depths = c.get_int_list("depths"), heads = c.get_int_list("num_heads");
    if (depths.empty() || depths.size() != heads.size() || patch_ <= 0 || E <= 0 || c.get_int("window_size") <= 0)
      throw ConfigError("SwinConfig: depths and num_heads must have the same, non-zero length; sizes must be positive");
    const float eps = static_cast<float>(c.get_float("layer_norm_eps"));
    auto& e = child("embeddings", std::make_unique<nn::Container>());
    nn::Conv2d::Options po;
    po.stride = {patch_, patch_};
    proj_ = &e.add("patch_embeddings", std::make_unique<nn::Container>()).add("projection", std::make_unique<nn::Conv2d>(channels_, E, std::pair{patch_, patch_}, po));
    if (c.get_bool("use_absolute_embeddings"))
      pos_ = &e.add("position_embeddings", std::make_unique<nn::BareParameter>(Shape{1, (image / patch_) * (image / patch_), E})).value;
    emb_norm_ = &e.add("norm", std::make_unique<nn::LayerNorm>(E, 1e-5f));
    if (mask_token) mask_ = &e.add("mask_token", std::make_unique<nn::BareParameter>(Shape{1, 1, E})).value;
    auto& stages = child("encoder", std::make_unique<nn::Container>()).add("layers", std::make_unique<nn::Container>());
    int64_t dim = E;
    for (size_t s = 0; s < depths.size(); ++s) {
      if (heads[s] <= 0 || dim % heads[s]) throw ConfigError("SwinConfig: each stage's width must be a multiple of its num_heads");
      auto& st = stages.add(std::to_string(s), std::make_unique<nn::Container>());
      auto& blocks = st.add("blocks", std::make_unique<nn::Container>());
      std::vector<Layer*> layers;
      for (int64_t i = 0; i < depths[s]; ++i)
        layers.push_back(&blocks.add(std::to_string(i), std::make_unique<Layer>(c, dim, heads[s], i % 2 ? c.get_int("window_size") / 2 : 0)));
      layers_.push_back(layers);
      merges_.push_back(s + 1 < depths.size() ? &st.add("downsample", std::make_unique<PatchMerging>(dim)) : nullptr);
      if (s + 1 < depths.size()) dim *= 2;
    }
    features_ = dim;
    norm_ = &child("layernorm", std::make_unique<nn::LayerNorm>(dim, eps));
  }
  int64_t features() const { return features_; }

  // With `backbone_states` (SwinBackbone: always_partition, output_hidden_states_before_downsampling):
  // receives the embeddings and each stage's output before its patch merging as [B, C, H, W] maps,
  // which are also the recorded hidden_states; the final norm is skipped (the backbone has no use for it).
  ModelOutput run(const ModelInputs& in, std::vector<Tensor>* backbone_states = nullptr) const {
    const Tensor& pv = require_input(in, "pixel_values", "SwinModel");
    if (pv.dim() != 4 || pv.size(1) != channels_)
      throw ValueError("SwinModel: Make sure that the channel dimension of the pixel values match with the one set in the configuration, got " +
                       shape_str(pv.shape()));
    // Pixels padded (right / bottom) to a multiple of the patch size.
    const int64_t Hp = (pv.size(2) + patch_ - 1) / patch_ * patch_, Wp = (pv.size(3) + patch_ - 1) / patch_ * patch_;
    const Tensor px = pad_hw(pv.to(DType::F32).permute({0, 2, 3, 1}).contiguous(), Hp, Wp).permute({0, 3, 1, 2}).contiguous();
    const Tensor g = (*proj_)(px);
    int64_t H = g.size(2), W = g.size(3);
    Tensor h = (*emb_norm_)(g.view({g.size(0), g.size(1), H * W}).transpose(1, 2).contiguous());
    if (const Tensor* m = find_input(in, "bool_masked_pos"); m && mask_) {
      // Masked patches become the mask token: h * (1 - m) + mask_token * m.
      if (m->dim() != 2 || m->size(0) != h.size(0) || m->size(1) != h.size(1))
        throw ShapeMismatch("SwinModel: bool_masked_pos must be [batch, " + std::to_string(h.size(1)) + "], got " + shape_str(m->shape()));
      const Tensor w = m->to(DType::F32).contiguous().view({h.size(0), h.size(1), 1});
      h = ops::add(ops::mul(h, ops::add(ops::scale(w, -1.0f), Tensor::full({1}, 1.0f))), ops::mul(w, *mask_));
    }
    if (pos_) {
      if (pos_->size(1) != H * W) throw ValueError("SwinModel: the image size does not match the absolute position embeddings");
      h = ops::add(h, *pos_);
    }
    // Python's hidden_states: the embeddings, then each stage's output after its patch merging;
    // reshaped_hidden_states: the same as [B, C, H, W].
    const auto grid = [&] { return h.contiguous().view({h.size(0), H, W, h.size(2)}).permute({0, 3, 1, 2}).contiguous(); };
    const auto states = [&] {
      if (!record::hidden_states()) return;
      record::hidden_state(h);
      record::hidden_state(grid(), "reshaped_hidden_states");
    };
    const auto stage_state = [&] {
      backbone_states->push_back(grid());
      if (record::hidden_states()) record::hidden_state(backbone_states->back());
    };
    if (backbone_states)
      stage_state();
    else
      states();
    for (size_t s = 0; s < layers_.size(); ++s) {
      // Python's attentions hold each stage's last block only (SwinStage's last_attn_weights).
      for (size_t i = 0; i < layers_[s].size(); ++i) {
        std::optional<record::Pause> earlier;
        if (i + 1 < layers_[s].size()) earlier.emplace();
        h = (*layers_[s][i])(h, H, W, backbone_states != nullptr);
      }
      if (backbone_states) stage_state();
      if (merges_[s]) h = (*merges_[s])(h, H, W), H = (H + 1) / 2, W = (W + 1) / 2;
      if (!backbone_states) states();
    }
    if (backbone_states) return {};
    h = (*norm_)(h);
    ModelOutput o;
    o.set("last_hidden_state", h);
    o.set("pooler_output", ops::mean(h, 1));
    return o;
  }

 private:
  int64_t patch_, channels_, features_;
  nn::Conv2d* proj_;
  Tensor *pos_ = nullptr, *mask_ = nullptr;
  nn::LayerNorm *emb_norm_, *norm_;
  std::vector<std::vector<Layer*>> layers_;
  std::vector<PatchMerging*> merges_;
};

std::string rename_legacy(std::string key) {
  static const std::pair<const char*, const char*> kRenames[] = {
      {"attention.self.query", "attention.q_proj"},
      {"attention.self.key", "attention.k_proj"},
      {"attention.self.value", "attention.v_proj"},
      {"attention.self.relative_position_bias_table", "attention.relative_position_bias.relative_position_bias_table"},
      {"attention.output.dense", "attention.o_proj"},
      {"intermediate.dense", "mlp.fc1"},
      {"output.dense", "mlp.fc2"}};
  for (const auto& [from, to] : kRenames)
    if (auto at = key.find(from); at != std::string::npos) key.replace(at, std::string(from).size(), to);
  return key;
}

// The pixel-shuffle decoder over the last stage's (square) grid.
class ForMaskedImageModeling : public Model {
 public:
  std::string main_input_name() const override { return "pixel_values"; }
  explicit ForMaskedImageModeling(const PretrainedConfig& c) : Model(c), swin_(child("swin", std::make_unique<SwinModel>(c, true))) {
    decoder_ = &child("decoder", std::make_unique<MaskedImageDecoder>(swin_.features(), c.get_int("encoder_stride"), c.get_int("num_channels")));
  }
  std::string base_model_prefix() const override { return "swin"; }
  std::string checkpoint_key(const std::string& key) const override { return rename_legacy(key); }
  ModelOutput forward(const ModelInputs& in) override {
    const Tensor h = swin_.run(in)["last_hidden_state"];
    const auto side = static_cast<int64_t>(std::sqrt(static_cast<double>(h.size(1))));
    if (side * side != h.size(1)) throw ValueError("SwinForMaskedImageModeling: " + std::to_string(h.size(1)) + " tokens do not form a square grid");
    ModelOutput o;
    o.set("reconstruction", (*decoder_)(h, side, side));
    return o;
  }

 private:
  SwinModel& swin_;
  MaskedImageDecoder* decoder_;
};

// SwinBackbone: stage i = the embeddings (stem) or stage i's output before its patch merging, each
// selected one through a LayerNorm of its own (hidden_states_norms.<stage>, eps 1e-5) over channels.
class Backbone : public BackboneModel {
 public:
  explicit Backbone(const PretrainedConfig& c)
      : BackboneModel(c, BackboneStages::from(c, BackboneStages::numbered(static_cast<int64_t>(c.get_int_list("depths").size())), "SwinConfig")),
        swin_(child("swin", std::make_unique<SwinModel>(c))) {
    auto& norms = child("hidden_states_norms", std::make_unique<nn::Container>());
    const int64_t E = c.get_int("embed_dim");
    for (size_t i = 0; i < stages().out_indices.size(); ++i) {
      // Python's num_features: [embed_dim] + [embed_dim * 2**i for each stage].
      const int64_t at = stages().out_indices[i], channels = at ? E << (at - 1) : E;
      norms_.emplace_back(stages().out_features[i], &norms.add(stages().out_features[i], std::make_unique<nn::LayerNorm>(channels, 1e-5f)));
    }
  }
  std::string base_model_prefix() const override { return "swin"; }
  std::string checkpoint_key(const std::string& key) const override { return rename_legacy(key); }

 protected:
  std::vector<Tensor> stage_states(const ModelInputs& in) const override {
    std::vector<Tensor> states;
    swin_.run(in, &states);
    return states;
  }
  Tensor feature_map(const std::string& stage, const Tensor& state, const ModelInputs&) const override {
    for (const auto& [name, norm] : norms_)
      if (name == stage) return (*norm)(state.permute({0, 2, 3, 1}).contiguous()).permute({0, 3, 1, 2}).contiguous();
    return state;
  }

 private:
  SwinModel& swin_;
  std::vector<std::pair<std::string, nn::LayerNorm*>> norms_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_backbone(const PretrainedConfig& c) { return std::make_unique<Backbone>(c); }
std::unique_ptr<PreTrainedModel> make_model(const PretrainedConfig& c) { return std::make_unique<VisionModel<SwinModel>>(c, "swin", true, rename_legacy); }
std::unique_ptr<PreTrainedModel> make_for_masked_image_modeling(const PretrainedConfig& c) { return std::make_unique<ForMaskedImageModeling>(c); }
std::unique_ptr<PreTrainedModel> make_for_image_classification(const PretrainedConfig& c) {
  return std::make_unique<PooledImageClassification<SwinModel>>(c, "swin", rename_legacy);
}

}  // namespace transformers::swin
