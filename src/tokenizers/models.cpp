// Models (tokenizers/src/models/*): BPE, WordPiece, WordLevel, Unigram.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <queue>

#include "tokenizers/components.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"

namespace transformers::tok {
namespace {

struct VocabModel : Model {
  std::unordered_map<std::string, int64_t> vocab_;
  std::unordered_map<int64_t, std::string> rev_;
  std::optional<int64_t> token_to_id(const std::string& t) const override {
    auto it = vocab_.find(t);
    if (it == vocab_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> id_to_token(int64_t id) const override {
    auto it = rev_.find(id);
    if (it == rev_.end()) return std::nullopt;
    return it->second;
  }
  size_t vocab_size() const override { return vocab_.size(); }
  std::map<std::string, int64_t> vocab() const override { return {vocab_.begin(), vocab_.end()}; }
  void load_vocab(const Json& v, ModelTables* t, const char* where) {
    if (t && t->vocab_object) {
      if (!t->error.empty()) throw TokenizerError(std::string(where) + ": " + t->error);
      vocab_.reserve(t->vocab.size());
      rev_.reserve(t->vocab.size());
      for (auto& [piece, id] : t->vocab) {
        auto [it, fresh] = vocab_.insert_or_assign(std::move(piece), id);
        rev_[id] = it->first;
      }
      t->vocab.clear();
      return;
    }
    if (!v.is_object()) throw TokenizerError(std::string(where) + ": vocab must be an object");
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!it.value().is_number_integer()) throw TokenizerError(std::string(where) + ": vocab id of '" + it.key() + "' is not an integer");
      vocab_[it.key()] = it.value().get<int64_t>();
      rev_[it.value().get<int64_t>()] = it.key();
    }
  }
};

// Chars of a word with their byte spans.
std::vector<std::pair<size_t, size_t>> char_spans(const std::string& w) {
  std::vector<std::pair<size_t, size_t>> r;
  for (size_t i = 0; i < w.size();) {
    const size_t k = utf8_seq_len(static_cast<unsigned char>(w[i]));
    r.emplace_back(i, i + k);
    i += k;
  }
  return r;
}

// Open-addressing table for merge pairs: the BPE inner loop's hottest lookup. Keys are
// (left id << 32 | right id); empty slots hold ~0.
class MergeTable {
 public:
  struct Entry { uint64_t key = ~0ull; int32_t rank = 0, id = 0; };
  void insert(uint64_t key, int32_t rank, int32_t id) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    Entry* e = probe(key);
    if (e->key == ~0ull) ++size_;
    *e = {key, rank, id};
  }
  const Entry* find(uint64_t key) const {
    if (slots_.empty()) return nullptr;
    const Entry* e = probe(key);
    return e->key == key ? e : nullptr;
  }

 private:
  static uint64_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return k;
  }
  Entry* probe(uint64_t key) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = mix(key) & mask;; i = (i + 1) & mask)
      if (slots_[i].key == key || slots_[i].key == ~0ull) return const_cast<Entry*>(&slots_[i]);
  }
  void grow() {
    std::vector<Entry> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Entry{});
    size_ = 0;
    for (const Entry& e : old)
      if (e.key != ~0ull) insert(e.key, e.rank, e.id);
  }
  std::vector<Entry> slots_;
  size_t size_ = 0;
};

struct BPE : VocabModel {
  MergeTable merges;
  static uint64_t key(int64_t a, int64_t b) { return (static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b); }
  // Words repeat: like the Rust library, remember the result of short words.
  mutable std::mutex cache_mu;
  mutable std::unordered_map<std::string, std::vector<Token>> cache;
  std::optional<std::string> unk;
  std::string prefix, suffix;
  bool fuse_unk = false, byte_fallback = false, ignore_merges = false;
  bool is_bpe() const override { return true; }

  std::vector<Token> tokenize(const std::string& w) const override {
    if (w.empty()) return {};
    if (w.size() < 256) {
      std::lock_guard<std::mutex> lock(cache_mu);
      auto it = cache.find(w);
      if (it != cache.end()) return it->second;
    }
    std::vector<Token> r = tokenize_uncached(w);
    if (w.size() < 256) {
      std::lock_guard<std::mutex> lock(cache_mu);
      if (cache.size() >= 10000) cache.clear();
      cache.emplace(w, r);
    }
    return r;
  }

