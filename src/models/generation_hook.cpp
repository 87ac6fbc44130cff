// PreTrainedModel::generate and GenerativeModel::generate: the model side of generate(), which
// hands the decoding to the loop generation/ installed (models/generation_hook.hpp).
#include "models/generation_hook.hpp"

#include "models/generative.hpp"
#include "models/modeling_utils.hpp"
#include "transformers/errors.hpp"

namespace transformers {

namespace {
GenerateLoop g_generate_loop = nullptr;  // constant-initialized: installing at load time is safe
}  // namespace

bool install_generate_loop(GenerateLoop loop) {
  g_generate_loop = loop;
  return true;
}

GenerateOutput PreTrainedModel::generate(const ModelInputs& inputs, const GenerationConfig& config, const GenerateHooks& hooks) {
  const std::string main = main_input_name();
  const Tensor* ids = find_input(inputs, main);
  if (!ids) throw ValueError(class_name() + ".generate: give " + main);
  const Tensor* mask = find_input(inputs, "attention_mask");
  struct Clear {
    PreTrainedModel& m;
    ~Clear() { m.clear_prompt_inputs(); }
  } clear{*this};
  for (const auto& [name, value] : inputs)
    if (name != main && name != "attention_mask" && !set_prompt_input(name, value))
      throw ValueError(class_name() + ".generate: unexpected input '" + name + "'");
  return generate(*ids, config, mask ? *mask : Tensor(), hooks);
}

GenerateOutput PreTrainedModel::generate(const Tensor&, const GenerationConfig&, const Tensor&, const GenerateHooks&) {
  throw ValueError(class_name() + " is not a generative model: use AutoModelForCausalLM (or a Seq2Seq class) to generate");
}

GenerateOutput GenerativeModel::generate(const Tensor& input_ids, const GenerationConfig& overrides, const Tensor& attention_mask,
                                         const GenerateHooks& hooks) {
  if (!g_generate_loop) throw ValueError(class_name() + ".generate: the generation layer is not linked into this program");
  return g_generate_loop(*this, input_ids, overrides, attention_mask, hooks);
}

}  // namespace transformers
