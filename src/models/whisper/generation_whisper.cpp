#include "models/whisper/generation_whisper.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <numeric>

#include "models/whisper/tokenization_whisper.hpp"
#include "transformers/errors.hpp"

namespace transformers::whisper {

namespace {

// Names that are aliases of a language listed under its own name.
const std::set<std::string> kAliases = {"burmese", "valencian", "flemish", "haitian", "letzeburgesch", "pushto",
                                        "panjabi", "moldavian", "moldovan", "sinhalese", "castilian", "mandarin"};

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

}  // namespace

std::string language_name(const std::string& code) {
  // The first name of a code in language_codes() is Whisper's own; the aliases come after.
  static const std::map<std::string, std::string> names = [] {
    std::map<std::string, std::string> r;
    for (const auto& [name, c] : language_codes())
      if (!kAliases.count(name)) r.emplace(c, name);
    return r;
  }();
  auto it = names.find(code);
  return it == names.end() ? "" : it->second;
}

namespace {

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

namespace {

// generate_with_fallback's clean-up of one generated row: trailing pads dropped (Python counts
// every pad of the row, keeping one when pad is eos), then a final eos.
std::vector<int64_t> trim(std::vector<int64_t> r, const GenerationConfig& g) {
  const std::vector<int64_t> eos = g.eos_token_id.value_or(std::vector<int64_t>{});
  if (g.pad_token_id && !r.empty() && r.back() == *g.pad_token_id) {
    int64_t n = std::count(r.begin(), r.end(), *g.pad_token_id);
    if (!eos.empty() && *g.pad_token_id == eos[0]) --n;
    r.resize(r.size() - static_cast<size_t>(std::clamp<int64_t>(n, 0, static_cast<int64_t>(r.size()))));
  }
  if (!r.empty() && !eos.empty() && r.back() == eos[0]) r.pop_back();
  return r;
}

// _retrieve_segment: the tokens a window contributes and how many frames to move on. When the
// model emitted timestamp tokens (asked for or not), the window is cut after its last pair of
// consecutive timestamps unless it ends with a single one (nothing more was said): the next
// window starts at that last timestamp.
std::vector<int64_t> segment_tokens(const std::vector<int64_t>& seq, int64_t timestamp_begin, int64_t window_frames, int64_t& offset) {
  offset = window_frames;
  if (seq.size() < 2) return seq;
  const size_t n = seq.size();
  auto is_ts = [&](size_t i) { return seq[i] >= timestamp_begin; };
  const bool single_ending = !is_ts(n - 2) && is_ts(n - 1);
  std::vector<size_t> cuts;
  for (size_t i = 0; i + 1 < n; ++i)
    if (is_ts(i) && is_ts(i + 1)) cuts.push_back(i + 1);
  if (cuts.empty()) return seq;
  if (single_ending) return seq;  // every segment, up to the end
  const size_t last = cuts.back() + 1;
  constexpr int64_t kInputStride = 2;  // the encoder's two convolutions halve the frames once
  offset = (seq[last - 2] - timestamp_begin) * kInputStride;
  return std::vector<int64_t>(seq.begin(), seq.begin() + static_cast<std::ptrdiff_t>(last));
}

}  // namespace

Tensor generate(const Tensor& features, const Tensor& attention_mask, const GenerationConfig& g0, const GenerationConfig& overrides,
                const Model& m) {
  if (!features.defined() || features.dim() != 3 || features.size(0) == 0)
    throw ShapeMismatch("generate: Whisper's input_features must be [batch, mel bins, frames]");
  const int64_t B0 = features.size(0), mels = features.size(1), N = features.size(2), W = m.num_segment_frames;
  const bool shortform = N <= W;
  GenerationConfig g = g0;
  if (!shortform) {
    if (g.return_timestamps && !*g.return_timestamps)
      throw ValueError("generate: more than " + std::to_string(W) + " mel frames (> 30 s) is long-form generation, which needs timestamps: "
                       "do not set return_timestamps=false");
    g.return_timestamps = true;
  }
  const bool timestamps = g.return_timestamps.value_or(false);
  if (timestamps && !g.no_timestamps_token_id)
    throw ValueError("generate: timestamps need `no_timestamps_token_id` in the generation config");
  std::vector<int64_t> max_frames(static_cast<size_t>(B0), N);
  if (B0 > 1 && !shortform) {
    if (!attention_mask.defined() || attention_mask.dim() != 2 || attention_mask.size(0) != B0 || attention_mask.size(1) != N)
      throw ValueError("generate: batched long-form transcription needs the extractor's attention_mask [batch, frames]");
    const Tensor am = attention_mask.to(DType::I64).contiguous();
    for (int64_t b = 0; b < B0; ++b) max_frames[b] = std::accumulate(am.data<int64_t>() + b * N, am.data<int64_t>() + (b + 1) * N, int64_t{0});
  }
  // One window [rows, mels, W] of each row from its seek position, zero-padded to W frames.
  const Tensor feats = features.to(DType::F32).contiguous();
  auto window = [&](const std::vector<int64_t>& rows, const std::vector<int64_t>& seek, const std::vector<int64_t>& take) {
    const int64_t R = static_cast<int64_t>(rows.size());
    Tensor w = Tensor::zeros({R, mels, W});
    for (int64_t r = 0; r < R; ++r)
      for (int64_t c = 0; c < mels; ++c)
        std::copy_n(feats.data<float>() + (rows[r] * mels + c) * N + seek[r], take[r], w.data<float>() + (r * mels + c) * W);
    return w;
  };
  // The prompt, language detected on each row's first window when needed.
  std::vector<int64_t> all(static_cast<size_t>(B0)), zero(static_cast<size_t>(B0), 0), first(static_cast<size_t>(B0));
  for (int64_t b = 0; b < B0; ++b) all[b] = b, first[b] = std::min(N, W);
  bool encoded_first = false;
  auto prompts = init_tokens(g, B0, [&](const std::vector<int64_t>& lang_ids) {
    m.encode(window(all, zero, first));
    encoded_first = true;
    return m.detect_language(B0, lang_ids);
  });
  // prompt_ids go before the prompt of every window (without condition_on_prev_tokens, as here).
  if (g.prompt_ids) {
    if (g.prompt_ids->empty()) throw ValueError("generate: prompt_ids is empty");
    for (auto& p : prompts) p.insert(p.begin(), g.prompt_ids->begin(), g.prompt_ids->end());
  }
  // num_return_sequences: every row repeated, each decoded on its own (one beam result each).
  const int64_t reps = std::max<int64_t>(1, g.num_return_sequences.value_or(1));
  const int64_t B = B0 * reps;
  std::vector<int64_t> source(static_cast<size_t>(B)), seek(static_cast<size_t>(B), 0), limit(static_cast<size_t>(B));
  std::vector<std::vector<int64_t>> init(static_cast<size_t>(B)), tokens(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) source[b] = b / reps, limit[b] = max_frames[b / reps], init[b] = prompts[b / reps];
  const int64_t L = static_cast<int64_t>(init[0].size());
  const int64_t max_pos = m.max_target_positions;
  if (g.max_new_tokens && *g.max_new_tokens + L > max_pos)
    throw ValueError("generate: the length of the decoder prompt (" + std::to_string(L) + ") plus max_new_tokens (" +
                     std::to_string(*g.max_new_tokens) + ") exceeds max_target_positions (" + std::to_string(max_pos) + ")");
  GenerationConfig call = overrides;
  call.num_return_sequences = 1;
  call.prompt_ids.reset();  // already in the decoder prompt
  call.return_timestamps = timestamps;
  // _set_max_new_tokens_and_length, run before every window: a max_length is raised by the prompt's
  // length each time (so later windows may run longer, as in Python).
  int64_t max_length = g.max_length.value_or(20);
  const int64_t timestamp_begin = g.no_timestamps_token_id.value_or(std::numeric_limits<int64_t>::max() - 1) + 1;
  bool first_round = true;
  while (true) {
    std::vector<int64_t> rows, row_seek, take;
    for (int64_t b = 0; b < B; ++b)
      if (seek[b] < limit[b]) rows.push_back(b), row_seek.push_back(seek[b]), take.push_back(std::min(limit[b] - seek[b], W));
    if (rows.empty()) break;
    const int64_t R = static_cast<int64_t>(rows.size());
    // The first window was encoded for language detection already (when nothing was repeated).
    if (!(first_round && encoded_first && reps == 1 && R == B0)) {
      std::vector<int64_t> src(static_cast<size_t>(R));
      for (int64_t r = 0; r < R; ++r) src[r] = source[rows[r]];
      m.encode(window(src, row_seek, take));
    }
    first_round = false;
    if (!g.max_new_tokens) call.max_length = max_length = std::min(max_length + std::min(max_pos / 2 - 1, L), max_pos);
    std::vector<int64_t> flat;
    for (int64_t b : rows) flat.insert(flat.end(), init[b].begin(), init[b].end());
    const Tensor out = m.decode(Tensor::from_ints(flat, {R, L}), call);
    const auto ids = out.to_ints();
    const int64_t S = out.size(1);
    for (int64_t r = 0; r < R; ++r) {
      const int64_t b = rows[r];
      const std::vector<int64_t> seq = trim(std::vector<int64_t>(ids.begin() + r * S + L, ids.begin() + (r + 1) * S), g);
      int64_t offset = 0;
      const auto seg = segment_tokens(seq, timestamp_begin, take[r], offset);
      tokens[b].insert(tokens[b].end(), seg.begin(), seg.end());
      // Python would decode the same window forever when the last timestamp is <|0.00|>.
      seek[b] += offset > 0 ? offset : take[r];
    }
  }
  size_t longest = 0;
  for (const auto& t : tokens) longest = std::max(longest, t.size());
  Tensor result = Tensor::full({B, static_cast<int64_t>(longest)}, static_cast<double>(g.pad_token_id.value_or(0)), DType::I64);
  for (int64_t b = 0; b < B; ++b) std::copy(tokens[b].begin(), tokens[b].end(), result.data<int64_t>() + b * static_cast<int64_t>(longest));
  return result;
}

}  // namespace transformers::whisper