  std::vector<Token> tokenize_uncached(const std::string& w) const {
    if (ignore_merges)
      if (auto id = token_to_id(w)) return {{*id, w, 0, w.size()}};
    struct Sym { int64_t id; size_t b, e; int prev, next; bool alive; };
    std::vector<Sym> syms;
    const auto spans = char_spans(w);
    std::optional<size_t> pending_unk;  // index into syms of a fusable unk
    for (size_t i = 0; i < spans.size(); ++i) {
      std::string s = w.substr(spans[i].first, spans[i].second - spans[i].first);
      if (i > 0) s = prefix + s;
      if (i + 1 == spans.size()) s += suffix;
      auto id = token_to_id(s);
      if (id) {
        pending_unk.reset();
        syms.push_back({*id, spans[i].first, spans[i].second, 0, 0, true});
        continue;
      }
      if (byte_fallback) {
        std::vector<int64_t> ids;
        const std::string raw = w.substr(spans[i].first, spans[i].second - spans[i].first);
        bool all = true;
        for (unsigned char b : raw) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "<0x%02X>", b);
          auto bid = token_to_id(buf);
          if (!bid) { all = false; break; }
          ids.push_back(*bid);
        }
        if (all) {
          for (size_t k = 0; k < ids.size(); ++k) syms.push_back({ids[k], spans[i].first + k, spans[i].first + k + 1, 0, 0, true});
          continue;
        }
      }
      if (!unk) continue;  // no unk token: the char is dropped, as in the Rust library
      const auto uid = token_to_id(*unk);
      if (!uid) throw TokenizerError("BPE: unk_token '" + *unk + "' is not in the vocabulary");
      if (fuse_unk && pending_unk) {
        syms[*pending_unk].e = spans[i].second;
        continue;
      }
      syms.push_back({*uid, spans[i].first, spans[i].second, 0, 0, true});
      pending_unk = syms.size() - 1;
    }
    const int n = static_cast<int>(syms.size());
    for (int i = 0; i < n; ++i) {
      syms[i].prev = i - 1;
      syms[i].next = i + 1 < n ? i + 1 : -1;
    }
    // Lowest rank first, then leftmost.
    using Item = std::tuple<int64_t, int, int64_t>;  // rank, left position, expected new id
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> q;
    auto push = [&](int l) {
      if (l < 0 || syms[l].next < 0) return;
      if (const auto* e = merges.find(key(syms[l].id, syms[syms[l].next].id))) q.emplace(e->rank, l, e->id);
    };
    for (int i = 0; i < n; ++i) push(i);
    while (!q.empty()) {
      auto [rank, l, nid] = q.top();
      q.pop();
      if (!syms[l].alive || syms[l].next < 0) continue;
      const int r = syms[l].next;
      const auto* e = merges.find(key(syms[l].id, syms[r].id));
      if (!e || e->id != nid || e->rank != rank) continue;  // stale
      syms[l].id = nid;
      syms[l].e = syms[r].e;
      syms[r].alive = false;
      syms[l].next = syms[r].next;
      if (syms[r].next >= 0) syms[syms[r].next].prev = l;
      push(syms[l].prev);
      push(l);
    }
    std::vector<Token> out;
    for (const auto& s : syms)
      if (s.alive) out.push_back({s.id, *id_to_token(s.id), s.b, s.e});
    return out;
  }
};

struct WordPiece : VocabModel {
  std::string unk = "[UNK]", prefix = "##";
  size_t max_chars = 100;
  std::vector<Token> tokenize(const std::string& w) const override {
    if (w.empty()) return {};
    const auto spans = char_spans(w);
    auto unk_tok = [&]() -> std::vector<Token> {
      auto id = token_to_id(unk);
      if (!id) throw TokenizerError("WordPiece: unk_token '" + unk + "' is not in the vocabulary");
      return {{*id, unk, 0, w.size()}};
    };
    if (spans.size() > max_chars) return unk_tok();
    std::vector<Token> out;
    size_t start = 0;
    while (start < spans.size()) {
      size_t end = spans.size();
      std::optional<Token> found;
      while (start < end) {
        std::string sub = w.substr(spans[start].first, spans[end - 1].second - spans[start].first);
        if (start > 0) sub = prefix + sub;
        if (auto id = token_to_id(sub)) {
          found = Token{*id, sub, spans[start].first, spans[end - 1].second};
          break;
        }
        --end;
      }
      if (!found) return unk_tok();
      out.push_back(*found);
      start = end;
    }
    return out;
  }
};

