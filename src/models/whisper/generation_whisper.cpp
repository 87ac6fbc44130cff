#include "models/whisper/generation_whisper.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <numeric>

#include "models/whisper/tokenization_whisper.hpp"
#include "ops/ops.hpp"
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

// _retrieve_segment: the segments a window's tokens form and how many frames to move on. When the
// model emitted timestamp tokens (asked for or not), the tokens are cut after every pair of
// consecutive timestamps; unless they end with a single one (nothing more was said), what follows
// the last pair is dropped (the last segment keeps both timestamps of its pair) and the next
// window starts at that last timestamp. Times: the window's offset plus the timestamps' own.
struct Slice {
  size_t begin, end;  // into the window's tokens
  double start, stop;
};
std::vector<Slice> retrieve_segments(const std::vector<int64_t>& seq, int64_t timestamp_begin, int64_t window_frames, double time_offset,
                                     int64_t& offset) {
  constexpr double kPrecision = 0.02, kPrecisionFeatures = 0.01;
  offset = window_frames;
  const size_t n = seq.size();
  auto is_ts = [&](size_t i) { return seq[i] >= timestamp_begin; };
  auto at = [&](size_t i) { return time_offset + static_cast<double>(seq[i] - timestamp_begin) * kPrecision; };
  std::vector<size_t> slices;
  for (size_t i = 0; i + 1 < n; ++i)
    if (is_ts(i) && is_ts(i + 1)) slices.push_back(i + 1);
  if (slices.empty()) {
    double last = static_cast<double>(static_cast<int64_t>(static_cast<double>(window_frames) * kPrecisionFeatures / kPrecision));
    for (size_t i = n; i-- > 0;)
      if (is_ts(i)) {
        if (seq[i] != timestamp_begin) last = static_cast<double>(seq[i] - timestamp_begin);
        break;
      }
    return {{0, n, time_offset, time_offset + last * kPrecision}};
  }
  const bool single_ending = n >= 2 && !is_ts(n - 2) && is_ts(n - 1);
  if (single_ending) slices.push_back(n);
  else slices.back() += 1;
  std::vector<Slice> segs;
  size_t last = 0;
  for (size_t k = 0; k < slices.size(); ++k) {
    const size_t cut = slices[k];
    const bool end_pair = k + 1 == slices.size() && !single_ending;
    segs.push_back({last, cut, at(last), at(end_pair ? cut - 2 : cut - 1)});
    last = cut;
  }
  constexpr int64_t kInputStride = 2;  // the encoder's two convolutions halve the frames once
  if (!single_ending) offset = (seq[last - 2] - timestamp_begin) * kInputStride;
  return segs;
}

// log_softmax(row * scale)[id] of one row of `logits` [rows, vocab], in double.
double log_prob(const Tensor& logits, int64_t row, int64_t id, double scale) {
  const int64_t V = logits.size(1);
  const float* s = logits.data<float>() + row * V;
  double mx = -INFINITY, z = 0;
  for (int64_t v = 0; v < V; ++v) mx = std::max(mx, static_cast<double>(s[v]) * scale);
  for (int64_t v = 0; v < V; ++v) z += std::exp(static_cast<double>(s[v]) * scale - mx);
  return static_cast<double>(s[id]) * scale - mx - std::log(z);
}

// _retrieve_avg_logprobs: the mean log-probability of the row's tokens under each step's scores
// (the temperature undone), the eos included.
double avg_logprob(const std::vector<Tensor>& scores, int64_t row, std::vector<int64_t> tokens, double temperature) {
  const double rescale = temperature > 0.0 ? temperature : 1.0;
  size_t steps = scores.size();
  if (steps > tokens.size()) steps = tokens.size();
  else tokens.erase(tokens.begin(), tokens.end() - static_cast<std::ptrdiff_t>(steps));
  if (tokens.empty()) return 0.0;
  double sum = 0;
  for (size_t k = 0; k < steps; ++k) sum += log_prob(scores[k], row, tokens[k], rescale);
  return sum / static_cast<double>(tokens.size());
}

}  // namespace

