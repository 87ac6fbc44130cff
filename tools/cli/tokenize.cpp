// transformers-cpp tokenize: JSON lines through the model's tokenizer.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "io/json.hpp"

namespace transformers::cli {

namespace {
struct TokenizeCmd {
  std::string model, jsonl;
  bool batch = false;
  int64_t max_length = -1;
  TokenizerCallOptions call;
  TokenizerOptions hub;
};

// One JSON line per input: ids, tokens, offsets, masks and both decodes (DESIGN.md tokenize contract).
int tokenize_jsonl(const std::string& model_id, const std::string& jsonl, bool batch, const TokenizerCallOptions& base,
                   const TokenizerOptions& to) {
  auto tok = AutoTokenizer::from_pretrained(model_id, to);
  std::ifstream in(jsonl);
  if (!in) throw OSError("cannot open '" + jsonl + "'");
  std::vector<std::string> texts, pairs, targets;
  std::vector<bool> has_pair, add_special;
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw ValueError(jsonl + ":" + std::to_string(lineno) + ": malformed JSON: " + e.what());
    }
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string())
      throw ValueError(jsonl + ":" + std::to_string(lineno) + ": each line needs a string \"text\"");
    texts.push_back(j["text"].get<std::string>());
    has_pair.push_back(j.contains("pair") && j["pair"].is_string());
    pairs.push_back(has_pair.back() ? j["pair"].get<std::string>() : "");
    add_special.push_back(json_value<ValueError>(j, "add_special_tokens", true, jsonl + ":" + std::to_string(lineno)));
    if (j.contains("text_target") && !j["text_target"].is_string())
      throw ValueError(jsonl + ":" + std::to_string(lineno) + ": \"text_target\" must be a string");
    if (j.contains("text_target")) targets.push_back(j["text_target"].get<std::string>());
    if (!targets.empty() && targets.size() != texts.size())
      throw ValueError(jsonl + ":" + std::to_string(lineno) + ": give a \"text_target\" on every line or on none");
  }
  // tokenizer(text, text_target=...): the targets' ids as "labels" on each line.
  std::vector<std::vector<int64_t>> labels;
  if (!targets.empty()) {
    if (batch) {
      labels = tok->encode_with_targets(texts, targets, base).labels;
    } else {
      for (size_t i = 0; i < texts.size(); ++i) {
        TokenizerCallOptions o = base;
        o.add_special_tokens = add_special[i];
        labels.push_back(tok->encode_with_targets({texts[i]}, {targets[i]}, o).labels.at(0));
      }
    }
  }
  size_t printed = 0;
  auto print = [&](const Encoding& e, bool full) {
    nlohmann::ordered_json o;
    o["ids"] = e.ids;
    if (full) {
      o["tokens"] = e.tokens;
      nlohmann::json offs = nlohmann::json::array();
      for (auto [a, b] : e.offsets) offs.push_back({a, b});
      o["offsets"] = offs;
    }
    o["attention_mask"] = e.attention_mask;
    if (full || std::find(tok->model_input_names().begin(), tok->model_input_names().end(), "token_type_ids") !=
                    tok->model_input_names().end())
      o["type_ids"] = e.type_ids;
    if (full) {
      o["decode"] = tok->decode(e.ids, false);
      o["decode_skip"] = tok->decode(e.ids, true);
    }
    if (!labels.empty()) o["labels"] = labels.at(printed);
    ++printed;
    std::cout << o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  };
  if (batch) {
    const bool any_pair = std::any_of(has_pair.begin(), has_pair.end(), [](bool b) { return b; });
    if (any_pair && !std::all_of(has_pair.begin(), has_pair.end(), [](bool b) { return b; }))
      throw ValueError("--batch needs a pair on every line or on none");
    BatchEncoding be = (*tok)(texts, any_pair ? &pairs : nullptr, base);
    for (const auto& e : be.encodings) print(e, false);
    return 0;
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    TokenizerCallOptions o = base;
    o.add_special_tokens = add_special[i];
    print(tok->encode(texts[i], has_pair[i] ? &pairs[i] : nullptr, o), true);
  }
  return 0;
}

}  // namespace

Runner register_tokenize(CLI::App* c) {
  auto o = std::make_shared<TokenizeCmd>();
  c->add_option("model", o->model, "model folder or Hub id")->required();
  c->add_option("--jsonl", o->jsonl, "input lines {text, pair?, add_special_tokens?}")->required();
  c->add_flag("--batch", o->batch, "encode all lines as one padded batch");
  c->add_option("--padding", o->call.padding, "longest | max_length");
  c->add_option("--truncation", o->call.truncation, "longest_first | only_first | only_second");
  c->add_option("--max-length", o->max_length);
  c->add_option("--stride", o->call.stride);
  add_hub_options(c, o->hub);
  return [o] {
    TokenizerCallOptions call = o->call;
    if (o->max_length >= 0) call.max_length = o->max_length;
    return tokenize_jsonl(o->model, o->jsonl, o->batch, call, o->hub);
  };
}

}  // namespace transformers::cli
