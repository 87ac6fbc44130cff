#include "models/vision_encoder_decoder/modeling_vision_encoder_decoder.hpp"

#include "models/gpt2/modeling_gpt2.hpp"
#include "models/registry.hpp"
#include "models/trocr/modeling_trocr.hpp"
#include "transformers/errors.hpp"

namespace transformers::vision_encoder_decoder {

ConfigSpec config_spec() {
  ConfigSpec s{"vision-encoder-decoder", "VisionEncoderDecoderConfig", R"({"is_encoder_decoder": true, "tie_word_embeddings": false})"};
  s.sub_configs = {{"encoder", "vit"}, {"decoder", "bert"}};
  return s;
}

namespace {

PretrainedConfig part(const PretrainedConfig& c, const std::string& key) {
  auto sub = c.sub_config(key);
  if (!sub) throw ConfigError("VisionEncoderDecoderConfig: config.json has no '" + key + "' configuration");
  return *sub;
}

class Backbone : public Seq2SeqBackbone {
 public:
  Backbone(const PretrainedConfig& c, bool encoder_only) : enc_cfg_(part(c, "encoder")), dec_cfg_(part(c, "decoder")) {
    if (encoder_only) throw ValueError("VisionEncoderDecoderModel has no encoder-only class");
    const std::string dt = dec_cfg_.model_type();
    if (dt != "trocr" && dt != "gpt2")
      throw ConfigError("VisionEncoderDecoderConfig: decoder model_type '" + dt + "' is not supported (supported: trocr, gpt2)");
    std::unique_ptr<PreTrainedModel> enc = registry::make_model("AutoModel", enc_cfg_);
    encoder_ = dynamic_cast<Model*>(enc.get());
    if (!encoder_) throw ConfigError("VisionEncoderDecoderConfig: the encoder class does not derive from transformers::Model");
    child("encoder", std::unique_ptr<nn::Module>(static_cast<nn::Module*>(static_cast<Model*>(enc.release()))));
    const int64_t enc_hidden = enc_cfg_.get_int("hidden_size"), dec_hidden = dec_cfg_.get_int("hidden_size");
    const bool cross_width = dec_cfg_.has("cross_attention_hidden_size");
    if (cross_width && dec_cfg_.get_int("cross_attention_hidden_size") != enc_hidden)
      throw ConfigError("VisionEncoderDecoderConfig: the decoder's cross_attention_hidden_size " +
                        std::to_string(dec_cfg_.get_int("cross_attention_hidden_size")) + " must equal the encoder's hidden_size " +
                        std::to_string(enc_hidden));
    if (enc_hidden != dec_hidden && !cross_width) proj_ = &child("enc_to_dec_proj", std::make_unique<nn::Linear>(enc_hidden, dec_hidden));
    // The decoder's causal-LM class names: TrOCRForCausalLM (model.decoder, output_projection) or
    // GPT2LMHeadModel (transformer, lm_head).
    auto& dec = child("decoder", std::make_unique<nn::Container>());
    if (dt == "trocr") {
      decoder_ = &dec.add("model", std::make_unique<nn::Container>()).add("decoder", trocr::make_decoder(dec_cfg_));
      head_ = "decoder.output_projection", tie_source_ = "decoder.model.decoder.embed_tokens.weight";
    } else {
      decoder_ = &dec.add("transformer", gpt2::make_cross_decoder(dec_cfg_));
      head_ = "decoder.lm_head", tie_source_ = "decoder.transformer.wte.weight";
    }
  }
  Tensor encode(const Tensor& pixel_values, const Tensor&) const override {
    return encoder_->forward({{"pixel_values", pixel_values}})["last_hidden_state"];
  }
  Tensor cross_states(const Tensor& h) const override { return proj_ ? (*proj_)(h) : h; }
  Tensor decode(const Tensor& ids, const Tensor& mask, const Tensor& enc, const Tensor& enc_mask, nn::KVCache* cache) const override {
    if (!enc.defined()) throw ValueError("VisionEncoderDecoderModel: the decoder needs the encoder output");
    return (*decoder_)(ids, mask, enc, enc_mask, cache);
  }
  int64_t hidden_size() const override { return dec_cfg_.get_int("hidden_size"); }
  int64_t num_decoder_layers() const override { return dec_cfg_.get_int("num_hidden_layers"); }
  int64_t decoder_vocab_size() const override { return decoder_->vocab_size(); }
  int64_t max_positions() const override { return decoder_->max_positions(); }
  std::vector<std::pair<std::string, std::string>> tied_embeddings() const override { return {}; }
  // The decoder's LM class ties its head to its embeddings by the decoder's own config (the
  // composite config's tie_word_embeddings is always false).
  std::string lm_head_tie_source() const override { return tie_source_; }
  std::string lm_head_name() const override { return head_; }
  bool always_ties_embeddings() const override { return dec_cfg_.get_bool("tie_word_embeddings", true); }
  std::string checkpoint_key(const std::string& key) const override {
    return key.rfind("encoder.", 0) == 0 ? "encoder." + encoder_->checkpoint_key(key.substr(8)) : key;
  }
  std::vector<std::string> may_be_missing() const override {
    std::vector<std::string> out;
    for (const auto& m : encoder_->may_be_missing()) out.push_back("encoder." + m);
    return out;
  }

 private:
  PretrainedConfig enc_cfg_, dec_cfg_;
  Model* encoder_;
  nn::Linear* proj_ = nullptr;
  CrossAttentionDecoder* decoder_;
  std::string head_, tie_source_;
};

}  // namespace

const Seq2SeqFamily& family() {
  static const Seq2SeqFamily f{"vision_encoder_decoder", "VisionEncoderDecoder", true, "pixel_values",
                               [](const PretrainedConfig& c, bool encoder_only) { return std::make_unique<Backbone>(c, encoder_only); }};
  return f;
}

}  // namespace transformers::vision_encoder_decoder
