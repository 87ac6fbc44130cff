#include "core/output_recorder.hpp"

#include "transformers/errors.hpp"

namespace transformers::record {

namespace {
struct State {
  bool open = false, hidden = false, attn = false, paused = false;
  std::string prefix, attn_name;  // attn_name empty: "<prefix>attentions"
  std::vector<std::pair<std::string, std::vector<Tensor>>> streams;
  void push(const std::string& name, const Tensor& t) {
    for (auto& s : streams)
      if (s.first == name) {
        s.second.push_back(t.clone());
        return;
      }
    streams.push_back({name, {t.clone()}});
  }
};
thread_local State state;
}  // namespace

bool hidden_states() { return state.open && state.hidden && !state.paused; }
bool attentions() { return state.open && state.attn && !state.paused; }

void hidden_state(const Tensor& h, const char* stream) {
  if (hidden_states()) state.push(state.prefix + stream, h);
}
void attention(const Tensor& probs) {
  if (attentions()) state.push(state.attn_name.empty() ? state.prefix + "attentions" : state.attn_name, probs);
}

Prefix::Prefix(const std::string& prefix) : saved_(state.prefix) { state.prefix += prefix; }
Prefix::~Prefix() { state.prefix = saved_; }
AttentionsAs::AttentionsAs(const std::string& name) : saved_(state.attn_name) { state.attn_name = name; }
AttentionsAs::~AttentionsAs() { state.attn_name = saved_; }
Pause::Pause() : saved_(state.paused) { state.paused = true; }
Pause::~Pause() { state.paused = saved_; }

Recording::Recording(bool hidden_states, bool attentions) {
  if (state.open) throw ValueError("a forward pass recording hidden states / attentions is already running on this thread");
  state = State{};
  state.open = true, state.hidden = hidden_states, state.attn = attentions;
}
Recording::~Recording() { state = State{}; }
std::vector<std::pair<std::string, std::vector<Tensor>>> Recording::take() { return std::move(state.streams); }

}  // namespace transformers::record
