// PreTrainedModel::dummy_inputs: benchmark inputs named and shaped by the model's main input, so
// callers (bench) need no branch on model types.
#include <cstdint>
#include <vector>

#include "models/dummy_inputs.hpp"
#include "transformers/errors.hpp"
#include "transformers/modeling.hpp"

namespace transformers {

Tensor dummy_noise(const Shape& shape) {
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  uint64_t state = 7;
  for (auto& x : v) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    x = static_cast<float>((state >> 40) % 65536) / 65536.0f - 0.5f;
  }
  return Tensor::from_floats(v, shape);
}

ModelInputs PreTrainedModel::dummy_inputs(int64_t batch, int64_t seq) const {
  if (batch <= 0 || seq <= 0) throw ValueError("dummy_inputs: batch and seq must be positive");
  const PretrainedConfig& c = config();
  const std::string main = main_input_name();
  if (main == "pixel_values") {  // one image_size x image_size picture per row (224 when the config has none)
    const int64_t side = c.has("image_size") ? c.get_int("image_size") : 224;
    return {{"pixel_values", dummy_noise({batch, c.get_int("num_channels", 3), side, side})}};
  }
  if (main == "input_values") return {{"input_values", dummy_noise({batch, seq})}};  // seq samples of waveform
  if (main == "input_features") {  // a full window of log-mel frames; the decoder starts from its start token
    const int64_t frames = 2 * c.get_int("max_source_positions");
    return {{"input_features", dummy_noise({batch, c.get_int("num_mel_bins"), frames})},
            {"decoder_input_ids", Tensor::full({batch, 1}, static_cast<double>(c.get_int("decoder_start_token_id")), DType::I64)}};
  }
  if (main != "input_ids") throw ValueError(class_name() + ": no dummy inputs for main input " + main);
  const int64_t vocab = c.get_int("vocab_size", 1);
  std::vector<int64_t> ids(static_cast<size_t>(batch * seq));
  uint64_t state = 42;  // fixed LCG: the same ids every run
  for (auto& v : ids) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    v = static_cast<int64_t>((state >> 33) % static_cast<uint64_t>(vocab));
  }
  ModelInputs in{{"input_ids", Tensor::from_ints(ids, {batch, seq})}, {"attention_mask", Tensor::full({batch, seq}, 1.0, DType::I64)}};
  if (c.get_bool("is_encoder_decoder", false)) in["decoder_input_ids"] = in["input_ids"];
  return in;
}

}  // namespace transformers
