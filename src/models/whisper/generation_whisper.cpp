#include "models/whisper/generation_whisper.hpp"

#include <algorithm>
#include <map>

#include "transformers/errors.hpp"

namespace transformers::whisper {

namespace {

// Whisper's language names and aliases -> codes (tokenization_whisper.TO_LANGUAGE_CODE).
const std::map<std::string, std::string>& language_codes() {
  static const std::map<std::string, std::string> m = {
      {"afrikaans", "af"}, {"albanian", "sq"}, {"amharic", "am"}, {"arabic", "ar"}, {"armenian", "hy"}, {"assamese", "as"},
      {"azerbaijani", "az"}, {"bashkir", "ba"}, {"basque", "eu"}, {"belarusian", "be"}, {"bengali", "bn"}, {"bosnian", "bs"},
      {"breton", "br"}, {"bulgarian", "bg"}, {"cantonese", "yue"}, {"catalan", "ca"}, {"chinese", "zh"}, {"croatian", "hr"},
      {"czech", "cs"}, {"danish", "da"}, {"dutch", "nl"}, {"english", "en"}, {"estonian", "et"}, {"faroese", "fo"},
      {"finnish", "fi"}, {"french", "fr"}, {"galician", "gl"}, {"georgian", "ka"}, {"german", "de"}, {"greek", "el"},
      {"gujarati", "gu"}, {"haitian creole", "ht"}, {"hausa", "ha"}, {"hawaiian", "haw"}, {"hebrew", "he"}, {"hindi", "hi"},
      {"hungarian", "hu"}, {"icelandic", "is"}, {"indonesian", "id"}, {"italian", "it"}, {"japanese", "ja"}, {"javanese", "jw"},
      {"kannada", "kn"}, {"kazakh", "kk"}, {"khmer", "km"}, {"korean", "ko"}, {"lao", "lo"}, {"latin", "la"}, {"latvian", "lv"},
      {"lingala", "ln"}, {"lithuanian", "lt"}, {"luxembourgish", "lb"}, {"macedonian", "mk"}, {"malagasy", "mg"}, {"malay", "ms"},
      {"malayalam", "ml"}, {"maltese", "mt"}, {"maori", "mi"}, {"marathi", "mr"}, {"mongolian", "mn"}, {"myanmar", "my"},
      {"nepali", "ne"}, {"norwegian", "no"}, {"nynorsk", "nn"}, {"occitan", "oc"}, {"pashto", "ps"}, {"persian", "fa"},
      {"polish", "pl"}, {"portuguese", "pt"}, {"punjabi", "pa"}, {"romanian", "ro"}, {"russian", "ru"}, {"sanskrit", "sa"},
      {"serbian", "sr"}, {"shona", "sn"}, {"sindhi", "sd"}, {"sinhala", "si"}, {"slovak", "sk"}, {"slovenian", "sl"},
      {"somali", "so"}, {"spanish", "es"}, {"sundanese", "su"}, {"swahili", "sw"}, {"swedish", "sv"}, {"tagalog", "tl"},
      {"tajik", "tg"}, {"tamil", "ta"}, {"tatar", "tt"}, {"telugu", "te"}, {"thai", "th"}, {"tibetan", "bo"}, {"turkish", "tr"},
      {"turkmen", "tk"}, {"ukrainian", "uk"}, {"urdu", "ur"}, {"uzbek", "uz"}, {"vietnamese", "vi"}, {"welsh", "cy"},
      {"yiddish", "yi"}, {"yoruba", "yo"},
      {"burmese", "my"}, {"valencian", "ca"}, {"flemish", "nl"}, {"haitian", "ht"}, {"letzeburgesch", "lb"}, {"pushto", "ps"},
      {"panjabi", "pa"}, {"moldavian", "ro"}, {"moldovan", "ro"}, {"sinhalese", "si"}, {"castilian", "es"}, {"mandarin", "zh"}};
  return m;
}

int64_t language_to_id(std::string language, const std::map<std::string, int64_t>& lang_to_id) {
  std::transform(language.begin(), language.end(), language.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string token;
  const auto& codes = language_codes();
  if (lang_to_id.count(language)) {
    token = language;
  } else if (auto it = codes.find(language); it != codes.end()) {
    token = "<|" + it->second + "|>";
  } else if (std::any_of(codes.begin(), codes.end(), [&](const auto& kv) { return kv.second == language; })) {
    token = "<|" + language + "|>";
  } else {
    throw ValueError("Unsupported language: " + language + ". Language should be a Whisper language name or code");
  }
  auto it = lang_to_id.find(token);
  if (it == lang_to_id.end())
    throw ValueError(token + " is not supported by this specific model as it is not in the `generation_config.lang_to_id`.");
  return it->second;
}

}  // namespace

std::vector<std::vector<int64_t>> init_tokens(const GenerationConfig& g, int64_t batch,
                                              const std::function<std::vector<int64_t>(const std::vector<int64_t>&)>& detect_language) {
  if (!g.decoder_start_token_id) throw ValueError("generate: Whisper needs `decoder_start_token_id`");
  std::vector<int64_t> init{*g.decoder_start_token_id};
  bool lang_undefined = true;
  // The legacy forced_decoder_ids ([[1, lang or null], [2, task], ...]) only when neither task nor
  // language is given.
  if (!g.task && !g.language && g.forced_decoder_ids && !g.forced_decoder_ids->empty() && (*g.forced_decoder_ids)[0][0] == 1) {
    size_t k = 0;
    for (int64_t i = 1; k < g.forced_decoder_ids->size() && (*g.forced_decoder_ids)[k][0] == i; ++k, ++i)
      init.push_back((*g.forced_decoder_ids)[k][1]);
    if (k < g.forced_decoder_ids->size())
      throw ValueError("forced_decoder_ids do not follow Whisper's prompt pattern: every index >= 1 needs an entry");
    lang_undefined = init.size() <= 1 || init[1] == -1;
  }
  std::vector<std::vector<int64_t>> rows(static_cast<size_t>(batch), init);
  std::vector<int64_t> lang_ids;
  if (g.language) {
    if (!g.lang_to_id) throw ValueError("generate: `language` needs `generation_config.lang_to_id`");
    lang_ids.assign(static_cast<size_t>(batch), language_to_id(*g.language, *g.lang_to_id));
  } else if (g.lang_to_id && lang_undefined) {
    std::vector<int64_t> candidates;
    for (const auto& [tok, id] : *g.lang_to_id) candidates.push_back(id);
    lang_ids = detect_language(candidates);
  }
  for (size_t i = 0; i < lang_ids.size(); ++i) {
    if (rows[i].size() > 1) rows[i][1] = lang_ids[i];
    else rows[i].push_back(lang_ids[i]);
  }
  for (auto& r : rows) {
    if (g.task) {
      if (*g.task != "transcribe" && *g.task != "translate")
        throw ValueError("The `" + *g.task + "` task is not supported. The task should be one of `['translate', 'transcribe']`");
      if (!g.task_to_id || !g.task_to_id->count(*g.task)) throw ValueError("generate: `task` needs `generation_config.task_to_id`");
      const int64_t task_id = g.task_to_id->at(*g.task);
      // Python appends the task, then replaces every task id (the one just added included) by it.
      r.push_back(task_id);
      for (auto& t : r)
        for (const auto& [name, id] : *g.task_to_id)
          if (t == id) t = task_id;
    } else if (g.language && g.task_to_id) {
      bool has_task = false;
      for (int64_t t : r)
        for (const auto& [name, id] : *g.task_to_id) has_task |= t == id;
      if (!has_task) {
        if (!g.task_to_id->count("transcribe")) throw ValueError("generation_config.task_to_id has no 'transcribe'");
        r.push_back(g.task_to_id->at("transcribe"));
      }
    }
    const bool timestamps = g.return_timestamps.value_or(false);
    if (!timestamps && g.no_timestamps_token_id && r.back() != *g.no_timestamps_token_id) r.push_back(*g.no_timestamps_token_id);
    else if (timestamps && g.no_timestamps_token_id && r.back() == *g.no_timestamps_token_id) r.pop_back();
    r.erase(std::remove(r.begin(), r.end(), -1), r.end());
  }
  for (const auto& r : rows)
    if (r.size() != rows[0].size()) throw ValueError("generate: Whisper prompts of different lengths in one batch");
  return rows;
}

Tensor postprocess(const Tensor& sequences, int64_t num_init, const GenerationConfig& g) {
  const auto seq = sequences.to_ints();
  const int64_t B = sequences.size(0), L = sequences.size(1);
  const std::vector<int64_t> eos = g.eos_token_id.value_or(std::vector<int64_t>{});
  const std::optional<int64_t> pad = g.pad_token_id;
  std::vector<std::vector<int64_t>> rows;
  size_t longest = 0;
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> r(seq.begin() + b * L + num_init, seq.begin() + (b + 1) * L);
    if (pad && !r.empty() && r.back() == *pad) {
      int64_t n = std::count(r.begin(), r.end(), *pad);
      if (!eos.empty() && *pad == eos[0]) --n;
      r.resize(r.size() - static_cast<size_t>(std::min<int64_t>(n, static_cast<int64_t>(r.size()))));
    }
    if (!r.empty() && !eos.empty() && r.back() == eos[0]) r.pop_back();
    longest = std::max(longest, r.size());
    rows.push_back(std::move(r));
  }
  Tensor out = Tensor::full({B, static_cast<int64_t>(longest)}, static_cast<double>(pad.value_or(0)), DType::I64);
  for (int64_t b = 0; b < B; ++b) std::copy(rows[b].begin(), rows[b].end(), out.data<int64_t>() + b * static_cast<int64_t>(longest));
  return out;
}

}  // namespace transformers::whisper