namespace {

// _median_filter along the last axis: reflect-padded windows of `width`, each replaced by its median.
std::vector<double> median_filter(const std::vector<double>& x, int64_t width) {
  const int64_t n = static_cast<int64_t>(x.size()), pad = width / 2;
  if (n <= pad) return x;
  std::vector<double> out(x.size()), win(static_cast<size_t>(width));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < width; ++k) {
      int64_t j = i + k - pad;
      if (j < 0) j = -j;
      if (j >= n) j = 2 * (n - 1) - j;
      win[k] = x[j];
    }
    std::nth_element(win.begin(), win.begin() + pad, win.end());
    out[i] = win[pad];
  }
  return out;
}

// _dynamic_time_warping on `matrix` [rows][cols] (float32 costs, as numpy keeps them): the time
// index at which each text index first appears along the cheapest path.
std::vector<int64_t> dtw_jumps(const std::vector<std::vector<double>>& matrix) {
  const int64_t R = static_cast<int64_t>(matrix.size()), C = R ? static_cast<int64_t>(matrix[0].size()) : 0;
  std::vector<float> cost(static_cast<size_t>((R + 1) * (C + 1)), INFINITY), trace(cost.size(), -1.0f);
  auto at = [&](int64_t i, int64_t j) { return static_cast<size_t>(i * (C + 1) + j); };
  cost[at(0, 0)] = 0;
  for (int64_t j = 1; j <= C; ++j)
    for (int64_t i = 1; i <= R; ++i) {
      const float c0 = cost[at(i - 1, j - 1)], c1 = cost[at(i - 1, j)], c2 = cost[at(i, j - 1)];
      float c, t;
      if (c0 < c1 && c0 < c2) c = c0, t = 0;
      else if (c1 < c0 && c1 < c2) c = c1, t = 1;
      else c = c2, t = 2;
      cost[at(i, j)] = static_cast<float>(matrix[i - 1][j - 1] + static_cast<double>(c));
      trace[at(i, j)] = t;
    }
  for (int64_t j = 0; j <= C; ++j) trace[at(0, j)] = 2;
  for (int64_t i = 0; i <= R; ++i) trace[at(i, 0)] = 1;
  std::vector<int64_t> text, time;
  for (int64_t i = R, j = C; i > 0 || j > 0;) {
    text.push_back(i - 1), time.push_back(j - 1);
    const float t = trace[at(i, j)];
    if (t == 0) --i, --j;
    else if (t == 1) --i;
    else if (t == 2) --j;
    else throw ValueError("dynamic time warping: unexpected trace");
  }
  std::reverse(text.begin(), text.end());
  std::reverse(time.begin(), time.end());
  std::vector<int64_t> jumps;
  for (size_t k = 0; k < text.size(); ++k)
    if (k == 0 || text[k] != text[k - 1]) jumps.push_back(time[k]);
  return jumps;
}

}  // namespace

std::vector<double> token_timestamps(const std::vector<std::vector<float>>& weights, int64_t S, int64_t frames, bool slice_twice,
                                     int64_t prompt_len, int64_t width, double time_precision) {
  if (width <= 0 || width % 2 != 1) throw ValueError("`filter_width` should be an odd number");
  std::vector<double> out(static_cast<size_t>(S), 0.0);
  const int64_t G = S - 1 - prompt_len;  // generated tokens fed (the last one never is)
  if (G <= 0 || weights.empty()) return out;
  const int64_t T = static_cast<int64_t>(weights[0].size()) / (S - 1);
  // weights[..., :frames] as Python slices: a negative count drops that many from the end. When the
  // batch's counts are all equal Python slices twice (once for the batch, once per row).
  auto slice = [&](int64_t n) { return frames < 0 ? std::max<int64_t>(0, n + frames) : std::min(frames, n); };
  const int64_t F = slice_twice ? slice(slice(T)) : slice(T);
  std::vector<std::vector<double>> matrix(static_cast<size_t>(G), std::vector<double>(static_cast<size_t>(F), 0.0));
  for (const auto& w : weights) {
    // z-scores over the tokens, per frame
    std::vector<std::vector<double>> z(static_cast<size_t>(G), std::vector<double>(static_cast<size_t>(F)));
    for (int64_t f = 0; f < F; ++f) {
      double mean = 0, var = 0;
      for (int64_t g = 0; g < G; ++g) mean += w[(prompt_len + g) * T + f];
      mean /= static_cast<double>(G);
      for (int64_t g = 0; g < G; ++g) var += std::pow(w[(prompt_len + g) * T + f] - mean, 2);
      const double sd = std::sqrt(var / static_cast<double>(G));
      for (int64_t g = 0; g < G; ++g) z[g][f] = (w[(prompt_len + g) * T + f] - mean) / sd;
    }
    for (int64_t g = 0; g < G; ++g) {
      const auto filtered = median_filter(z[g], width);
      for (int64_t f = 0; f < F; ++f) matrix[g][f] -= filtered[f] / static_cast<double>(weights.size());  // DTW runs on -mean
    }
  }
  const auto jumps = dtw_jumps(matrix);
  for (int64_t g = 0; g < G; ++g) out[prompt_len + g] = static_cast<double>(jumps[g]) * time_precision;
  out[S - 1] = out[S - 2];
  return out;
}

