// The one table of built-in architectures: model_type -> config, and (Auto class, model_type) ->
// model class. Data only; run-time registrations live in auto.cpp / core/config.cpp.
#include "models/registry.hpp"

#include "models/albert/modeling_albert.hpp"
#include "models/bert/modeling_bert.hpp"
#include "models/deepseek_v3/modeling_deepseek_v3.hpp"
#include "models/deberta_v2/modeling_deberta_v2.hpp"
#include "models/distilbert/modeling_distilbert.hpp"
#include "models/electra/modeling_electra.hpp"
#include "models/modernbert/modeling_modernbert.hpp"
#include "models/mpnet/modeling_mpnet.hpp"
#include "models/roberta/modeling_roberta.hpp"
#include "models/ernie4_5/modeling_ernie4_5.hpp"
#include "models/exaone4/modeling_exaone4.hpp"
#include "models/falcon/modeling_falcon.hpp"
#include "models/gemma/modeling_gemma.hpp"
#include "models/gemma2/modeling_gemma2.hpp"
#include "models/gemma3/modeling_gemma3.hpp"
#include "models/glm/modeling_glm.hpp"
#include "models/glm4/modeling_glm4.hpp"
#include "models/gpt2/modeling_gpt2.hpp"
#include "models/gpt_neox/modeling_gpt_neox.hpp"
#include "models/gpt_oss/modeling_gpt_oss.hpp"
#include "models/granite/modeling_granite.hpp"
#include "models/opt/modeling_opt.hpp"
#include "models/llama/modeling_llama.hpp"
#include "models/mistral/modeling_mistral.hpp"
#include "models/mixtral/modeling_mixtral.hpp"
#include "models/qwen2_moe/modeling_qwen2_moe.hpp"
#include "models/qwen3_moe/modeling_qwen3_moe.hpp"
#include "models/olmo/modeling_olmo.hpp"
#include "models/olmo2/modeling_olmo2.hpp"
#include "models/phi/modeling_phi.hpp"
#include "models/phi3/modeling_phi3.hpp"
#include "models/stablelm/modeling_stablelm.hpp"
#include "models/starcoder2/modeling_starcoder2.hpp"
#include "models/qwen2/modeling_qwen2.hpp"
#include "models/qwen3/modeling_qwen3.hpp"
#include "models/seed_oss/modeling_seed_oss.hpp"
#include "models/smollm3/modeling_smollm3.hpp"
#include "models/bart/modeling_bart.hpp"
#include "models/m2m_100/modeling_m2m_100.hpp"
#include "models/marian/modeling_marian.hpp"
#include "models/mbart/modeling_mbart.hpp"
#include "models/pegasus/modeling_pegasus.hpp"
#include "models/t5/modeling_t5.hpp"
#include "models/whisper/modeling_whisper.hpp"
#include "models/wav2vec2/modeling_wav2vec2.hpp"
#include "models/helium/modeling_helium.hpp"
#include "models/hunyuan_v1_dense/modeling_hunyuan_v1_dense.hpp"
#include "models/hubert/modeling_hubert.hpp"
#include "models/audio_spectrogram_transformer/modeling_audio_spectrogram_transformer.hpp"
#include "models/beit/modeling_beit.hpp"
#include "models/clip/modeling_clip.hpp"
#include "models/cohere/modeling_cohere.hpp"
#include "models/convnext/modeling_convnext.hpp"
#include "models/depth_anything/modeling_depth_anything.hpp"
#include "models/dinov2/modeling_dinov2.hpp"
#include "models/efficientnet/modeling_efficientnet.hpp"
#include "models/mobilenet_v2/modeling_mobilenet_v2.hpp"
#include "models/segformer/modeling_segformer.hpp"
#include "models/swin/modeling_swin.hpp"
#include "models/llava/modeling_llava.hpp"
#include "models/detr/modeling_detr.hpp"
#include "models/dpt/modeling_dpt.hpp"
#include "models/trocr/modeling_trocr.hpp"
#include "models/vision_encoder_decoder/modeling_vision_encoder_decoder.hpp"
#include "models/resnet/modeling_resnet.hpp"
#include "models/deit/modeling_deit.hpp"
#include "models/siglip/modeling_siglip.hpp"
#include "models/vit/modeling_vit.hpp"

