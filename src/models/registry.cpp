// The one table of built-in architectures: a Family per model_type (registry.hpp), from which
// model_type -> config and (Auto class, model_type) -> model class are expanded. Data only;
// run-time registrations live in auto.cpp / core/config.cpp.
#include "models/registry.hpp"

#include "models/albert/modeling_albert.hpp"
#include "models/bert/modeling_bert.hpp"
#include "models/deberta_v2/modeling_deberta_v2.hpp"
#include "models/distilbert/modeling_distilbert.hpp"
#include "models/electra/modeling_electra.hpp"
#include "models/modernbert/modeling_modernbert.hpp"
#include "models/mpnet/modeling_mpnet.hpp"
#include "models/roberta/modeling_roberta.hpp"
#include "models/gemma3/modeling_gemma3.hpp"
#include "models/gpt2/modeling_gpt2.hpp"
#include "models/bart/modeling_bart.hpp"
#include "models/m2m_100/modeling_m2m_100.hpp"
#include "models/marian/modeling_marian.hpp"
#include "models/mbart/modeling_mbart.hpp"
#include "models/pegasus/modeling_pegasus.hpp"
#include "models/t5/modeling_t5.hpp"
#include "models/whisper/modeling_whisper.hpp"
#include "models/wav2vec2/modeling_wav2vec2.hpp"
#include "models/hubert/modeling_hubert.hpp"
#include "models/audio_spectrogram_transformer/modeling_audio_spectrogram_transformer.hpp"
#include "models/beit/modeling_beit.hpp"
#include "models/clip/modeling_clip.hpp"
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

// The families that are their backbone plus the shared decoder heads: one line each,
// X(folder namespace, backbone function, config function, model_type, class prefix, heads). The
// functions are declared here from the line, so a new Llama-like family needs no include.
#define TRANSFORMERS_DECODER_FAMILIES(X)                                                                       \
  X(llama, family, config_spec, "llama", "Llama", kDecoder | kQuestionAnsweringBC | kInputsEmbeds)             \
  X(mistral, family, config_spec, "mistral", "Mistral", kDecoder | kQuestionAnswering | kInputsEmbeds)        \
  X(mistral, family_ministral, config_spec_ministral, "ministral", "Ministral", kDecoder | kQuestionAnsweringBC) \
  X(helium, family, config_spec, "helium", "Helium", kDecoder)                                                 \
  X(seed_oss, family, config_spec, "seed_oss", "SeedOss", kDecoder | kQuestionAnsweringBC)                     \
  X(olmo2, family_v3, config_spec_v3, "olmo3", "Olmo3", kDecoderLM | kLastTokenSequence)                       \
  X(olmo, family, config_spec, "olmo", "Olmo", kDecoderLM | kLastTokenSequence)                                \
  X(exaone4, family, config_spec, "exaone4", "Exaone4", kDecoder | kPreTrainingLM | kQuestionAnsweringBC)      \
  X(hunyuan_v1_dense, family, config_spec, "hunyuan_v1_dense", "HunYuanDenseV1", kDecoderLM | kLastTokenSequence) \
  X(qwen2, family, config_spec, "qwen2", "Qwen2", kDecoder | kQuestionAnsweringBC | kInputsEmbeds)             \
  X(qwen3, family, config_spec, "qwen3", "Qwen3", kDecoder | kQuestionAnsweringBC | kInputsEmbeds)             \
  X(gemma, family, config_spec, "gemma", "Gemma", kDecoder)                                                    \
  X(gemma2, family, config_spec, "gemma2", "Gemma2", kDecoder)                                                 \
  X(olmo2, family, config_spec, "olmo2", "Olmo2", kDecoderLM | kLastTokenSequence)                             \
  X(granite, family, config_spec, "granite", "Granite", kDecoderLM)                                            \
  X(smollm3, family, config_spec, "smollm3", "SmolLM3", kDecoder | kQuestionAnsweringBC)                       \
  X(phi3, family, config_spec, "phi3", "Phi3", kDecoder)                                                       \
  X(mixtral, family, config_spec, "mixtral", "Mixtral", kDecoder | kQuestionAnswering)                         \
  X(qwen2_moe, family, config_spec, "qwen2_moe", "Qwen2Moe", kDecoder | kQuestionAnswering)                    \
  X(qwen3_moe, family, config_spec, "qwen3_moe", "Qwen3Moe", kDecoder | kQuestionAnsweringBC)                  \
  X(phi, family, config_spec, "phi", "Phi", kDecoder)                                                          \
  X(stablelm, family, config_spec, "stablelm", "StableLm", kDecoder)                                           \
  X(cohere, family, config_spec, "cohere", "Cohere", kDecoderLM)                                               \
  X(cohere, family_v2, config_spec_v2, "cohere2", "Cohere2", kDecoderLM)                                       \
  X(glm, family, config_spec, "glm", "Glm", kDecoder)                                                          \
  X(glm4, family, config_spec, "glm4", "Glm4", kDecoder)                                                       \
  X(ernie4_5, family, config_spec, "ernie4_5", "Ernie4_5", kDecoderLM)                                         \
  X(starcoder2, family, config_spec, "starcoder2", "Starcoder2", kDecoder)                                     \
  X(gpt_neox, family, config_spec, "gpt_neox", "GPTNeoX", kDecoderLM | kLastTokenSequence | kToken | kQuestionAnswering) \
  X(opt, family, config_spec, "opt", "OPT", kDecoderLM | kLastTokenSequence | kQuestionAnswering)              \
  X(gpt_oss, family, config_spec, "gpt_oss", "GptOss", kDecoder)                                               \
  X(deepseek_v3, family, config_spec, "deepseek_v3", "DeepseekV3", kDecoder)                                   \
  X(falcon, family, config_spec, "falcon", "Falcon", kDecoderLM | kLastTokenSequence | kToken | kQuestionAnswering)

}  // namespace transformers::registry