double compression_ratio(const std::vector<int64_t>& tokens, int64_t vocab_size) {
  const int width = static_cast<int>(std::log2(static_cast<double>(vocab_size)) / 8) + 1;
  std::vector<Bytef> raw;
  for (int64_t t : tokens) {
    if (t < 0 || (width < 8 && t >= (int64_t{1} << (8 * width)))) throw ValueError("compression_ratio: token " + std::to_string(t) + " does not fit the vocabulary");
    for (int k = 0; k < width; ++k) raw.push_back(static_cast<Bytef>((t >> (8 * k)) & 0xff));
  }
  uLongf packed = compressBound(static_cast<uLong>(raw.size()));
  std::vector<Bytef> out(packed);
  if (compress2(out.data(), &packed, raw.data(), static_cast<uLong>(raw.size()), Z_DEFAULT_COMPRESSION) != Z_OK)
    throw ValueError("compression_ratio: zlib failed");
  return static_cast<double>(raw.size()) / static_cast<double>(packed);
}

GenerateOutput generate(const Tensor& features, const Tensor& attention_mask, const GenerationConfig& g0, const GenerationConfig& overrides,
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
  // The fallback schedule and the heuristics (_set_thresholds_and_condition, _set_prompt_condition_type).
  std::vector<std::optional<double>> temperatures;
  if (g.temperature_fallback) {
    if (g.temperature_fallback->empty()) throw ValueError("generate: temperature_fallback is empty");
    for (double t : *g.temperature_fallback) temperatures.emplace_back(t);
  } else {
    temperatures.push_back(overrides.temperature);
  }
  const bool condition_cfg = g.condition_on_prev_tokens.value_or(false);
  const std::string condition_type = g.prompt_condition_type.value_or("first-segment");
  if (condition_type != "first-segment" && condition_type != "all-segments")
    throw ValueError("`prompt_condition_type=" + condition_type + "` does not exist. Make sure to set `prompt_condition_type` to one of first-segment, all-segments");
  if (condition_type == "all-segments" && !condition_cfg)
    throw ValueError("Make sure to set `condition_on_prev_tokens=True` when setting `prompt_condition_type='all-segments'`.");
  if (g.no_speech_threshold && !g.logprob_threshold)
    throw ValueError("generate: no_speech_threshold needs logprob_threshold (a window is silence when both say so)");
  if (g.no_speech_threshold && !g.no_timestamps_token_id)
    throw ValueError("generate: no_speech_threshold needs no_timestamps_token_id (<|nospeech|> is the token before it)");
  std::optional<int64_t> prev_sot = g.prev_sot_token_id;
  if (!prev_sot && g.suppress_tokens && g.suppress_tokens->size() >= 2) prev_sot = (*g.suppress_tokens)[g.suppress_tokens->size() - 2];
  const int64_t pad = g.pad_token_id.value_or(0);
  const std::vector<int64_t> eos = g.eos_token_id.value_or(std::vector<int64_t>{});

  // return_token_timestamps: the alignment heads, and (_set_num_frames) each row's frames from the mask.
  const bool token_ts = g.return_token_timestamps.value_or(false);
  std::vector<std::pair<int64_t, int64_t>> heads;
  std::vector<int64_t> num_frames;
  if (token_ts) {
    if (!g.alignment_heads || g.alignment_heads->empty())
      throw ValueError("Model generation config has no `alignment_heads`, token-level timestamps not available.");
    for (const auto& h : *g.alignment_heads) {
      if (h.size() != 2) throw ValueError("generate: alignment_heads holds [layer, head] pairs");
      heads.emplace_back(h[0], h[1]);
    }
    if (attention_mask.defined()) {
      if (attention_mask.dim() != 2 || attention_mask.size(0) != B0 || attention_mask.size(1) != N)
        throw ShapeMismatch("generate: attention_mask must be the features' [batch, frames] mask");
      for (int64_t n : ops::sum(attention_mask, 1).to_ints()) num_frames.push_back(n);
    }
  }
  std::vector<int64_t> max_frames(static_cast<size_t>(B0), N);
  if (B0 > 1 && !shortform) {
    if (!attention_mask.defined() || attention_mask.dim() != 2 || attention_mask.size(0) != B0 || attention_mask.size(1) != N)
      throw ValueError("generate: batched long-form transcription needs the extractor's attention_mask [batch, frames]");
    max_frames = ops::sum(attention_mask, 1).to_ints();
  }
  // One window [rows, mels, W] of each row from its seek position, zero-padded to W frames.
  const Tensor feats = features.to(DType::F32).contiguous();
  auto window = [&](const std::vector<int64_t>& rows, const std::vector<int64_t>& seek, const std::vector<int64_t>& take) {
    const int64_t R = static_cast<int64_t>(rows.size());
    Tensor w = Tensor::zeros({R, mels, W});
    for (int64_t r = 0; r < R; ++r)
      ops::copy_(w.slice(0, r, r + 1).slice(2, 0, take[r]), feats.slice(0, rows[r], rows[r] + 1).slice(2, seek[r], seek[r] + take[r]));
    return w;
  };
  // The prompt, language detected on each row's first window when needed.
  std::vector<int64_t> all(static_cast<size_t>(B0)), zero(static_cast<size_t>(B0), 0), first(static_cast<size_t>(B0));
  for (int64_t b = 0; b < B0; ++b) all[b] = b, first[b] = std::min(N, W);
  bool encoded_first = false;
  const auto prompts = init_tokens(g, B0, [&](const std::vector<int64_t>& lang_ids) {
    m.encode(window(all, zero, first));
    encoded_first = true;
    return m.detect_language(B0, lang_ids);
  });
  const std::vector<int64_t> prompt = g.prompt_ids.value_or(std::vector<int64_t>{});
  if (g.prompt_ids && prompt.empty()) throw ValueError("generate: prompt_ids is empty");
  // num_return_sequences: every row repeated, each decoded on its own (one beam result each).
  const int64_t reps = std::max<int64_t>(1, g.num_return_sequences.value_or(1));
  const int64_t B = B0 * reps;
  struct Row {
    int64_t source, seek = 0, limit;
    std::vector<int64_t> init;
    std::vector<std::vector<int64_t>> segments;  // current_segments' tokens
    std::vector<GenerateOutput::Segment> found;   // the same with their times (the prompt segment left out)
    std::vector<double> raw_times;                // each window's own token times, as generate returns them
    bool condition;
  };
  // prompt_condition_type "first-segment": the prompt (without <|startofprev|>) is a first segment,
  // conditioned on like the others and dropped from the result.
  const bool prompt_segment = !prompt.empty() && condition_type == "first-segment";
  std::vector<Row> state(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    Row& r = state[b];
    r.source = b / reps, r.limit = max_frames[b / reps], r.init = prompts[b / reps];
    r.condition = overrides.condition_on_prev_tokens.value_or(false);  // the call's, until a window sets it
    // (_prepare_segments strips only generation_config.prev_sot_token_id, not the suppress_tokens stand-in)
    if (prompt_segment) r.segments.emplace_back(prompt.begin() + (g.prev_sot_token_id && prompt[0] == *g.prev_sot_token_id ? 1 : 0), prompt.end());
  }
  const int64_t max_pos = m.max_target_positions, init_len = static_cast<int64_t>(prompts[0].size());
  GenerationConfig base = overrides;
  base.num_return_sequences = 1;
  base.prompt_ids.reset();  // in the decoder prompt already
  base.return_timestamps = timestamps;
  base.temperature_fallback.reset();
  const bool want_logprob = g.logprob_threshold.has_value();
  // _set_max_new_tokens_and_length, run before every window: a max_length is raised by the prompt's
  // length each time (so later windows may run longer, as in Python).
  int64_t max_length = g.max_length.value_or(20);
  const int64_t timestamp_begin = g.no_timestamps_token_id.value_or(std::numeric_limits<int64_t>::max() - 1) + 1;
  bool first_round = true;
  while (true) {
    std::vector<int64_t> rows, row_seek, take;
    for (int64_t b = 0; b < B; ++b)
      if (state[b].seek < state[b].limit)
        rows.push_back(b), row_seek.push_back(state[b].seek), take.push_back(std::min(state[b].limit - state[b].seek, W));
    if (rows.empty()) break;
    const int64_t R = static_cast<int64_t>(rows.size());
    // The first window was encoded for language detection already (when nothing was repeated).
    if (!(first_round && encoded_first && reps == 1 && R == B0)) {
      std::vector<int64_t> src(static_cast<size_t>(R));
      for (int64_t r = 0; r < R; ++r) src[r] = state[rows[r]].source;
      m.encode(window(src, row_seek, take));
    }
    first_round = false;
    // _prepare_decoder_input_ids: <|startofprev|> and the previous windows' tokens (the last
    // max_target_positions / 2 - 1), left-padded, before the init tokens; or the prompt.
    std::vector<std::vector<int64_t>> dec(static_cast<size_t>(R));
    bool any_condition = false;
    for (int64_t b : rows) any_condition |= state[b].condition;
    const bool conditioned = any_condition && !state[0].segments.empty();
    if (conditioned) {
      std::vector<int64_t> bos;
      if (!prompt.empty() && condition_type == "all-segments") bos = prompt;
      else if (prev_sot) bos = {*prev_sot};
      const size_t cut = static_cast<size_t>(max_pos / 2 - 1);
      size_t longest = 0;
      for (int64_t r = 0; r < R; ++r) {
        const Row& st = state[rows[r]];
        std::vector<int64_t> prev;
        if (st.condition)
          for (const auto& seg : st.segments)  // a segment ending in two timestamps gives only the first
            prev.insert(prev.end(), seg.begin(), seg.end() - (seg.size() > 2 && seg[seg.size() - 2] >= timestamp_begin ? 1 : 0));
        if (prev.size() > cut) prev.erase(prev.begin(), prev.end() - static_cast<std::ptrdiff_t>(cut));
        dec[r] = bos;
        dec[r].insert(dec[r].end(), prev.begin(), prev.end());
        longest = std::max(longest, dec[r].size());
      }
      for (int64_t r = 0; r < R; ++r) {
        dec[r].insert(dec[r].begin(), longest - dec[r].size(), pad);
        dec[r].insert(dec[r].end(), state[rows[r]].init.begin(), state[rows[r]].init.end());
      }
    } else {
      for (int64_t r = 0; r < R; ++r) {
        dec[r] = prompt;
        dec[r].insert(dec[r].end(), state[rows[r]].init.begin(), state[rows[r]].init.end());
      }
    }
    const int64_t L = static_cast<int64_t>(dec[0].size());
    if (g.max_new_tokens.value_or(0) + L > max_pos)
      throw ValueError("generate: the length of the decoder prompt, including special start tokens, prompt tokens and previous tokens (" +
                       std::to_string(L) + ") plus max_new_tokens (" + std::to_string(g.max_new_tokens.value_or(0)) +
                       ") exceeds max_target_positions (" + std::to_string(max_pos) + ")");
    if (!g.max_new_tokens) base.max_length = max_length = std::min(max_length + std::min(max_pos / 2 - 1, L), max_pos);
    auto prompt_tensors = [&](const std::vector<int64_t>& subset, Tensor& ids, Tensor& mask) {
      std::vector<int64_t> flat, mk;
      for (int64_t r : subset)
        for (int64_t t : dec[r]) flat.push_back(t), mk.push_back(conditioned ? t != pad : 1);
      const int64_t n = static_cast<int64_t>(subset.size());
      ids = Tensor::from_ints(flat, {n, L}), mask = Tensor::from_ints(mk, {n, L});
    };
    std::vector<int64_t> every(static_cast<size_t>(R));
    std::iota(every.begin(), every.end(), 0);
    // WhisperNoSpeechDetection: P(<|nospeech|>) at the start-of-transcript position, unprocessed.
    std::vector<double> no_speech(static_cast<size_t>(R), 0.0);
    if (g.no_speech_threshold) {
      Tensor ids, mask;
      prompt_tensors(every, ids, mask);
      const Tensor l = m.prompt_logits(ids, mask, L - init_len);
      for (int64_t r = 0; r < R; ++r) no_speech[r] = std::exp(log_prob(l, r, *g.no_timestamps_token_id - 1, 1.0));
    }
    // The encoder frames each row's token times may use: (num_frames - seek) // 2, floored (past the
    // mask's end Python's slice counts from the back), all of them without a mask.
    std::vector<int64_t> frames(static_cast<size_t>(R), std::numeric_limits<int64_t>::max() / 4);
    bool uniform = true;
    if (!num_frames.empty())
      for (int64_t r = 0; r < R; ++r) {
        const int64_t left = num_frames[state[rows[r]].source] - state[rows[r]].seek;
        frames[r] = left >= 0 ? left / 2 : -((-left + 1) / 2);
        uniform = uniform && frames[r] == frames[0];
      }
    // generate_with_fallback: rows decoded again at the next temperature while they fail the checks.
    std::vector<std::vector<int64_t>> result(static_cast<size_t>(R));
    std::vector<std::vector<double>> times(static_cast<size_t>(R));  // per row, over the whole decoded row (prompt first)
    std::vector<std::vector<int64_t>> rows_out(static_cast<size_t>(R));  // the whole decoded rows
    std::vector<bool> skip(static_cast<size_t>(R), false);
    std::vector<int64_t> todo = every;
    for (size_t fi = 0; fi < temperatures.size() && !todo.empty(); ++fi) {
      const std::optional<double> T = temperatures[fi];
      GenerationConfig call = base;
      call.do_sample = T && *T > 0.0;
      call.temperature = *call.do_sample ? *T : 1.0;
      if (*call.do_sample) call.num_beams = 1;
      const bool beams = call.num_beams.value_or(g.num_beams.value_or(1)) > 1;
      call.output_scores = want_logprob && !beams;
      if (todo.size() != every.size()) m.use_rows(todo);
      Tensor ids, mask;
      prompt_tensors(todo, ids, mask);
      const GenerateOutput out = m.decode(ids, mask, call);
      const auto seqs = out.sequences.to_ints();
      const int64_t S = out.sequences.size(1);
      std::vector<std::vector<float>> weights;  // per head, the pass's rows [k][S - 1][frames]
      if (token_ts && S > 1) {
        const int64_t K = static_cast<int64_t>(todo.size());
        std::vector<int64_t> fed_mask;
        const auto pm = mask.to_ints();
        for (int64_t k = 0; k < K; ++k)
          for (int64_t t = 0; t + 1 < S; ++t) fed_mask.push_back(t < L ? pm[k * L + t] : 1);
        for (const Tensor& w : m.cross_attentions(out.sequences.slice(1, 0, S - 1).contiguous(), Tensor::from_ints(fed_mask, {K, S - 1}), heads))
          weights.push_back(w.to_floats());
      }
      std::vector<int64_t> again;
      for (size_t k = 0; k < todo.size(); ++k) {
        const int64_t r = todo[k];
        std::vector<int64_t> seq(seqs.begin() + static_cast<std::ptrdiff_t>(k) * S + L, seqs.begin() + static_cast<std::ptrdiff_t>(k + 1) * S);
        rows_out[r].assign(seqs.begin() + static_cast<std::ptrdiff_t>(k) * S, seqs.begin() + static_cast<std::ptrdiff_t>(k + 1) * S);
        // Trailing pads dropped (every pad of the row counted; one kept when pad is eos, for the log-probability).
        if (!seq.empty() && seq.back() == pad) {
          int64_t n = std::count(seq.begin(), seq.end(), pad);
          if (!eos.empty() && pad == eos[0]) --n;
          seq.resize(seq.size() - static_cast<size_t>(std::clamp<int64_t>(n, 0, static_cast<int64_t>(seq.size()))));
        }
        // _need_fallback
        bool fallback = false, silent = false;
        double logprob = 0;
        if (g.compression_ratio_threshold && compression_ratio(seq, m.vocab_size) > *g.compression_ratio_threshold) fallback = true;
        if (want_logprob) {
          logprob = beams ? out.sequences_scores.data<float>()[k] : avg_logprob(out.scores, static_cast<int64_t>(k), seq, T.value_or(0.0));
          if (logprob < *g.logprob_threshold) fallback = true;
        }
        if (g.no_speech_threshold && logprob < *g.logprob_threshold && no_speech[r] > *g.no_speech_threshold) fallback = false, silent = true;
        if (!seq.empty() && !eos.empty() && seq.back() == eos[0]) seq.pop_back();
        if (token_ts) {
          std::vector<std::vector<float>> row;
          for (const auto& w : weights) {
            const size_t per = w.size() / todo.size();
            row.emplace_back(w.begin() + static_cast<std::ptrdiff_t>(k * per), w.begin() + static_cast<std::ptrdiff_t>((k + 1) * per));
          }
          times[r] = token_timestamps(row, S, frames[r], uniform, L, m.median_filter_width);
        }
        result[r] = std::move(seq);
        skip[r] = silent;
        state[rows[r]].condition = condition_cfg && (!T || *T < 0.5);
        if (fallback) again.push_back(r);
      }
      todo = std::move(again);
    }
    for (int64_t r = 0; r < R; ++r) {
      Row& st = state[rows[r]];
      if (skip[r]) {
        st.seek += take[r];
        continue;
      }
      int64_t offset = 0;
      const double time_offset = static_cast<double>(st.seek) * 0.02 / 2;
      for (const Slice& sl : retrieve_segments(result[r], timestamp_begin, take[r], time_offset, offset)) {
        GenerateOutput::Segment seg{sl.start, sl.stop, {result[r].begin() + static_cast<std::ptrdiff_t>(sl.begin), result[r].begin() + static_cast<std::ptrdiff_t>(sl.end)}, {},
                                    rows_out[r]};
        if (token_ts)
          for (size_t i = sl.begin; i < sl.end; ++i) {
            const double t = times[r][static_cast<size_t>(L) + i];
            st.raw_times.push_back(t);
            seg.token_timestamps.push_back(t + time_offset);
          }
        st.segments.push_back(seg.tokens);
        st.found.push_back(std::move(seg));
      }
      // Python would decode the same window forever when the last timestamp is <|0.00|>.
      st.seek += offset > 0 ? offset : take[r];
    }
  }
  std::vector<std::vector<int64_t>> tokens(static_cast<size_t>(B));
  size_t longest = 0;
  for (int64_t b = 0; b < B; ++b) {
    for (size_t i = prompt_segment ? 1 : 0; i < state[b].segments.size(); ++i)
      tokens[b].insert(tokens[b].end(), state[b].segments[i].begin(), state[b].segments[i].end());
    longest = std::max(longest, tokens[b].size());
  }
  GenerateOutput out;
  out.sequences = Tensor::full({B, static_cast<int64_t>(longest)}, static_cast<double>(pad), DType::I64);
  for (int64_t b = 0; b < B; ++b) std::copy(tokens[b].begin(), tokens[b].end(), out.sequences.data<int64_t>() + b * static_cast<int64_t>(longest));
  if (token_ts) {
    // _pad_to_max_length: each row's times, padded with its last one
    out.token_timestamps = Tensor::zeros({B, static_cast<int64_t>(longest)});
    for (int64_t b = 0; b < B; ++b) {
      const auto& t = state[b].raw_times;
      for (size_t i = 0; i < longest; ++i)
        out.token_timestamps.data<float>()[b * static_cast<int64_t>(longest) + static_cast<int64_t>(i)] =
            static_cast<float>(i < t.size() ? t[i] : (t.empty() ? 0.0 : t.back()));
    }
  }
  if (g.return_segments.value_or(false))
    for (const Row& st : state) out.segments.push_back(st.found);
  return out;
}

}  // namespace transformers::whisper
