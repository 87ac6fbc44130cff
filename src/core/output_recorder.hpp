#pragma once
// Python's output_hidden_states / output_attentions. transformers 5 collects them with forward hooks
// on the decoder layers and attention modules (utils/output_capturing.py, `_can_record_outputs`); we
// collect them the same way, out of band, so no layer signature has to carry the flags:
// PreTrainedModel::forward(inputs, options) opens a Recording on the calling thread, each family's
// layer loop hands over the hidden states it passes between layers, and ops::attention computes the
// probabilities on the explicit softmax path (Python's attn_implementation="eager") when asked.
// Outside a Recording every call here is a no-op and costs nothing.
#include <string>
#include <utility>
#include <vector>

#include "transformers/tensor.hpp"

namespace transformers::record {

// Whether the open recording wants hidden states / attention probabilities here and now.
bool hidden_states();
bool attentions();
// Appends to "<prefix>hidden_states" (a copy: the caller may reuse the buffer), or to another
// hidden-state stream of that name (Swin's "reshaped_hidden_states").
void hidden_state(const Tensor& h, const char* stream = "hidden_states");
// Appends [batch, heads, q, k] probabilities to "<prefix>attentions" or the AttentionsAs name.
void attention(const Tensor& probs);

// Within its lifetime, what is recorded is named with `prefix` prepended: "encoder_",
// "decoder_", "text_model_output." (scopes nest by concatenation).
class Prefix {
 public:
  explicit Prefix(const std::string& prefix);
  ~Prefix();
  Prefix(const Prefix&) = delete;
  Prefix& operator=(const Prefix&) = delete;

 private:
  std::string saved_;
};

// Within its lifetime, attention probabilities go to `name` as is ("cross_attentions").
class AttentionsAs {
 public:
  explicit AttentionsAs(const std::string& name);
  ~AttentionsAs();
  AttentionsAs(const AttentionsAs&) = delete;
  AttentionsAs& operator=(const AttentionsAs&) = delete;

 private:
  std::string saved_;
};

// Within its lifetime nothing is recorded: sub-modules whose states Python's output does not hold
// (LLaVA's vision tower, SigLIP's attention-pooling head).
class Pause {
 public:
  Pause();
  ~Pause();
  Pause(const Pause&) = delete;
  Pause& operator=(const Pause&) = delete;

 private:
  bool saved_;
};

// One recording per thread at a time; a nested one (a model calling another's forward) is a
// ValueError rather than a silent mix.
class Recording {
 public:
  Recording(bool hidden_states, bool attentions);
  ~Recording();
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;
  // The streams in first-recorded order: {"encoder_hidden_states", [t0, t1, ...]}, ...
  std::vector<std::pair<std::string, std::vector<Tensor>>> take();
};

}  // namespace transformers::record
