#pragma once
// The deterministic inputs PreTrainedModel::dummy_inputs builds, for other benchmark inputs too.
#include "transformers/tensor.hpp"

namespace transformers {

// Deterministic noise in [-0.5, 0.5) (a fixed LCG: the same values every run).
Tensor dummy_noise(const Shape& shape);

}  // namespace transformers