struct WordLevel : VocabModel {
  std::string unk;
  std::vector<Token> tokenize(const std::string& w) const override {
    if (w.empty()) return {};
    if (auto id = token_to_id(w)) return {{*id, w, 0, w.size()}};
    auto uid = token_to_id(unk);
    if (!uid) throw TokenizerError("WordLevel: unk_token '" + unk + "' is not in the vocabulary");
    return {{*uid, unk, 0, w.size()}};
  }
};

struct Unigram : Model {
  std::vector<std::pair<std::string, double>> pieces;
  std::unordered_map<std::string, int64_t> index;
  std::optional<int64_t> unk_id;
  bool byte_fallback = false;
  double min_score = 0;
  size_t max_piece_bytes = 0;

  std::optional<int64_t> token_to_id(const std::string& t) const override {
    auto it = index.find(t);
    if (it == index.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> id_to_token(int64_t id) const override {
    if (id < 0 || id >= static_cast<int64_t>(pieces.size())) return std::nullopt;
    return pieces[id].first;
  }
  size_t vocab_size() const override { return pieces.size(); }
  std::map<std::string, int64_t> vocab() const override { return {index.begin(), index.end()}; }

  std::vector<Token> tokenize(const std::string& w) const override {
    if (w.empty()) return {};
    const size_t n = w.size();
    const double unk_score = min_score - 10.0;
    struct Best { double score = -std::numeric_limits<double>::infinity(); size_t start = 0; int64_t id = -1; bool set = false; };
    std::vector<Best> best(n + 1);
    best[0].score = 0;
    best[0].set = true;
    for (size_t pos = 0; pos < n;) {
      const size_t clen = utf8_seq_len(static_cast<unsigned char>(w[pos]));
      if (!best[pos].set) { pos += clen; continue; }
      bool single = false;
      for (size_t len = 1; len <= max_piece_bytes && pos + len <= n; ++len) {
        auto it = index.find(w.substr(pos, len));
        if (it == index.end()) continue;
        const double s = best[pos].score + pieces[it->second].second;
        Best& b = best[pos + len];
        if (!b.set || s > b.score) b = {s, pos, it->second, true};
        if (len == clen) single = true;
      }
      if (!single) {
        const double s = best[pos].score + unk_score;
        Best& b = best[pos + clen];
        if (!b.set || s > b.score) b = {s, pos, -1, true};
      }
      pos += clen;
    }
    // Backtrack, then fuse consecutive unknowns.
    std::vector<Token> rev;
    for (size_t e = n; e > 0;) {
      const Best& b = best[e];
      rev.push_back({b.id, w.substr(b.start, e - b.start), b.start, e});
      e = b.start;
    }
    std::reverse(rev.begin(), rev.end());
    std::vector<Token> fused;
    for (auto& t : rev) {
      if (t.id < 0 && !fused.empty() && fused.back().id < 0) {
        fused.back().value += t.value;
        fused.back().end = t.end;
      } else {
        fused.push_back(t);
      }
    }
    std::vector<Token> out;
    for (auto& t : fused) {
      if (t.id >= 0) {
        out.push_back(t);
        continue;
      }
      if (byte_fallback) {
        std::vector<int64_t> ids;
        for (unsigned char b : t.value) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "<0x%02X>", b);
          auto id = token_to_id(buf);
          if (!id) { ids.clear(); break; }
          ids.push_back(*id);
        }
        if (!ids.empty()) {
          for (int64_t id : ids) out.push_back({id, pieces[id].first, t.begin, t.end});
          continue;
        }
      }
      if (!unk_id) throw TokenizerError("Unigram: text has unknown pieces and the model has no unk_id");
      out.push_back({*unk_id, t.value, t.begin, t.end});
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Model> make_model(const Json& j, ModelTables* tables) {
  if (!j.is_object()) throw TokenizerError("tokenizer.json: 'model' must be an object");
  std::string type = jstring(j, "type", "");
  if (type.empty()) {  // old files: infer from the fields
    if (j.contains("merges")) type = "BPE";
    else if (j.contains("continuing_subword_prefix") || j.contains("max_input_chars_per_word")) type = "WordPiece";
    else if (j.contains("vocab") && j["vocab"].is_array()) type = "Unigram";
    else type = "WordLevel";
  }
  if (type == "SpmVocab") return make_spm_vocab_model(j, tables);
  if (type == "BPE") {
    auto m = std::make_unique<BPE>();
    m->load_vocab(jfield(j, "vocab", "BPE"), tables, "BPE");
    if (j.contains("unk_token") && j["unk_token"].is_string()) m->unk = j["unk_token"].get<std::string>();
    m->prefix = jstring(j, "continuing_subword_prefix", "");
    m->suffix = jstring(j, "end_of_word_suffix", "");
    m->fuse_unk = jbool(j, "fuse_unk", false);
    m->byte_fallback = jbool(j, "byte_fallback", false);
    m->ignore_merges = jbool(j, "ignore_merges", false);
    // The pairs, from the tables or the tree.
    std::vector<std::pair<std::string, std::string>> pairs;
    if (tables && tables->has_merges) {
      if (!tables->error.empty()) throw TokenizerError("BPE: " + tables->error);
      pairs = std::move(tables->merges);
    } else {
      for (const auto& mj : jfield(j, "merges", "BPE")) {
        if (mj.is_string()) {
          const std::string s = mj.get<std::string>();
          if (s.rfind("#version", 0) == 0) continue;
          const auto sp = s.find(' ');
          if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
            throw TokenizerError("BPE: merge '" + s + "' must be two tokens separated by one space");
          pairs.emplace_back(s.substr(0, sp), s.substr(sp + 1));
        } else if (mj.is_array() && mj.size() == 2 && mj[0].is_string() && mj[1].is_string()) {
          pairs.emplace_back(mj[0].get<std::string>(), mj[1].get<std::string>());
        } else {
          throw TokenizerError("BPE: invalid merge entry " + mj.dump());
        }
      }
    }
    int64_t rank = 0;
    std::string merged;
    for (const auto& [a, b] : pairs) {
      merged.assign(a);
      if (b.rfind(m->prefix, 0) == 0) merged.append(b, m->prefix.size());
      else merged.append(b);
      auto ia = m->token_to_id(a), ib = m->token_to_id(b), im = m->token_to_id(merged);
      if (!ia || !ib || !im) throw TokenizerError("BPE: merge '" + a + " " + b + "' uses tokens missing from the vocabulary");
      if (rank >= INT32_MAX || *im > INT32_MAX) throw TokenizerError("BPE: vocabulary or merge list too large");
      m->merges.insert(BPE::key(*ia, *ib), static_cast<int32_t>(rank++), static_cast<int32_t>(*im));
    }
    return m;
  }
  if (type == "WordPiece") {
    auto m = std::make_unique<WordPiece>();
    m->load_vocab(jfield(j, "vocab", "WordPiece"), tables, "WordPiece");
    m->unk = jstring(j, "unk_token", "[UNK]");
    m->prefix = jstring(j, "continuing_subword_prefix", "##");
    if (j.contains("max_input_chars_per_word") && j["max_input_chars_per_word"].is_number_unsigned())
      m->max_chars = j["max_input_chars_per_word"].get<size_t>();
    return m;
  }
  if (type == "WordLevel") {
    auto m = std::make_unique<WordLevel>();
    m->load_vocab(jfield(j, "vocab", "WordLevel"), tables, "WordLevel");
    m->unk = jstring(j, "unk_token", "<unk>");
    return m;
  }
  if (type == "Unigram") {
    auto m = std::make_unique<Unigram>();
    const Json& v = jfield(j, "vocab", "Unigram");
    std::vector<std::pair<std::string, double>> entries;
    if (tables && tables->vocab_array) {
      if (!tables->error.empty()) throw TokenizerError("Unigram: " + tables->error);
      entries = std::move(tables->scores);
    } else {
      if (!v.is_array()) throw TokenizerError("Unigram: vocab must be a list of [piece, score]");
      for (const auto& e : v) {
        if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number())
          throw TokenizerError("Unigram: invalid vocab entry " + e.dump());
        entries.emplace_back(e[0].get<std::string>(), e[1].get<double>());
      }
    }
    m->min_score = std::numeric_limits<double>::infinity();
    m->index.reserve(entries.size());
    m->pieces.reserve(entries.size());
    for (auto& [p, s] : entries) {
      m->index.emplace(p, static_cast<int64_t>(m->pieces.size()));
      m->min_score = std::min(m->min_score, s);
      m->max_piece_bytes = std::max(m->max_piece_bytes, p.size());
      m->pieces.emplace_back(std::move(p), s);
    }
    if (j.contains("unk_id") && j["unk_id"].is_number_integer()) {
      m->unk_id = j["unk_id"].get<int64_t>();
      if (*m->unk_id < 0 || *m->unk_id >= static_cast<int64_t>(m->pieces.size())) throw TokenizerError("Unigram: unk_id out of range");
    }
    m->byte_fallback = jbool(j, "byte_fallback", false);
    return m;
  }
  throw TokenizerError("model type '" + type + "' is not supported");
}

}  // namespace transformers::tok