#define TRANSFORMERS_DECLARE_FAMILY(ns, backbone, config, type, prefix, heads) \
  namespace transformers::ns {                                                \
  ConfigSpec config();                                                        \
  const EncoderFamily& backbone();                                            \
  }
TRANSFORMERS_DECODER_FAMILIES(TRANSFORMERS_DECLARE_FAMILY)
#undef TRANSFORMERS_DECLARE_FAMILY

namespace transformers::registry {

namespace {
ConfigSpec roberta_spec() { return roberta::config_spec("roberta", "RobertaConfig"); }
ConfigSpec xlm_roberta_spec() { return roberta::config_spec("xlm-roberta", "XLMRobertaConfig"); }
ConfigSpec camembert_spec() { return roberta::config_spec("camembert", "CamembertConfig"); }

using Make = std::unique_ptr<PreTrainedModel> (*)(const PretrainedConfig&);
using Backbone = const EncoderFamily& (*)();

// The shared heads on a family's backbone, one per Head bit.
ModelFactory head_factory(Head h, Backbone f) {
  switch (h) {
    case kBase:
    case kTextEncoding: return [f](const PretrainedConfig& c) { return make_base_model(c, f()); };
    case kCausalLM:
    case kPreTrainingLM: return [f](const PretrainedConfig& c) { return make_causal_lm(c, f()); };
    case kLastTokenSequence: return [f](const PretrainedConfig& c) { return make_last_token_classification(c, f()); };
    case kPooledSequence: return [f](const PretrainedConfig& c) { return make_pooled_sequence_classification(c, f()); };
    case kScoreToken:
      return [f](const PretrainedConfig& c) {
        return make_token_classification(c, f(), "score", c.get_bool("token_classification_bias", true));
      };
    case kToken: return [f](const PretrainedConfig& c) { return make_token_classification(c, f()); };
    case kQuestionAnswering: return [f](const PretrainedConfig& c) { return make_question_answering(c, f()); };
    case kQuestionAnsweringBC:
      return [f](const PretrainedConfig& c) {
        EncoderFamily g = f();
        g.prefix = "transformer";
        return make_question_answering(c, g);
      };
    case kMultipleChoice: return [f](const PretrainedConfig& c) { return make_pooled_multiple_choice(c, f()); };
    default: break;
  }
  return {};
}

struct HeadRow {
  Head head;
  const char* auto_class;
  const char* suffix;
};
constexpr HeadRow kHeadRows[] = {
    {kBase, "AutoModel", "Model"},
    {kTextEncoding, "AutoModelForTextEncoding", "Model"},
    {kCausalLM, "AutoModelForCausalLM", "ForCausalLM"},
    {kPreTrainingLM, "AutoModelForPreTraining", "ForCausalLM"},
    {kLastTokenSequence, "AutoModelForSequenceClassification", "ForSequenceClassification"},
    {kPooledSequence, "AutoModelForSequenceClassification", "ForSequenceClassification"},
    {kScoreToken, "AutoModelForTokenClassification", "ForTokenClassification"},
    {kToken, "AutoModelForTokenClassification", "ForTokenClassification"},
    {kQuestionAnswering, "AutoModelForQuestionAnswering", "ForQuestionAnswering"},
    {kQuestionAnsweringBC, "AutoModelForQuestionAnswering", "ForQuestionAnswering"},
    {kMultipleChoice, "AutoModelForMultipleChoice", "ForMultipleChoice"},
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
std::unique_ptr<PreTrainedModel> mpnet_mlm(const PretrainedConfig& c) { return roberta::make_lm_head_model(c, mpnet::family()); }
std::unique_ptr<PreTrainedModel> mpnet_seq(const PretrainedConfig& c) {
  return make_cls_head_sequence_classification(c, mpnet::family(), ops::Activation::Tanh);
}
// RoBERTa's classes, shared by XLM-RoBERTa and CamemBERT under their own names.
std::vector<AutoRow> roberta_rows(const std::string& p) {
  return {{"AutoModelForMaskedLM", p + "ForMaskedLM", roberta::make_for_masked_lm},
          {"AutoModelForPreTraining", p + "ForMaskedLM", roberta::make_for_masked_lm},
          {"AutoModelForSequenceClassification", p + "ForSequenceClassification", roberta::make_for_sequence_classification},
          {"AutoModelForCausalLM", p + "ForCausalLM", roberta::make_for_masked_lm}};
}
constexpr uint32_t kEncoder = kBase | kToken | kQuestionAnswering;
ModelFactory lm_of(Backbone f) { return head_factory(kCausalLM, f); }
}  // namespace

const std::vector<Family>& families() {
  static const std::vector<Family> v = {
      {"bert", bert::config_spec, "Bert", bert::family, kEncoder | kTextEncoding | kPooledSequence | kMultipleChoice,
       {{"AutoModelForMaskedLM", "BertForMaskedLM", bert::make_for_masked_lm},
        {"AutoModelForPreTraining", "BertForPreTraining", bert::make_for_pretraining},
        {"AutoModelForNextSentencePrediction", "BertForNextSentencePrediction", bert::make_for_next_sentence},
        // BertLMHeadModel is BertForMaskedLM's tree; the causal mask comes from config.is_decoder.
        {"AutoModelForCausalLM", "BertLMHeadModel", bert::make_for_masked_lm}}},
      {"roberta", roberta_spec, "Roberta", roberta::family, kEncoder | kTextEncoding | kMultipleChoice, roberta_rows("Roberta")},
      {"xlm-roberta", xlm_roberta_spec, "XLMRoberta", roberta::family, kEncoder | kTextEncoding | kMultipleChoice,
       roberta_rows("XLMRoberta")},
      {"camembert", camembert_spec, "Camembert", roberta::family, kEncoder | kMultipleChoice, roberta_rows("Camembert")},
      {"electra", electra::config_spec, "Electra", electra::family, kEncoder | kTextEncoding,
       {{"AutoModelForMaskedLM", "ElectraForMaskedLM", electra::make_for_masked_lm},
        {"AutoModelForPreTraining", "ElectraForPreTraining", electra::make_for_pretraining},
        {"AutoModelForSequenceClassification", "ElectraForSequenceClassification", electra::make_for_sequence_classification},
        {"AutoModelForMultipleChoice", "ElectraForMultipleChoice", electra::make_for_multiple_choice},
        {"AutoModelForCausalLM", "ElectraForCausalLM", electra::make_for_masked_lm}}},
      {"deberta-v2", deberta_v2::config_spec, "DebertaV2", deberta_v2::family, kEncoder | kTextEncoding,
       {{"AutoModelForMaskedLM", "DebertaV2ForMaskedLM", deberta_v2::make_for_masked_lm},
        {"AutoModelForSequenceClassification", "DebertaV2ForSequenceClassification", deberta_v2::make_for_sequence_classification},
        {"AutoModelForMultipleChoice", "DebertaV2ForMultipleChoice", deberta_v2::make_for_multiple_choice},
        {"AutoModelForPreTraining", "DebertaV2ForMaskedLM", deberta_v2::make_for_masked_lm}}},
      {"distilbert", distilbert::config_spec, "DistilBert", distilbert::family, kEncoder | kTextEncoding,
       {{"AutoModelForMaskedLM", "DistilBertForMaskedLM", distilbert::make_for_masked_lm},
        {"AutoModelForPreTraining", "DistilBertForMaskedLM", distilbert::make_for_masked_lm},
        {"AutoModelForSequenceClassification", "DistilBertForSequenceClassification", distilbert::make_for_sequence_classification},
        {"AutoModelForMultipleChoice", "DistilBertForMultipleChoice", distilbert::make_for_multiple_choice}}},
      {"albert", albert::config_spec, "Albert", albert::family, kEncoder | kTextEncoding | kPooledSequence | kMultipleChoice,
       {{"AutoModelForMaskedLM", "AlbertForMaskedLM", albert::make_for_masked_lm},
        {"AutoModelForPreTraining", "AlbertForPreTraining", albert::make_for_pretraining}}},
      {"mpnet", mpnet::config_spec, "MPNet", mpnet::family, kEncoder | kMultipleChoice,
       {{"AutoModelForMaskedLM", "MPNetForMaskedLM", mpnet_mlm},
        {"AutoModelForPreTraining", "MPNetForMaskedLM", mpnet_mlm},
        {"AutoModelForSequenceClassification", "MPNetForSequenceClassification", mpnet_seq}}},
      {"modernbert", modernbert::config_spec, "ModernBert", modernbert::family, kBase,
       {{"AutoModelForMaskedLM", "ModernBertForMaskedLM", modernbert::make_for_masked_lm},
        {"AutoModelForSequenceClassification", "ModernBertForSequenceClassification", modernbert::make_for_sequence_classification},
        {"AutoModelForTokenClassification", "ModernBertForTokenClassification", modernbert::make_for_token_classification},
        {"AutoModelForQuestionAnswering", "ModernBertForQuestionAnswering", modernbert::make_for_question_answering},
        {"AutoModelForMultipleChoice", "ModernBertForMultipleChoice", modernbert::make_for_multiple_choice}}},

#define TRANSFORMERS_FAMILY_ROW(ns, backbone, config, type, prefix, heads) {type, ns::config, prefix, ns::backbone, heads},
      TRANSFORMERS_DECODER_FAMILIES(TRANSFORMERS_FAMILY_ROW)
#undef TRANSFORMERS_FAMILY_ROW
      // Decoders whose class names stray from the pattern.
      {"gemma3_text", gemma3::config_spec, "Gemma3Text", gemma3::family, kBase | kLastTokenSequence,
       {{"AutoModelForCausalLM", "Gemma3ForCausalLM", lm_of(gemma3::family)}}},
      {"gpt2", gpt2::config_spec, "GPT2", gpt2::family, kBase | kLastTokenSequence | kToken | kQuestionAnswering,
       {{"AutoModelForCausalLM", "GPT2LMHeadModel", lm_of(gpt2::family)},
        {"AutoModelForPreTraining", "GPT2LMHeadModel", lm_of(gpt2::family)}}},

      {"bart", bart::config_spec, "Bart", nullptr, 0,
       {{"AutoModel", "BartModel", Seq2Seq<bart::family>::base},
        {"AutoModelForSeq2SeqLM", "BartForConditionalGeneration", Seq2Seq<bart::family>::lm},
        {"AutoModelForPreTraining", "BartForConditionalGeneration", Seq2Seq<bart::family>::lm},
        {"AutoModelForMaskedLM", "BartForConditionalGeneration", Seq2Seq<bart::family>::lm},
        {"AutoModelForSequenceClassification", "BartForSequenceClassification", Seq2Seq<bart::family>::seq},
        {"AutoModelForQuestionAnswering", "BartForQuestionAnswering", Seq2Seq<bart::family>::qa},
        {"AutoModelForCausalLM", "BartForCausalLM", bart::make_for_causal_lm}}},
      {"mbart", mbart::config_spec, "MBart", nullptr, 0,
       {{"AutoModel", "MBartModel", Seq2Seq<mbart::family>::base},
        {"AutoModelForSeq2SeqLM", "MBartForConditionalGeneration", Seq2Seq<mbart::family>::lm},
        {"AutoModelForMaskedLM", "MBartForConditionalGeneration", Seq2Seq<mbart::family>::lm},
        {"AutoModelForSequenceClassification", "MBartForSequenceClassification", Seq2Seq<mbart::family>::seq},
        {"AutoModelForQuestionAnswering", "MBartForQuestionAnswering", Seq2Seq<mbart::family>::qa},
        {"AutoModelForCausalLM", "MBartForCausalLM", mbart::make_for_causal_lm}}},
      {"marian", marian::config_spec, "Marian", nullptr, 0,
       {{"AutoModel", "MarianModel", Seq2Seq<marian::family>::base},
        {"AutoModelForSeq2SeqLM", "MarianMTModel", Seq2Seq<marian::family>::lm},
        {"AutoModelForCausalLM", "MarianForCausalLM", marian::make_for_causal_lm}}},
      {"pegasus", pegasus::config_spec, "Pegasus", nullptr, 0,
       {{"AutoModel", "PegasusModel", Seq2Seq<pegasus::family>::base},
        {"AutoModelForSeq2SeqLM", "PegasusForConditionalGeneration", Seq2Seq<pegasus::family>::lm},
        {"AutoModelForCausalLM", "PegasusForCausalLM", pegasus::make_for_causal_lm}}},
      {"m2m_100", m2m_100::config_spec, "M2M100", nullptr, 0,
       {{"AutoModel", "M2M100Model", Seq2Seq<m2m_100::family>::base},
        {"AutoModelForSeq2SeqLM", "M2M100ForConditionalGeneration", Seq2Seq<m2m_100::family>::lm}}},
      {"t5", t5::config_spec, "T5", nullptr, 0,
       {{"AutoModel", "T5Model", Seq2Seq<t5::family>::base},
        {"AutoModelForSeq2SeqLM", "T5ForConditionalGeneration", Seq2Seq<t5::family>::lm},
        {"AutoModelForPreTraining", "T5ForConditionalGeneration", Seq2Seq<t5::family>::lm},
        {"AutoModelForTextEncoding", "T5EncoderModel", Seq2Seq<t5::family>::encoder},
        {"AutoModelForSequenceClassification", "T5ForSequenceClassification", Seq2Seq<t5::family>::seq},
        {"AutoModelForQuestionAnswering", "T5ForQuestionAnswering", Seq2Seq<t5::family>::qa},
        {"AutoModelForTokenClassification", "T5ForTokenClassification", Seq2Seq<t5::family>::token}}},
      {"whisper", whisper::config_spec, "Whisper", nullptr, 0,
       {{"AutoModel", "WhisperModel", Seq2Seq<whisper::family>::base},
        {"AutoModelForSpeechSeq2Seq", "WhisperForConditionalGeneration", Seq2Seq<whisper::family>::lm},
        {"AutoModelForAudioClassification", "WhisperForAudioClassification", Seq2Seq<whisper::family>::audio_cls},
        {"AutoModelForCausalLM", "WhisperForCausalLM", whisper::make_for_causal_lm}}},

      {"wav2vec2", wav2vec2::config_spec, "Wav2Vec2", nullptr, 0,
       {{"AutoModel", "Wav2Vec2Model", Speech<wav2vec2::family>::base},
        {"AutoModelForCTC", "Wav2Vec2ForCTC", Speech<wav2vec2::family>::ctc},
        {"AutoModelForAudioClassification", "Wav2Vec2ForSequenceClassification", Speech<wav2vec2::family>::seq},
        {"AutoModelForAudioFrameClassification", "Wav2Vec2ForAudioFrameClassification", Speech<wav2vec2::family>::frame},
        {"AutoModelForAudioXVector", "Wav2Vec2ForXVector", Speech<wav2vec2::family>::xvector},
        {"AutoModelForPreTraining", "Wav2Vec2ForPreTraining", Speech<wav2vec2::family>::pretraining}}},
      {"hubert", hubert::config_spec, "Hubert", nullptr, 0,
       {{"AutoModel", "HubertModel", Speech<hubert::family>::base},
        {"AutoModelForCTC", "HubertForCTC", Speech<hubert::family>::ctc},
        {"AutoModelForAudioClassification", "HubertForSequenceClassification", Speech<hubert::family>::seq}}},
      {"audio-spectrogram-transformer", audio_spectrogram_transformer::config_spec, "AST", nullptr, 0,
       {{"AutoModel", "ASTModel", audio_spectrogram_transformer::make_model},
        {"AutoModelForAudioClassification", "ASTForAudioClassification", audio_spectrogram_transformer::make_for_audio_classification}}},

      {"vit", vit::config_spec, "ViT", nullptr, 0,
       {{"AutoModel", "ViTModel", Vit::base},
        {"AutoModelForImageClassification", "ViTForImageClassification", Vit::image_cls},
        {"AutoModelForMaskedImageModeling", "ViTForMaskedImageModeling", Vit::mim}}},
      {"deit", deit::config_spec, "DeiT", nullptr, 0,
       {{"AutoModel", "DeiTModel", deit::make_model},
        {"AutoModelForImageClassification", "DeiTForImageClassification", deit::make_for_image_classification},
        {"AutoModelForMaskedImageModeling", "DeiTForMaskedImageModeling", deit::make_for_masked_image_modeling}}},
      {"clip", clip::config_spec, "CLIP", nullptr, 0,
       {{"AutoModel", "CLIPModel", Clip::model},
        {"AutoModelForZeroShotImageClassification", "CLIPModel", Clip::model},
        {"AutoModelForImageClassification", "CLIPForImageClassification", Clip::image_cls}}},
      {"clip_text_model", clip::text_config_spec, "CLIPText", nullptr, 0,
       {{"AutoModel", "CLIPTextModel", Clip::text}, {"AutoModelForTextEncoding", "CLIPTextModel", Clip::text}}},
      {"clip_vision_model", clip::vision_config_spec, "CLIPVision", nullptr, 0, {{"AutoModel", "CLIPVisionModel", Clip::vision}}},
      {"siglip", siglip::config_spec, "Siglip", nullptr, 0,
       {{"AutoModel", "SiglipModel", siglip::make_model},
        {"AutoModelForZeroShotImageClassification", "SiglipModel", siglip::make_model},
        {"AutoModelForImageClassification", "SiglipForImageClassification", siglip::make_for_image_classification}}},
      {"siglip_text_model", siglip::text_config_spec, "SiglipText"},
      {"siglip_vision_model", siglip::vision_config_spec, "SiglipVision", nullptr, 0,
       {{"AutoModel", "SiglipVisionModel", siglip::make_vision_model}}},
      {"resnet", resnet::config_spec, "ResNet", nullptr, 0,
       {{"AutoModel", "ResNetModel", resnet::make_model},
        {"AutoModelForImageClassification", "ResNetForImageClassification", resnet::make_for_image_classification},
        {"AutoBackbone", "ResNetBackbone", resnet::make_backbone}}},
      {"convnext", convnext::config_spec, "ConvNext", nullptr, 0,
       {{"AutoModel", "ConvNextModel", convnext::make_model},
        {"AutoModelForImageClassification", "ConvNextForImageClassification", convnext::make_for_image_classification},
        {"AutoBackbone", "ConvNextBackbone", convnext::make_backbone}}},
      {"convnextv2", convnext::v2_config_spec, "ConvNextV2", nullptr, 0,
       {{"AutoModel", "ConvNextV2Model", convnext::make_v2_model},
        {"AutoModelForImageClassification", "ConvNextV2ForImageClassification", convnext::make_v2_for_image_classification},
        {"AutoBackbone", "ConvNextV2Backbone", convnext::make_v2_backbone}}},
      {"llava", llava::config_spec, "Llava", nullptr, 0,
       {{"AutoModelForImageTextToText", "LlavaForConditionalGeneration", llava::make_for_conditional_generation},
        {"AutoModel", "LlavaModel", llava::make_model},
        {"AutoModelForPreTraining", "LlavaForConditionalGeneration", llava::make_for_conditional_generation},
        {"AutoModelForMultimodalLM", "LlavaForConditionalGeneration", llava::make_for_conditional_generation}}},
      {"detr", detr::config_spec, "Detr", nullptr, 0,
       {{"AutoModel", "DetrModel", detr::make_model},
        {"AutoModelForObjectDetection", "DetrForObjectDetection", detr::make_for_object_detection},
        {"AutoModelForImageSegmentation", "DetrForSegmentation", detr::make_for_segmentation},
        {"AutoModelForUniversalSegmentation", "DetrForSegmentation", detr::make_for_segmentation}}},
      {"dpt", dpt::config_spec, "DPT", nullptr, 0,
       {{"AutoModel", "DPTModel", dpt::make_model},
        {"AutoModelForDepthEstimation", "DPTForDepthEstimation", dpt::make_for_depth_estimation},
        {"AutoModelForSemanticSegmentation", "DPTForSemanticSegmentation", dpt::make_for_semantic_segmentation}}},
      {"trocr", trocr::config_spec, "TrOCR"},
      {"vision-encoder-decoder", vision_encoder_decoder::config_spec, "VisionEncoderDecoder", nullptr, 0,
       {{"AutoModelForImageTextToText", "VisionEncoderDecoderModel", Seq2Seq<vision_encoder_decoder::family>::lm},
        {"AutoModelForMultimodalLM", "VisionEncoderDecoderModel", Seq2Seq<vision_encoder_decoder::family>::lm}}},
      {"dinov2", dinov2::config_spec, "Dinov2", nullptr, 0,
       {{"AutoModel", "Dinov2Model", dinov2::make_model},
        {"AutoModelForImageClassification", "Dinov2ForImageClassification", dinov2::make_for_image_classification},
        {"AutoBackbone", "Dinov2Backbone", dinov2::make_backbone_model}}},
      {"segformer", segformer::config_spec, "Segformer", nullptr, 0,
       {{"AutoModel", "SegformerModel", segformer::make_model},
        {"AutoModelForImageClassification", "SegformerForImageClassification", segformer::make_for_image_classification},
        {"AutoModelForSemanticSegmentation", "SegformerForSemanticSegmentation", segformer::make_for_semantic_segmentation}}},
      {"depth_anything", depth_anything::config_spec, "DepthAnything", nullptr, 0,
       {{"AutoModelForDepthEstimation", "DepthAnythingForDepthEstimation", depth_anything::make_for_depth_estimation}}},
      {"swin", swin::config_spec, "Swin", nullptr, 0,
       {{"AutoModel", "SwinModel", swin::make_model},
        {"AutoModelForImageClassification", "SwinForImageClassification", swin::make_for_image_classification},
        {"AutoModelForMaskedImageModeling", "SwinForMaskedImageModeling", swin::make_for_masked_image_modeling},
        {"AutoBackbone", "SwinBackbone", swin::make_backbone}}},
      {"mobilenet_v2", mobilenet_v2::config_spec, "MobileNetV2", nullptr, 0,
       {{"AutoModel", "MobileNetV2Model", mobilenet_v2::make_model},
        {"AutoModelForImageClassification", "MobileNetV2ForImageClassification", mobilenet_v2::make_for_image_classification},
        {"AutoModelForSemanticSegmentation", "MobileNetV2ForSemanticSegmentation", mobilenet_v2::make_for_semantic_segmentation}}},
      {"beit", beit::config_spec, "Beit", nullptr, 0,
       {{"AutoModel", "BeitModel", beit::make_model},
        {"AutoModelForImageClassification", "BeitForImageClassification", beit::make_for_image_classification},
        {"AutoModelForSemanticSegmentation", "BeitForSemanticSegmentation", beit::make_for_semantic_segmentation},
        {"AutoBackbone", "BeitBackbone", beit::make_backbone}}},
      {"efficientnet", efficientnet::config_spec, "EfficientNet", nullptr, 0,
       {{"AutoModel", "EfficientNetModel", efficientnet::make_model},
        {"AutoModelForImageClassification", "EfficientNetForImageClassification", efficientnet::make_for_image_classification}}},
  };
  return v;
}

const std::vector<ConfigEntry>& builtin_configs() {
  static const std::vector<ConfigEntry> v = [] {
    std::vector<ConfigEntry> r;
    for (const Family& f : families()) r.push_back({f.model_type, f.config});
    return r;
  }();
  return v;
}

// Each family's shared heads (in kHeadRows' order), then its own classes.
const std::vector<ModelEntry>& builtin_models() {
  static const std::vector<ModelEntry> v = [] {
    std::vector<ModelEntry> r;
    for (const Family& f : families()) {
      for (const HeadRow& h : kHeadRows)
        if (f.heads & h.head) r.push_back({h.auto_class, f.model_type, f.class_prefix + h.suffix, head_factory(h.head, f.backbone)});
      for (const AutoRow& row : f.rows) r.push_back({row.auto_class, f.model_type, row.class_name, row.factory});
    }
    return r;
  }();
  return v;
}

const EncoderFamily* decoder_family(const std::string& model_type) {
  for (const Family& f : families())
    if ((f.heads & kInputsEmbeds) && model_type == f.model_type) return &f.backbone();
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
      "AutoModelForObjectDetection", "AutoModelForMultimodalLM",
      "AutoModelForImageSegmentation", "AutoModelForUniversalSegmentation", "AutoBackbone"};
  return v;
}

}  // namespace transformers::registry
