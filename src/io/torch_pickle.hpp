#pragma once
// Reading pytorch_model.bin (torch.save's zip archive: <archive>/data.pkl, <archive>/data/<key>,
// <archive>/byteorder; also the legacy pre-1.6 stream) without executing anything: a pickle
// machine that knows only the opcodes and globals torch.load(weights_only=True) accepts and
// interprets them itself (tensors rebuilt from storages, OrderedDict, Parameter). Anything else,
// and every malformed archive, is a TorchPickleError naming the file and the offending item.
#include <string>
#include <utility>
#include <vector>

#include "transformers/tensor.hpp"

namespace transformers {

using StateDict = std::vector<std::pair<std::string, Tensor>>;

// The state dict saved in `path` (name -> contiguous CPU tensor in the saved dtype, file order).
StateDict load_torch_state_dict(const std::string& path);
// The same from bytes already in memory; `name` is used in messages.
StateDict load_torch_state_dict_from_bytes(const std::string& bytes, const std::string& name);

// Whether `path` names a pickled torch checkpoint by its extension (.bin, .pt, .pth, .ckpt).
bool is_torch_checkpoint_path(const std::string& path);

}  // namespace transformers
