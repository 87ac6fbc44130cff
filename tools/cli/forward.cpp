// transformers-cpp forward: one forward pass on a safetensors file of inputs; every output tensor written.
#include <cstdio>
#include <memory>

#include "cli.hpp"

namespace transformers::cli {

namespace {
struct ForwardCmd {
  std::string model, auto_class = "AutoModel", inputs, out = "out.safetensors";
  FromPretrainedOptions load;
  ForwardOptions forward;
};

int run_forward(const ForwardCmd& o) {
  auto model = auto_model_from_pretrained(o.auto_class, o.model, o.load);
  SafeTensorsFile in = SafeTensorsFile::open(o.inputs);
  ModelInputs inputs;
  for (const auto& t : in.tensors()) inputs[t.name] = in.get(t.name);
  ModelOutput out = model->forward(inputs, o.forward);
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& [name, t] : out.fields) tensors.emplace_back(name, is_floating(t.dtype()) ? t.to(DType::F32) : t.to(DType::I64));
  save_safetensors(tensors, o.out, {{"format", "pt"}});
  std::fprintf(stderr, "%s: wrote", model->class_name().c_str());
  for (const auto& [name, t] : tensors) std::fprintf(stderr, " %s%s", name.c_str(), shape_str(t.shape()).c_str());
  std::fprintf(stderr, " to %s\n", o.out.c_str());
  return 0;
}
}  // namespace

Runner register_forward(CLI::App* c) {
  auto o = std::make_shared<ForwardCmd>();
  c->add_option("model", o->model, "model folder or Hub id")->required();
  c->add_option("--auto-class", o->auto_class, "AutoModel, AutoModelForMaskedLM, ...");
  c->add_option("--inputs", o->inputs, "safetensors with input_ids, attention_mask, ...")->required();
  c->add_option("--out", o->out, "output safetensors");
  c->add_option("--dtype", o->load.dtype, "auto, float32, bfloat16, float16");
  c->add_option("--device", o->load.device, "cpu, cuda, cuda:N");
  c->add_flag("--ignore-mismatched-sizes", o->load.ignore_mismatched_sizes);
  c->add_flag("--allow-missing-weights", o->load.allow_missing_weights);
  c->add_flag("--loading-info", o->load.output_loading_info, "print missing / unexpected weights");
  c->add_flag("--output-hidden-states", o->forward.output_hidden_states, "also write hidden_states.0..N (Python's output_hidden_states)");
  c->add_flag("--output-attentions", o->forward.output_attentions, "also write attentions.0..N-1 (Python's output_attentions, eager softmax)");
  add_model_options(c, o->load);
  c->add_option("--endpoint", o->load.endpoint, "Hub endpoint");
  return [o] { return run_forward(*o); };
}

}  // namespace transformers::cli