namespace transformers::registry {

namespace {
ConfigSpec roberta_spec() { return roberta::config_spec("roberta", "RobertaConfig"); }
ConfigSpec xlm_roberta_spec() { return roberta::config_spec("xlm-roberta", "XLMRobertaConfig"); }
ConfigSpec camembert_spec() { return roberta::config_spec("camembert", "CamembertConfig"); }

struct Clip {
  static std::unique_ptr<PreTrainedModel> model(const PretrainedConfig& c) { return clip::make_model(c, clip::family()); }
  static std::unique_ptr<PreTrainedModel> image_cls(const PretrainedConfig& c) { return clip::make_for_image_classification(c, clip::family()); }
  static std::unique_ptr<PreTrainedModel> text(const PretrainedConfig& c) { return clip::make_text_model(c, clip::family()); }
  static std::unique_ptr<PreTrainedModel> vision(const PretrainedConfig& c) { return clip::make_vision_model(c, clip::family()); }
};

struct Vit {
  static std::unique_ptr<PreTrainedModel> base(const PretrainedConfig& c) { return vit::make_model(c, vit::variant()); }
  static std::unique_ptr<PreTrainedModel> image_cls(const PretrainedConfig& c) { return vit::make_for_image_classification(c, vit::variant()); }
  static std::unique_ptr<PreTrainedModel> mim(const PretrainedConfig& c) { return vit::make_for_masked_image_modeling(c, vit::variant()); }
};

// Generic heads bound to a family.
template <const EncoderFamily& (*F)()>
struct Generic {
  static std::unique_ptr<PreTrainedModel> base(const PretrainedConfig& c) { return make_base_model(c, F()); }
  static std::unique_ptr<PreTrainedModel> token(const PretrainedConfig& c) { return make_token_classification(c, F()); }
  static std::unique_ptr<PreTrainedModel> qa(const PretrainedConfig& c) { return make_question_answering(c, F()); }
  static std::unique_ptr<PreTrainedModel> pooled_cls(const PretrainedConfig& c) { return make_pooled_sequence_classification(c, F()); }
  static std::unique_ptr<PreTrainedModel> choice(const PretrainedConfig& c) { return make_pooled_multiple_choice(c, F()); }
};
// Decoder heads bound to a family.
template <const EncoderFamily& (*F)()>
struct Decoder {
  static std::unique_ptr<PreTrainedModel> base(const PretrainedConfig& c) { return make_base_model(c, F()); }
  static std::unique_ptr<PreTrainedModel> lm(const PretrainedConfig& c) { return make_causal_lm(c, F()); }
  static std::unique_ptr<PreTrainedModel> seq(const PretrainedConfig& c) { return make_last_token_classification(c, F()); }
  static std::unique_ptr<PreTrainedModel> token(const PretrainedConfig& c) {
    return make_token_classification(c, F(), "score", c.get_bool("token_classification_bias", true));
  }
  static std::unique_ptr<PreTrainedModel> qa(const PretrainedConfig& c) { return make_question_answering(c, F()); }
  // Llama, Qwen2/3, SmolLM3 QA keep the backbone under `transformer` (Python's BC prefix).
  static std::unique_ptr<PreTrainedModel> qa_bc(const PretrainedConfig& c) {
    static const EncoderFamily f = [] {
      EncoderFamily g = F();
      g.prefix = "transformer";
      return g;
    }();
    return make_question_answering(c, f);
  }
};
// Encoder-decoder classes bound to a family.
template <const Seq2SeqFamily& (*F)()>
struct Seq2Seq {
  static std::unique_ptr<PreTrainedModel> base(const PretrainedConfig& c) { return make_seq2seq_base_model(c, F()); }
  static std::unique_ptr<PreTrainedModel> lm(const PretrainedConfig& c) { return make_seq2seq_lm(c, F()); }
  static std::unique_ptr<PreTrainedModel> encoder(const PretrainedConfig& c) { return make_seq2seq_encoder_model(c, F()); }
  static std::unique_ptr<PreTrainedModel> seq(const PretrainedConfig& c) { return make_seq2seq_sequence_classification(c, F()); }
  static std::unique_ptr<PreTrainedModel> qa(const PretrainedConfig& c) { return make_seq2seq_question_answering(c, F()); }
  static std::unique_ptr<PreTrainedModel> token(const PretrainedConfig& c) { return make_seq2seq_token_classification(c, F()); }
  static std::unique_ptr<PreTrainedModel> audio_cls(const PretrainedConfig& c) { return make_seq2seq_audio_classification(c, F()); }
};
// Speech encoder classes (Wav2Vec2 and the families built on it) bound to a family.
template <const wav2vec2::SpeechFamily& (*F)()>
struct Speech {
  static std::unique_ptr<PreTrainedModel> base(const PretrainedConfig& c) { return wav2vec2::make_base(c, F()); }
  static std::unique_ptr<PreTrainedModel> ctc(const PretrainedConfig& c) { return wav2vec2::make_ctc(c, F()); }
  static std::unique_ptr<PreTrainedModel> seq(const PretrainedConfig& c) { return wav2vec2::make_sequence_classification(c, F()); }
  static std::unique_ptr<PreTrainedModel> frame(const PretrainedConfig& c) { return wav2vec2::make_frame_classification(c, F()); }
  static std::unique_ptr<PreTrainedModel> xvector(const PretrainedConfig& c) { return wav2vec2::make_xvector(c, F()); }
  static std::unique_ptr<PreTrainedModel> pretraining(const PretrainedConfig& c) { return wav2vec2::make_for_pretraining(c, F()); }
};
const EncoderFamily& llama_family() {
  static const EncoderFamily f = llama::family_for(llama::params, "Llama");
  return f;
}
using B = Generic<bert::family>;
using R = Generic<roberta::family>;
using E = Generic<electra::family>;
using D = Generic<distilbert::family>;
using DV = Generic<deberta_v2::family>;
using A = Generic<albert::family>;
using M = Generic<mpnet::family>;
using MB = Generic<modernbert::family>;
std::unique_ptr<PreTrainedModel> mpnet_mlm(const PretrainedConfig& c) { return roberta::make_lm_head_model(c, mpnet::family()); }
std::unique_ptr<PreTrainedModel> mpnet_seq(const PretrainedConfig& c) {
  return make_cls_head_sequence_classification(c, mpnet::family(), ops::Activation::Tanh);
}
}  // namespace

const std::vector<ConfigEntry>& builtin_configs() {
  static const std::vector<ConfigEntry> v = {
      {"bert", bert::config_spec},
      {"roberta", roberta_spec},
      {"xlm-roberta", xlm_roberta_spec},
      {"camembert", camembert_spec},
      {"electra", electra::config_spec},
      {"distilbert", distilbert::config_spec},
      {"deberta-v2", deberta_v2::config_spec},
      {"albert", albert::config_spec},
      {"mpnet", mpnet::config_spec},
      {"modernbert", modernbert::config_spec},
      {"llama", llama::config_spec},
      {"mistral", mistral::config_spec},
      {"ministral", mistral::config_spec_ministral},
      {"helium", helium::config_spec},
      {"seed_oss", seed_oss::config_spec},
      {"olmo", olmo::config_spec},
      {"olmo3", olmo2::config_spec_v3},
      {"exaone4", exaone4::config_spec},
      {"hunyuan_v1_dense", hunyuan_v1_dense::config_spec},
      {"qwen2", qwen2::config_spec},
      {"qwen3", qwen3::config_spec},
      {"gemma", gemma::config_spec},
      {"gemma2", gemma2::config_spec},
      {"gemma3_text", gemma3::config_spec},
      {"olmo2", olmo2::config_spec},
      {"granite", granite::config_spec},
      {"smollm3", smollm3::config_spec},
      {"phi3", phi3::config_spec},
      {"gpt2", gpt2::config_spec},
      {"mixtral", mixtral::config_spec},
      {"qwen2_moe", qwen2_moe::config_spec},
      {"qwen3_moe", qwen3_moe::config_spec},
      {"phi", phi::config_spec},
      {"stablelm", stablelm::config_spec},
      {"starcoder2", starcoder2::config_spec},
      {"ernie4_5", ernie4_5::config_spec},
      {"glm", glm::config_spec},
      {"cohere", cohere::config_spec},
      {"cohere2", cohere::config_spec_v2},
      {"glm4", glm4::config_spec},
      {"gpt_neox", gpt_neox::config_spec},
      {"opt", opt::config_spec},
      {"gpt_oss", gpt_oss::config_spec},
      {"deepseek_v3", deepseek_v3::config_spec},
      {"falcon", falcon::config_spec},
      {"bart", bart::config_spec},
      {"mbart", mbart::config_spec},
      {"marian", marian::config_spec},
      {"pegasus", pegasus::config_spec},
      {"m2m_100", m2m_100::config_spec},
      {"t5", t5::config_spec},
      {"whisper", whisper::config_spec},
      {"wav2vec2", wav2vec2::config_spec},
      {"hubert", hubert::config_spec},
      {"audio-spectrogram-transformer", audio_spectrogram_transformer::config_spec},
      {"vit", vit::config_spec},
      {"deit", deit::config_spec},
      {"clip", clip::config_spec},
      {"clip_text_model", clip::text_config_spec},
      {"clip_vision_model", clip::vision_config_spec},
      {"siglip", siglip::config_spec},
      {"siglip_text_model", siglip::text_config_spec},
      {"siglip_vision_model", siglip::vision_config_spec},
      {"resnet", resnet::config_spec},
      {"convnext", convnext::config_spec},
      {"convnextv2", convnext::v2_config_spec},
      {"llava", llava::config_spec},
      {"trocr", trocr::config_spec},
      {"detr", detr::config_spec},
      {"dpt", dpt::config_spec},
      {"vision-encoder-decoder", vision_encoder_decoder::config_spec},
      {"dinov2", dinov2::config_spec},
      {"segformer", segformer::config_spec},
      {"depth_anything", depth_anything::config_spec},
      {"swin", swin::config_spec},
      {"mobilenet_v2", mobilenet_v2::config_spec},
      {"beit", beit::config_spec},
      {"efficientnet", efficientnet::config_spec},
  };
  return v;
}

const std::vector<ModelEntry>& builtin_models() {
  static const std::vector<ModelEntry> v = {
      {"AutoModel", "bert", "BertModel", B::base},
      {"AutoModelForTextEncoding", "bert", "BertModel", B::base},
      {"AutoModelForMaskedLM", "bert", "BertForMaskedLM", bert::make_for_masked_lm},
      {"AutoModelForPreTraining", "bert", "BertForPreTraining", bert::make_for_pretraining},
      {"AutoModelForNextSentencePrediction", "bert", "BertForNextSentencePrediction", bert::make_for_next_sentence},
      {"AutoModelForSequenceClassification", "bert", "BertForSequenceClassification", B::pooled_cls},
      {"AutoModelForTokenClassification", "bert", "BertForTokenClassification", B::token},
      {"AutoModelForQuestionAnswering", "bert", "BertForQuestionAnswering", B::qa},
      {"AutoModelForMultipleChoice", "bert", "BertForMultipleChoice", B::choice},
      // BertLMHeadModel is BertForMaskedLM's tree; the causal mask comes from config.is_decoder.
      {"AutoModelForCausalLM", "bert", "BertLMHeadModel", bert::make_for_masked_lm},

      {"AutoModel", "roberta", "RobertaModel", R::base},
      {"AutoModelForTextEncoding", "roberta", "RobertaModel", R::base},
      {"AutoModelForMaskedLM", "roberta", "RobertaForMaskedLM", roberta::make_for_masked_lm},
      {"AutoModelForPreTraining", "roberta", "RobertaForMaskedLM", roberta::make_for_masked_lm},
      {"AutoModelForSequenceClassification", "roberta", "RobertaForSequenceClassification", roberta::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "roberta", "RobertaForTokenClassification", R::token},
      {"AutoModelForQuestionAnswering", "roberta", "RobertaForQuestionAnswering", R::qa},
      {"AutoModelForMultipleChoice", "roberta", "RobertaForMultipleChoice", R::choice},
      {"AutoModelForCausalLM", "roberta", "RobertaForCausalLM", roberta::make_for_masked_lm},

      {"AutoModel", "xlm-roberta", "XLMRobertaModel", R::base},
      {"AutoModelForTextEncoding", "xlm-roberta", "XLMRobertaModel", R::base},
      {"AutoModelForMaskedLM", "xlm-roberta", "XLMRobertaForMaskedLM", roberta::make_for_masked_lm},
      {"AutoModelForPreTraining", "xlm-roberta", "XLMRobertaForMaskedLM", roberta::make_for_masked_lm},
      {"AutoModelForSequenceClassification", "xlm-roberta", "XLMRobertaForSequenceClassification", roberta::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "xlm-roberta", "XLMRobertaForTokenClassification", R::token},
      {"AutoModelForQuestionAnswering", "xlm-roberta", "XLMRobertaForQuestionAnswering", R::qa},
      {"AutoModelForMultipleChoice", "xlm-roberta", "XLMRobertaForMultipleChoice", R::choice},
      {"AutoModelForCausalLM", "xlm-roberta", "XLMRobertaForCausalLM", roberta::make_for_masked_lm},

      {"AutoModel", "camembert", "CamembertModel", R::base},
      {"AutoModelForMaskedLM", "camembert", "CamembertForMaskedLM", roberta::make_for_masked_lm},
      {"AutoModelForPreTraining", "camembert", "CamembertForMaskedLM", roberta::make_for_masked_lm},
      {"AutoModelForSequenceClassification", "camembert", "CamembertForSequenceClassification", roberta::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "camembert", "CamembertForTokenClassification", R::token},
      {"AutoModelForQuestionAnswering", "camembert", "CamembertForQuestionAnswering", R::qa},
      {"AutoModelForMultipleChoice", "camembert", "CamembertForMultipleChoice", R::choice},
      {"AutoModelForCausalLM", "camembert", "CamembertForCausalLM", roberta::make_for_masked_lm},

      {"AutoModel", "electra", "ElectraModel", E::base},
      {"AutoModelForTextEncoding", "electra", "ElectraModel", E::base},
      {"AutoModelForMaskedLM", "electra", "ElectraForMaskedLM", electra::make_for_masked_lm},
      {"AutoModelForPreTraining", "electra", "ElectraForPreTraining", electra::make_for_pretraining},
      {"AutoModelForSequenceClassification", "electra", "ElectraForSequenceClassification", electra::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "electra", "ElectraForTokenClassification", E::token},
      {"AutoModelForQuestionAnswering", "electra", "ElectraForQuestionAnswering", E::qa},
      {"AutoModelForMultipleChoice", "electra", "ElectraForMultipleChoice", electra::make_for_multiple_choice},
      {"AutoModelForCausalLM", "electra", "ElectraForCausalLM", electra::make_for_masked_lm},

      {"AutoModel", "deberta-v2", "DebertaV2Model", DV::base},
      {"AutoModelForMaskedLM", "deberta-v2", "DebertaV2ForMaskedLM", deberta_v2::make_for_masked_lm},
      {"AutoModelForSequenceClassification", "deberta-v2", "DebertaV2ForSequenceClassification", deberta_v2::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "deberta-v2", "DebertaV2ForTokenClassification", DV::token},
      {"AutoModelForQuestionAnswering", "deberta-v2", "DebertaV2ForQuestionAnswering", DV::qa},
      {"AutoModelForMultipleChoice", "deberta-v2", "DebertaV2ForMultipleChoice", deberta_v2::make_for_multiple_choice},
      {"AutoModelForPreTraining", "deberta-v2", "DebertaV2ForMaskedLM", deberta_v2::make_for_masked_lm},
      {"AutoModelForTextEncoding", "deberta-v2", "DebertaV2Model", DV::base},

      {"AutoModel", "distilbert", "DistilBertModel", D::base},
      {"AutoModelForTextEncoding", "distilbert", "DistilBertModel", D::base},
      {"AutoModelForMaskedLM", "distilbert", "DistilBertForMaskedLM", distilbert::make_for_masked_lm},
      {"AutoModelForPreTraining", "distilbert", "DistilBertForMaskedLM", distilbert::make_for_masked_lm},
      {"AutoModelForSequenceClassification", "distilbert", "DistilBertForSequenceClassification", distilbert::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "distilbert", "DistilBertForTokenClassification", D::token},
      {"AutoModelForQuestionAnswering", "distilbert", "DistilBertForQuestionAnswering", D::qa},
      {"AutoModelForMultipleChoice", "distilbert", "DistilBertForMultipleChoice", distilbert::make_for_multiple_choice},

      {"AutoModel", "albert", "AlbertModel", A::base},
      {"AutoModelForTextEncoding", "albert", "AlbertModel", A::base},
      {"AutoModelForMaskedLM", "albert", "AlbertForMaskedLM", albert::make_for_masked_lm},
      {"AutoModelForPreTraining", "albert", "AlbertForPreTraining", albert::make_for_pretraining},
      {"AutoModelForSequenceClassification", "albert", "AlbertForSequenceClassification", A::pooled_cls},
      {"AutoModelForTokenClassification", "albert", "AlbertForTokenClassification", A::token},
      {"AutoModelForQuestionAnswering", "albert", "AlbertForQuestionAnswering", A::qa},
      {"AutoModelForMultipleChoice", "albert", "AlbertForMultipleChoice", A::choice},

      {"AutoModel", "mpnet", "MPNetModel", M::base},
      {"AutoModelForMaskedLM", "mpnet", "MPNetForMaskedLM", mpnet_mlm},
      {"AutoModelForPreTraining", "mpnet", "MPNetForMaskedLM", mpnet_mlm},
      {"AutoModelForSequenceClassification", "mpnet", "MPNetForSequenceClassification", mpnet_seq},
      {"AutoModelForTokenClassification", "mpnet", "MPNetForTokenClassification", M::token},
      {"AutoModelForQuestionAnswering", "mpnet", "MPNetForQuestionAnswering", M::qa},
      {"AutoModelForMultipleChoice", "mpnet", "MPNetForMultipleChoice", M::choice},

      {"AutoModel", "modernbert", "ModernBertModel", MB::base},
      {"AutoModelForMaskedLM", "modernbert", "ModernBertForMaskedLM", modernbert::make_for_masked_lm},
      {"AutoModelForSequenceClassification", "modernbert", "ModernBertForSequenceClassification", modernbert::make_for_sequence_classification},
      {"AutoModelForTokenClassification", "modernbert", "ModernBertForTokenClassification", modernbert::make_for_token_classification},
      {"AutoModelForQuestionAnswering", "modernbert", "ModernBertForQuestionAnswering", modernbert::make_for_question_answering},
      {"AutoModelForMultipleChoice", "modernbert", "ModernBertForMultipleChoice", modernbert::make_for_multiple_choice},

      {"AutoModel", "llama", "LlamaModel", Decoder<llama_family>::base},
      {"AutoModelForCausalLM", "llama", "LlamaForCausalLM", Decoder<llama_family>::lm},
      {"AutoModelForSequenceClassification", "llama", "LlamaForSequenceClassification", Decoder<llama_family>::seq},
      {"AutoModelForTokenClassification", "llama", "LlamaForTokenClassification", Decoder<llama_family>::token},
      {"AutoModelForQuestionAnswering", "llama", "LlamaForQuestionAnswering", Decoder<llama_family>::qa_bc},

      {"AutoModel", "mistral", "MistralModel", Decoder<mistral::family>::base},
      {"AutoModelForCausalLM", "mistral", "MistralForCausalLM", Decoder<mistral::family>::lm},
      {"AutoModelForSequenceClassification", "mistral", "MistralForSequenceClassification", Decoder<mistral::family>::seq},
      {"AutoModelForTokenClassification", "mistral", "MistralForTokenClassification", Decoder<mistral::family>::token},
      {"AutoModelForQuestionAnswering", "mistral", "MistralForQuestionAnswering", Decoder<mistral::family>::qa},
      {"AutoModel", "ministral", "MinistralModel", Decoder<mistral::family_ministral>::base},
      {"AutoModelForCausalLM", "ministral", "MinistralForCausalLM", Decoder<mistral::family_ministral>::lm},
      {"AutoModelForSequenceClassification", "ministral", "MinistralForSequenceClassification", Decoder<mistral::family_ministral>::seq},
      {"AutoModelForTokenClassification", "ministral", "MinistralForTokenClassification", Decoder<mistral::family_ministral>::token},
      {"AutoModelForQuestionAnswering", "ministral", "MinistralForQuestionAnswering", Decoder<mistral::family_ministral>::qa_bc},
      {"AutoModel", "helium", "HeliumModel", Decoder<helium::family>::base},
      {"AutoModelForCausalLM", "helium", "HeliumForCausalLM", Decoder<helium::family>::lm},
      {"AutoModelForSequenceClassification", "helium", "HeliumForSequenceClassification", Decoder<helium::family>::seq},
      {"AutoModelForTokenClassification", "helium", "HeliumForTokenClassification", Decoder<helium::family>::token},
      {"AutoModel", "seed_oss", "SeedOssModel", Decoder<seed_oss::family>::base},
      {"AutoModelForCausalLM", "seed_oss", "SeedOssForCausalLM", Decoder<seed_oss::family>::lm},
      {"AutoModelForSequenceClassification", "seed_oss", "SeedOssForSequenceClassification", Decoder<seed_oss::family>::seq},
      {"AutoModelForTokenClassification", "seed_oss", "SeedOssForTokenClassification", Decoder<seed_oss::family>::token},
      {"AutoModelForQuestionAnswering", "seed_oss", "SeedOssForQuestionAnswering", Decoder<seed_oss::family>::qa_bc},
      {"AutoModel", "olmo3", "Olmo3Model", Decoder<olmo2::family_v3>::base},
      {"AutoModelForCausalLM", "olmo3", "Olmo3ForCausalLM", Decoder<olmo2::family_v3>::lm},
      {"AutoModelForSequenceClassification", "olmo3", "Olmo3ForSequenceClassification", Decoder<olmo2::family_v3>::seq},
      {"AutoModel", "olmo", "OlmoModel", Decoder<olmo::family>::base},
      {"AutoModelForCausalLM", "olmo", "OlmoForCausalLM", Decoder<olmo::family>::lm},
      {"AutoModelForSequenceClassification", "olmo", "OlmoForSequenceClassification", Decoder<olmo::family>::seq},
      {"AutoModel", "exaone4", "Exaone4Model", Decoder<exaone4::family>::base},
      {"AutoModelForCausalLM", "exaone4", "Exaone4ForCausalLM", Decoder<exaone4::family>::lm},
      {"AutoModelForPreTraining", "exaone4", "Exaone4ForCausalLM", Decoder<exaone4::family>::lm},
      {"AutoModelForSequenceClassification", "exaone4", "Exaone4ForSequenceClassification", Decoder<exaone4::family>::seq},
      {"AutoModelForTokenClassification", "exaone4", "Exaone4ForTokenClassification", Decoder<exaone4::family>::token},
      {"AutoModelForQuestionAnswering", "exaone4", "Exaone4ForQuestionAnswering", Decoder<exaone4::family>::qa_bc},
      {"AutoModel", "hunyuan_v1_dense", "HunYuanDenseV1Model", Decoder<hunyuan_v1_dense::family>::base},
      {"AutoModelForCausalLM", "hunyuan_v1_dense", "HunYuanDenseV1ForCausalLM", Decoder<hunyuan_v1_dense::family>::lm},
      {"AutoModelForSequenceClassification", "hunyuan_v1_dense", "HunYuanDenseV1ForSequenceClassification", Decoder<hunyuan_v1_dense::family>::seq},

      {"AutoModel", "qwen2", "Qwen2Model", Decoder<qwen2::family>::base},
      {"AutoModelForCausalLM", "qwen2", "Qwen2ForCausalLM", Decoder<qwen2::family>::lm},
      {"AutoModelForSequenceClassification", "qwen2", "Qwen2ForSequenceClassification", Decoder<qwen2::family>::seq},
      {"AutoModelForTokenClassification", "qwen2", "Qwen2ForTokenClassification", Decoder<qwen2::family>::token},
      {"AutoModelForQuestionAnswering", "qwen2", "Qwen2ForQuestionAnswering", Decoder<qwen2::family>::qa_bc},

      {"AutoModel", "qwen3", "Qwen3Model", Decoder<qwen3::family>::base},
      {"AutoModelForCausalLM", "qwen3", "Qwen3ForCausalLM", Decoder<qwen3::family>::lm},
      {"AutoModelForSequenceClassification", "qwen3", "Qwen3ForSequenceClassification", Decoder<qwen3::family>::seq},
      {"AutoModelForTokenClassification", "qwen3", "Qwen3ForTokenClassification", Decoder<qwen3::family>::token},
      {"AutoModelForQuestionAnswering", "qwen3", "Qwen3ForQuestionAnswering", Decoder<qwen3::family>::qa_bc},

      {"AutoModel", "gemma", "GemmaModel", Decoder<gemma::family>::base},
      {"AutoModelForCausalLM", "gemma", "GemmaForCausalLM", Decoder<gemma::family>::lm},
      {"AutoModelForSequenceClassification", "gemma", "GemmaForSequenceClassification", Decoder<gemma::family>::seq},
      {"AutoModelForTokenClassification", "gemma", "GemmaForTokenClassification", Decoder<gemma::family>::token},

      {"AutoModel", "gemma2", "Gemma2Model", Decoder<gemma2::family>::base},
      {"AutoModelForCausalLM", "gemma2", "Gemma2ForCausalLM", Decoder<gemma2::family>::lm},
      {"AutoModelForSequenceClassification", "gemma2", "Gemma2ForSequenceClassification", Decoder<gemma2::family>::seq},
      {"AutoModelForTokenClassification", "gemma2", "Gemma2ForTokenClassification", Decoder<gemma2::family>::token},

      {"AutoModel", "gemma3_text", "Gemma3TextModel", Decoder<gemma3::family>::base},
      {"AutoModelForCausalLM", "gemma3_text", "Gemma3ForCausalLM", Decoder<gemma3::family>::lm},
      {"AutoModelForSequenceClassification", "gemma3_text", "Gemma3TextForSequenceClassification", Decoder<gemma3::family>::seq},

      {"AutoModel", "olmo2", "Olmo2Model", Decoder<olmo2::family>::base},
      {"AutoModelForCausalLM", "olmo2", "Olmo2ForCausalLM", Decoder<olmo2::family>::lm},
      {"AutoModelForSequenceClassification", "olmo2", "Olmo2ForSequenceClassification", Decoder<olmo2::family>::seq},

      {"AutoModel", "granite", "GraniteModel", Decoder<granite::family>::base},
      {"AutoModelForCausalLM", "granite", "GraniteForCausalLM", Decoder<granite::family>::lm},

      {"AutoModel", "smollm3", "SmolLM3Model", Decoder<smollm3::family>::base},
      {"AutoModelForCausalLM", "smollm3", "SmolLM3ForCausalLM", Decoder<smollm3::family>::lm},
      {"AutoModelForSequenceClassification", "smollm3", "SmolLM3ForSequenceClassification", Decoder<smollm3::family>::seq},
      {"AutoModelForTokenClassification", "smollm3", "SmolLM3ForTokenClassification", Decoder<smollm3::family>::token},
      {"AutoModelForQuestionAnswering", "smollm3", "SmolLM3ForQuestionAnswering", Decoder<smollm3::family>::qa_bc},

      {"AutoModel", "phi3", "Phi3Model", Decoder<phi3::family>::base},
      {"AutoModelForCausalLM", "phi3", "Phi3ForCausalLM", Decoder<phi3::family>::lm},
      {"AutoModelForSequenceClassification", "phi3", "Phi3ForSequenceClassification", Decoder<phi3::family>::seq},
      {"AutoModelForTokenClassification", "phi3", "Phi3ForTokenClassification", Decoder<phi3::family>::token},

      {"AutoModel", "gpt2", "GPT2Model", Decoder<gpt2::family>::base},
      {"AutoModelForCausalLM", "gpt2", "GPT2LMHeadModel", Decoder<gpt2::family>::lm},
      {"AutoModelForPreTraining", "gpt2", "GPT2LMHeadModel", Decoder<gpt2::family>::lm},
      {"AutoModelForSequenceClassification", "gpt2", "GPT2ForSequenceClassification", Decoder<gpt2::family>::seq},
      {"AutoModelForTokenClassification", "gpt2", "GPT2ForTokenClassification", Generic<gpt2::family>::token},
      {"AutoModelForQuestionAnswering", "gpt2", "GPT2ForQuestionAnswering", Decoder<gpt2::family>::qa},

      {"AutoModel", "mixtral", "MixtralModel", Decoder<mixtral::family>::base},
      {"AutoModelForCausalLM", "mixtral", "MixtralForCausalLM", Decoder<mixtral::family>::lm},
      {"AutoModelForSequenceClassification", "mixtral", "MixtralForSequenceClassification", Decoder<mixtral::family>::seq},
      {"AutoModelForTokenClassification", "mixtral", "MixtralForTokenClassification", Decoder<mixtral::family>::token},
      {"AutoModelForQuestionAnswering", "mixtral", "MixtralForQuestionAnswering", Decoder<mixtral::family>::qa},

      {"AutoModel", "qwen2_moe", "Qwen2MoeModel", Decoder<qwen2_moe::family>::base},
      {"AutoModelForCausalLM", "qwen2_moe", "Qwen2MoeForCausalLM", Decoder<qwen2_moe::family>::lm},
      {"AutoModelForSequenceClassification", "qwen2_moe", "Qwen2MoeForSequenceClassification", Decoder<qwen2_moe::family>::seq},
      {"AutoModelForTokenClassification", "qwen2_moe", "Qwen2MoeForTokenClassification", Decoder<qwen2_moe::family>::token},
      {"AutoModelForQuestionAnswering", "qwen2_moe", "Qwen2MoeForQuestionAnswering", Decoder<qwen2_moe::family>::qa},
      {"AutoModel", "qwen3_moe", "Qwen3MoeModel", Decoder<qwen3_moe::family>::base},
      {"AutoModelForCausalLM", "qwen3_moe", "Qwen3MoeForCausalLM", Decoder<qwen3_moe::family>::lm},
      {"AutoModelForSequenceClassification", "qwen3_moe", "Qwen3MoeForSequenceClassification", Decoder<qwen3_moe::family>::seq},
      {"AutoModelForTokenClassification", "qwen3_moe", "Qwen3MoeForTokenClassification", Decoder<qwen3_moe::family>::token},
      {"AutoModelForQuestionAnswering", "qwen3_moe", "Qwen3MoeForQuestionAnswering", Decoder<qwen3_moe::family>::qa_bc},

      {"AutoModel", "phi", "PhiModel", Decoder<phi::family>::base},
      {"AutoModelForCausalLM", "phi", "PhiForCausalLM", Decoder<phi::family>::lm},
      {"AutoModelForSequenceClassification", "phi", "PhiForSequenceClassification", Decoder<phi::family>::seq},
      {"AutoModelForTokenClassification", "phi", "PhiForTokenClassification", Decoder<phi::family>::token},

      {"AutoModel", "stablelm", "StableLmModel", Decoder<stablelm::family>::base},
      {"AutoModelForCausalLM", "stablelm", "StableLmForCausalLM", Decoder<stablelm::family>::lm},
      {"AutoModelForSequenceClassification", "stablelm", "StableLmForSequenceClassification", Decoder<stablelm::family>::seq},
      {"AutoModelForTokenClassification", "stablelm", "StableLmForTokenClassification", Decoder<stablelm::family>::token},
      {"AutoModel", "cohere", "CohereModel", Decoder<cohere::family>::base},
      {"AutoModelForCausalLM", "cohere", "CohereForCausalLM", Decoder<cohere::family>::lm},
      {"AutoModel", "cohere2", "Cohere2Model", Decoder<cohere::family_v2>::base},
      {"AutoModelForCausalLM", "cohere2", "Cohere2ForCausalLM", Decoder<cohere::family_v2>::lm},
      {"AutoModel", "glm", "GlmModel", Decoder<glm::family>::base},
      {"AutoModelForCausalLM", "glm", "GlmForCausalLM", Decoder<glm::family>::lm},
      {"AutoModelForSequenceClassification", "glm", "GlmForSequenceClassification", Decoder<glm::family>::seq},
      {"AutoModelForTokenClassification", "glm", "GlmForTokenClassification", Decoder<glm::family>::token},
      {"AutoModel", "glm4", "Glm4Model", Decoder<glm4::family>::base},
      {"AutoModelForCausalLM", "glm4", "Glm4ForCausalLM", Decoder<glm4::family>::lm},
      {"AutoModelForSequenceClassification", "glm4", "Glm4ForSequenceClassification", Decoder<glm4::family>::seq},
      {"AutoModelForTokenClassification", "glm4", "Glm4ForTokenClassification", Decoder<glm4::family>::token},
      {"AutoModel", "ernie4_5", "Ernie4_5Model", Decoder<ernie4_5::family>::base},
      {"AutoModelForCausalLM", "ernie4_5", "Ernie4_5ForCausalLM", Decoder<ernie4_5::family>::lm},
      {"AutoModel", "starcoder2", "Starcoder2Model", Decoder<starcoder2::family>::base},
      {"AutoModelForCausalLM", "starcoder2", "Starcoder2ForCausalLM", Decoder<starcoder2::family>::lm},
      {"AutoModelForSequenceClassification", "starcoder2", "Starcoder2ForSequenceClassification", Decoder<starcoder2::family>::seq},
      {"AutoModelForTokenClassification", "starcoder2", "Starcoder2ForTokenClassification", Decoder<starcoder2::family>::token},

      {"AutoModel", "gpt_neox", "GPTNeoXModel", Decoder<gpt_neox::family>::base},
      {"AutoModelForCausalLM", "gpt_neox", "GPTNeoXForCausalLM", Decoder<gpt_neox::family>::lm},
      {"AutoModelForSequenceClassification", "gpt_neox", "GPTNeoXForSequenceClassification", Decoder<gpt_neox::family>::seq},
      {"AutoModelForTokenClassification", "gpt_neox", "GPTNeoXForTokenClassification", Generic<gpt_neox::family>::token},
      {"AutoModelForQuestionAnswering", "gpt_neox", "GPTNeoXForQuestionAnswering", Decoder<gpt_neox::family>::qa},

      {"AutoModel", "opt", "OPTModel", Decoder<opt::family>::base},
      {"AutoModelForCausalLM", "opt", "OPTForCausalLM", Decoder<opt::family>::lm},
      {"AutoModelForSequenceClassification", "opt", "OPTForSequenceClassification", Decoder<opt::family>::seq},
      {"AutoModelForQuestionAnswering", "opt", "OPTForQuestionAnswering", Decoder<opt::family>::qa},

      {"AutoModel", "gpt_oss", "GptOssModel", Decoder<gpt_oss::family>::base},
      {"AutoModelForCausalLM", "gpt_oss", "GptOssForCausalLM", Decoder<gpt_oss::family>::lm},
      {"AutoModelForSequenceClassification", "gpt_oss", "GptOssForSequenceClassification", Decoder<gpt_oss::family>::seq},
      {"AutoModelForTokenClassification", "gpt_oss", "GptOssForTokenClassification", Decoder<gpt_oss::family>::token},

      {"AutoModel", "deepseek_v3", "DeepseekV3Model", Decoder<deepseek_v3::family>::base},
      {"AutoModelForCausalLM", "deepseek_v3", "DeepseekV3ForCausalLM", Decoder<deepseek_v3::family>::lm},
      {"AutoModelForSequenceClassification", "deepseek_v3", "DeepseekV3ForSequenceClassification", Decoder<deepseek_v3::family>::seq},
      {"AutoModelForTokenClassification", "deepseek_v3", "DeepseekV3ForTokenClassification", Decoder<deepseek_v3::family>::token},

      {"AutoModel", "falcon", "FalconModel", Decoder<falcon::family>::base},
      {"AutoModelForCausalLM", "falcon", "FalconForCausalLM", Decoder<falcon::family>::lm},
      {"AutoModelForSequenceClassification", "falcon", "FalconForSequenceClassification", Decoder<falcon::family>::seq},
      {"AutoModelForTokenClassification", "falcon", "FalconForTokenClassification", Generic<falcon::family>::token},
      {"AutoModelForQuestionAnswering", "falcon", "FalconForQuestionAnswering", Decoder<falcon::family>::qa},

      {"AutoModel", "bart", "BartModel", Seq2Seq<bart::family>::base},
      {"AutoModelForSeq2SeqLM", "bart", "BartForConditionalGeneration", Seq2Seq<bart::family>::lm},
      {"AutoModelForPreTraining", "bart", "BartForConditionalGeneration", Seq2Seq<bart::family>::lm},
      {"AutoModelForMaskedLM", "bart", "BartForConditionalGeneration", Seq2Seq<bart::family>::lm},
      {"AutoModelForSequenceClassification", "bart", "BartForSequenceClassification", Seq2Seq<bart::family>::seq},
      {"AutoModelForQuestionAnswering", "bart", "BartForQuestionAnswering", Seq2Seq<bart::family>::qa},
      {"AutoModelForCausalLM", "bart", "BartForCausalLM", bart::make_for_causal_lm},

      {"AutoModel", "mbart", "MBartModel", Seq2Seq<mbart::family>::base},
      {"AutoModelForSeq2SeqLM", "mbart", "MBartForConditionalGeneration", Seq2Seq<mbart::family>::lm},
      {"AutoModelForMaskedLM", "mbart", "MBartForConditionalGeneration", Seq2Seq<mbart::family>::lm},
      {"AutoModelForSequenceClassification", "mbart", "MBartForSequenceClassification", Seq2Seq<mbart::family>::seq},
      {"AutoModelForQuestionAnswering", "mbart", "MBartForQuestionAnswering", Seq2Seq<mbart::family>::qa},
      {"AutoModelForCausalLM", "mbart", "MBartForCausalLM", mbart::make_for_causal_lm},

      {"AutoModel", "marian", "MarianModel", Seq2Seq<marian::family>::base},
      {"AutoModelForSeq2SeqLM", "marian", "MarianMTModel", Seq2Seq<marian::family>::lm},
      {"AutoModelForCausalLM", "marian", "MarianForCausalLM", marian::make_for_causal_lm},

      {"AutoModel", "pegasus", "PegasusModel", Seq2Seq<pegasus::family>::base},
      {"AutoModelForSeq2SeqLM", "pegasus", "PegasusForConditionalGeneration", Seq2Seq<pegasus::family>::lm},
      {"AutoModelForCausalLM", "pegasus", "PegasusForCausalLM", pegasus::make_for_causal_lm},

      {"AutoModel", "m2m_100", "M2M100Model", Seq2Seq<m2m_100::family>::base},
      {"AutoModelForSeq2SeqLM", "m2m_100", "M2M100ForConditionalGeneration", Seq2Seq<m2m_100::family>::lm},

      {"AutoModel", "t5", "T5Model", Seq2Seq<t5::family>::base},
      {"AutoModelForSeq2SeqLM", "t5", "T5ForConditionalGeneration", Seq2Seq<t5::family>::lm},
      {"AutoModelForPreTraining", "t5", "T5ForConditionalGeneration", Seq2Seq<t5::family>::lm},
      {"AutoModelForTextEncoding", "t5", "T5EncoderModel", Seq2Seq<t5::family>::encoder},
      {"AutoModelForSequenceClassification", "t5", "T5ForSequenceClassification", Seq2Seq<t5::family>::seq},
      {"AutoModelForQuestionAnswering", "t5", "T5ForQuestionAnswering", Seq2Seq<t5::family>::qa},
      {"AutoModelForTokenClassification", "t5", "T5ForTokenClassification", Seq2Seq<t5::family>::token},

      {"AutoModel", "whisper", "WhisperModel", Seq2Seq<whisper::family>::base},
      {"AutoModelForSpeechSeq2Seq", "whisper", "WhisperForConditionalGeneration", Seq2Seq<whisper::family>::lm},
      {"AutoModelForAudioClassification", "whisper", "WhisperForAudioClassification", Seq2Seq<whisper::family>::audio_cls},
      {"AutoModelForCausalLM", "whisper", "WhisperForCausalLM", whisper::make_for_causal_lm},

      {"AutoModel", "wav2vec2", "Wav2Vec2Model", Speech<wav2vec2::family>::base},
      {"AutoModelForCTC", "wav2vec2", "Wav2Vec2ForCTC", Speech<wav2vec2::family>::ctc},
      {"AutoModelForAudioClassification", "wav2vec2", "Wav2Vec2ForSequenceClassification", Speech<wav2vec2::family>::seq},
      {"AutoModelForAudioFrameClassification", "wav2vec2", "Wav2Vec2ForAudioFrameClassification", Speech<wav2vec2::family>::frame},
      {"AutoModelForAudioXVector", "wav2vec2", "Wav2Vec2ForXVector", Speech<wav2vec2::family>::xvector},
      {"AutoModelForPreTraining", "wav2vec2", "Wav2Vec2ForPreTraining", Speech<wav2vec2::family>::pretraining},

      {"AutoModel", "hubert", "HubertModel", Speech<hubert::family>::base},
      {"AutoModelForCTC", "hubert", "HubertForCTC", Speech<hubert::family>::ctc},
      {"AutoModelForAudioClassification", "hubert", "HubertForSequenceClassification", Speech<hubert::family>::seq},

      {"AutoModel", "audio-spectrogram-transformer", "ASTModel", audio_spectrogram_transformer::make_model},
      {"AutoModelForAudioClassification", "audio-spectrogram-transformer", "ASTForAudioClassification",
       audio_spectrogram_transformer::make_for_audio_classification},

      {"AutoModel", "vit", "ViTModel", Vit::base},
      {"AutoModelForImageClassification", "vit", "ViTForImageClassification", Vit::image_cls},
      {"AutoModelForMaskedImageModeling", "vit", "ViTForMaskedImageModeling", Vit::mim},

      {"AutoModel", "deit", "DeiTModel", deit::make_model},
      {"AutoModelForImageClassification", "deit", "DeiTForImageClassification", deit::make_for_image_classification},
      {"AutoModelForMaskedImageModeling", "deit", "DeiTForMaskedImageModeling", deit::make_for_masked_image_modeling},

      {"AutoModel", "clip", "CLIPModel", Clip::model},
      {"AutoModelForZeroShotImageClassification", "clip", "CLIPModel", Clip::model},
      {"AutoModelForImageClassification", "clip", "CLIPForImageClassification", Clip::image_cls},
      {"AutoModel", "clip_text_model", "CLIPTextModel", Clip::text},
      {"AutoModel", "clip_vision_model", "CLIPVisionModel", Clip::vision},
      {"AutoModelForTextEncoding", "clip_text_model", "CLIPTextModel", Clip::text},

      {"AutoModel", "siglip", "SiglipModel", siglip::make_model},
      {"AutoModelForZeroShotImageClassification", "siglip", "SiglipModel", siglip::make_model},
      {"AutoModelForImageClassification", "siglip", "SiglipForImageClassification", siglip::make_for_image_classification},
      {"AutoModel", "siglip_vision_model", "SiglipVisionModel", siglip::make_vision_model},

      {"AutoModel", "resnet", "ResNetModel", resnet::make_model},
      {"AutoModelForImageClassification", "resnet", "ResNetForImageClassification", resnet::make_for_image_classification},
      {"AutoModel", "convnext", "ConvNextModel", convnext::make_model},
      {"AutoModelForImageClassification", "convnext", "ConvNextForImageClassification", convnext::make_for_image_classification},
      {"AutoModel", "convnextv2", "ConvNextV2Model", convnext::make_v2_model},
      {"AutoModelForImageClassification", "convnextv2", "ConvNextV2ForImageClassification", convnext::make_v2_for_image_classification},
      {"AutoModelForImageTextToText", "llava", "LlavaForConditionalGeneration", llava::make_for_conditional_generation},
      {"AutoModel", "llava", "LlavaModel", llava::make_model},
      {"AutoModelForPreTraining", "llava", "LlavaForConditionalGeneration", llava::make_for_conditional_generation},
      {"AutoModelForMultimodalLM", "llava", "LlavaForConditionalGeneration", llava::make_for_conditional_generation},
      {"AutoModel", "detr", "DetrModel", detr::make_model},
      {"AutoModel", "dpt", "DPTModel", dpt::make_model},
      {"AutoModelForDepthEstimation", "dpt", "DPTForDepthEstimation", dpt::make_for_depth_estimation},
      {"AutoModelForSemanticSegmentation", "dpt", "DPTForSemanticSegmentation", dpt::make_for_semantic_segmentation},
      {"AutoModelForObjectDetection", "detr", "DetrForObjectDetection", detr::make_for_object_detection},
      {"AutoModelForImageTextToText", "vision-encoder-decoder", "VisionEncoderDecoderModel", Seq2Seq<vision_encoder_decoder::family>::lm},
      {"AutoModelForMultimodalLM", "vision-encoder-decoder", "VisionEncoderDecoderModel", Seq2Seq<vision_encoder_decoder::family>::lm},
      {"AutoModel", "dinov2", "Dinov2Model", dinov2::make_model},
      {"AutoModelForImageClassification", "dinov2", "Dinov2ForImageClassification", dinov2::make_for_image_classification},
      {"AutoModel", "segformer", "SegformerModel", segformer::make_model},
      {"AutoModelForImageClassification", "segformer", "SegformerForImageClassification", segformer::make_for_image_classification},
      {"AutoModelForSemanticSegmentation", "segformer", "SegformerForSemanticSegmentation", segformer::make_for_semantic_segmentation},
      {"AutoModelForDepthEstimation", "depth_anything", "DepthAnythingForDepthEstimation", depth_anything::make_for_depth_estimation},
      {"AutoModel", "swin", "SwinModel", swin::make_model},
      {"AutoModelForImageClassification", "swin", "SwinForImageClassification", swin::make_for_image_classification},
      {"AutoModelForMaskedImageModeling", "swin", "SwinForMaskedImageModeling", swin::make_for_masked_image_modeling},
      {"AutoModel", "mobilenet_v2", "MobileNetV2Model", mobilenet_v2::make_model},
      {"AutoModelForImageClassification", "mobilenet_v2", "MobileNetV2ForImageClassification", mobilenet_v2::make_for_image_classification},
      {"AutoModel", "beit", "BeitModel", beit::make_model},
      {"AutoModelForImageClassification", "beit", "BeitForImageClassification", beit::make_for_image_classification},
      {"AutoModel", "efficientnet", "EfficientNetModel", efficientnet::make_model},
      {"AutoModelForImageClassification", "efficientnet", "EfficientNetForImageClassification", efficientnet::make_for_image_classification},
  };
  return v;
}

const EncoderFamily* decoder_family(const std::string& model_type) {
  static const std::pair<const char*, const EncoderFamily& (*)()> kFamilies[] = {
      {"llama", llama_family}, {"mistral", mistral::family}, {"qwen2", qwen2::family}, {"qwen3", qwen3::family}};
  for (const auto& [type, family] : kFamilies)
    if (model_type == type) return &family();
  return nullptr;
}

const std::vector<std::string>& auto_class_names() {
  static const std::vector<std::string> v = {
      "AutoModel", "AutoModelForMaskedLM", "AutoModelForPreTraining", "AutoModelForCausalLM",
      "AutoModelForSequenceClassification", "AutoModelForTokenClassification", "AutoModelForQuestionAnswering",
      "AutoModelForMultipleChoice", "AutoModelForNextSentencePrediction", "AutoModelForTextEncoding",
      "AutoModelForSeq2SeqLM", "AutoModelForSpeechSeq2Seq", "AutoModelForCTC", "AutoModelForAudioClassification",
      "AutoModelForAudioFrameClassification", "AutoModelForAudioXVector", "AutoModelForImageClassification",
      "AutoModelForMaskedImageModeling", "AutoModelForZeroShotImageClassification",
      "AutoModelForImageTextToText", "AutoModelForSemanticSegmentation", "AutoModelForDepthEstimation",
      "AutoModelForObjectDetection", "AutoModelForMultimodalLM"};
  return v;
}

}  // namespace transformers::registry
