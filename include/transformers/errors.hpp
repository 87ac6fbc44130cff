#pragma once
// Typed errors. Every failure a user can cause (bad files, bad shapes, unknown types) is one of these,
// carrying the file / key / op and the real values, so the CLI can print one clear line.
#include <stdexcept>
#include <string>

#include "transformers/export.hpp"

namespace transformers {

class TRANSFORMERS_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

// Python raises ValueError for inconsistent registrations and unknown types; we keep the name.
class TRANSFORMERS_API ValueError : public Error { using Error::Error; };
class TRANSFORMERS_API ConfigError : public Error { using Error::Error; };
class TRANSFORMERS_API ShapeMismatch : public Error { using Error::Error; };
class TRANSFORMERS_API UnsupportedDType : public Error { using Error::Error; };
class TRANSFORMERS_API SafetensorsError : public Error { using Error::Error; };
// A GGUF file that is malformed or hostile: bad magic or version, a count, offset, size or
// string out of bounds, an unknown tensor type.
class TRANSFORMERS_API GgufError : public Error { using Error::Error; };
class TRANSFORMERS_API TokenizerError : public Error { using Error::Error; };
class TRANSFORMERS_API JsonError : public Error { using Error::Error; };
class TRANSFORMERS_API TemplateError : public Error { using Error::Error; };  // chat templates: syntax, runtime, raise_exception
// A checkpoint quantized with a method we do not implement (config.json's quantization_config, or
// quantization tensors such as scales / zero points among the checkpoint keys). A ConfigError: the
// configuration asks for a computation this build cannot do.
class TRANSFORMERS_API QuantizationError : public ConfigError { using ConfigError::ConfigError; };
// A pickled PyTorch checkpoint (pytorch_model.bin) that is malformed or needs anything beyond what
// torch.load(weights_only=True) accepts (an unknown global, a call, an object build).
class TRANSFORMERS_API TorchPickleError : public Error { using Error::Error; };

// A tensor used on a device the operation does not serve (host element access to device memory).
class TRANSFORMERS_API DeviceError : public Error { using Error::Error; };
class TRANSFORMERS_API BackendNotCompiled : public Error {
 public:
  explicit BackendNotCompiled(const std::string& backend)
      : Error("backend '" + backend + "' is not compiled into this build of transformers-cpp"), backend(backend) {}
  std::string backend;
};

class TRANSFORMERS_API WeightNotFound : public Error {
 public:
  WeightNotFound(const std::string& key, const std::string& nearest, const std::string& where)
      : Error("weight '" + key + "' not found in " + where +
              (nearest.empty() ? std::string() : " (nearest checkpoint key: '" + nearest + "')")),
        key(key), nearest(nearest) {}
  std::string key, nearest;
};

// Python raises OSError for every file-resolution failure; these mirror huggingface_hub's subclasses.
class TRANSFORMERS_API OSError : public Error { using Error::Error; };
class TRANSFORMERS_API EntryNotFoundError : public OSError { using OSError::OSError; };
class TRANSFORMERS_API RepositoryNotFoundError : public OSError { using OSError::OSError; };
class TRANSFORMERS_API RevisionNotFoundError : public OSError { using OSError::OSError; };
class TRANSFORMERS_API LocalEntryNotFoundError : public OSError { using OSError::OSError; };
class TRANSFORMERS_API HubConnectionError : public OSError { using OSError::OSError; };

}  // namespace transformers
