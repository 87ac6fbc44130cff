// transformers-cpp generate: generate() on the inputs of a safetensors file (as forward takes them); writes sequences.
#include <cstdio>
#include <memory>

#include "cli.hpp"

namespace transformers::cli {

namespace {
struct GenerateCmd {
  std::string model, auto_class, inputs, out = "out.safetensors";
  GenFlags flags;
  FromPretrainedOptions load;
};

bool is_seq2seq_lm(const std::string& arch) {
  return arch.find("ConditionalGeneration") != std::string::npos || arch.find("MTModel") != std::string::npos;
}

int run_generate(const GenerateCmd& o) {
  std::string cls = o.auto_class;
  if (cls.empty()) {  // by the architecture: Whisper, image-text models, other encoder-decoders, else a decoder-only LM
    const PretrainedConfig c = AutoConfig::from_pretrained(o.model, ConfigOptions{o.load, {}});
    const std::string a = c.architectures().empty() ? "" : c.architectures()[0];
    cls = a.rfind("Whisper", 0) == 0                                   ? "AutoModelForSpeechSeq2Seq"
          : a == "VisionEncoderDecoderModel" || c.has("vision_config") ? "AutoModelForImageTextToText"
          : is_seq2seq_lm(a)                                           ? "AutoModelForSeq2SeqLM"
                                                                       : "AutoModelForCausalLM";
  }
  auto model = auto_model_from_pretrained(cls, o.model, o.load);
  // Every tensor of the file goes to generate(**inputs), as to forward: the model takes its main
  // input (input_ids, pixel_values, input_features), the mask and what it reads with the prompt
  // (pixel_values, decoder_input_ids, ...), and refuses the rest.
  SafeTensorsFile in = SafeTensorsFile::open(o.inputs);
  ModelInputs inputs;
  for (const auto& t : in.tensors()) inputs[t.name] = in.get(t.name);
  GenerateOutput out = model->generate(inputs, o.flags.config());
  std::vector<std::pair<std::string, Tensor>> tensors{{"sequences", out.sequences}};
  if (out.sequences_scores.defined()) tensors.emplace_back("sequences_scores", out.sequences_scores);
  save_safetensors(tensors, o.out, {{"format", "pt"}});
  std::fprintf(stderr, "%s: wrote sequences%s to %s\n", model->class_name().c_str(), shape_str(out.sequences.shape()).c_str(), o.out.c_str());
  return 0;
}
}  // namespace

Runner register_generate(CLI::App* c) {
  auto o = std::make_shared<GenerateCmd>();
  c->add_option("model", o->model, "model folder or Hub id")->required();
  c->add_option("--auto-class", o->auto_class, "default: AutoModelForSeq2SeqLM for encoder-decoders, else AutoModelForCausalLM");
  c->add_option("--inputs", o->inputs, "safetensors with the model's inputs (input_ids, attention_mask, pixel_values, input_features, ...)")->required();
  c->add_option("--out", o->out);
  c->add_option("--dtype", o->load.dtype);
  c->add_option("--quantization", o->load.quantization, "int8: weight-only int8 at load");
  o->flags.add(c);
  add_model_options(c, o->load);
  return [o] { return run_generate(*o); };
}

}  // namespace transformers::cli
