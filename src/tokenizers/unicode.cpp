#include "tokenizers/unicode.hpp"

#include <oniguruma.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include <utf8proc.h>

#include <cstdlib>

#include "tokenizers/regex.hpp"
#include "transformers/errors.hpp"

namespace transformers::tok {

size_t utf8_len(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

size_t utf8_seq_len(unsigned char b) {
  if (b < 0x80) return 1;
  if ((b >> 5) == 6) return 2;
  if ((b >> 4) == 14) return 3;
  if ((b >> 3) == 30) return 4;
  return 1;
}

void utf8_append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string utf8_encode(char32_t c) {
  std::string s;
  utf8_append(s, c);
  return s;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when invalid.
static size_t valid_seq(const std::string& s, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  const unsigned char b = p[i];
  if (b < 0x80) return 1;
  auto cont = [&](size_t k) { return i + k < n && (p[i + k] & 0xC0) == 0x80; };
  if (b >= 0xC2 && b <= 0xDF) return cont(1) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    if (i + 1 >= n) return 0;
    const unsigned char b1 = p[i + 1];
    if ((b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 > 0x9F)) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    if (i + 1 >= n) return 0;
    const unsigned char b1 = p[i + 1];
    if ((b == 0xF0 && b1 < 0x90) || (b == 0xF4 && b1 > 0x8F)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

bool utf8_valid(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const size_t k = valid_seq(s, i);
    if (!k) return false;
    i += k;
  }
  return true;
}

void validate_utf8(const std::string& s, const char* what) {
  for (size_t i = 0; i < s.size();) {
    const size_t k = valid_seq(s, i);
    if (!k) throw TokenizerError(std::string(what) + ": invalid UTF-8 at byte " + std::to_string(i));
    i += k;
  }
}

std::u32string utf8_decode(const std::string& s) {
  std::u32string r;
  r.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    const size_t k = valid_seq(s, i);
    if (!k) throw TokenizerError("invalid UTF-8 at byte " + std::to_string(i));
    char32_t c = k == 1 ? p[i] : k == 2 ? (p[i] & 0x1F) : k == 3 ? (p[i] & 0x0F) : (p[i] & 0x07);
    for (size_t j = 1; j < k; ++j) c = (c << 6) | (p[i + j] & 0x3F);
    r += c;
    i += k;
  }
  return r;
}

std::string utf8_lossy(const std::string& s) {
  std::string out;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const size_t k = valid_seq(s, i);
    if (k) {
      out.append(s, i, k);
      i += k;
      continue;
    }
    // Maximal invalid subsequence: the longest prefix of a valid sequence, or one byte.
    size_t len = 1;
    const unsigned char b = p[i];
    size_t need = (b >= 0xC2 && b <= 0xDF) ? 2 : (b >= 0xE0 && b <= 0xEF) ? 3 : (b >= 0xF0 && b <= 0xF4) ? 4 : 0;
    if (need) {
      for (size_t j = 1; j < need && i + j < n; ++j) {
        const unsigned char c = p[i + j];
        bool ok = (c & 0xC0) == 0x80;
        if (j == 1) {
          if (b == 0xE0) ok = c >= 0xA0 && c <= 0xBF;
          else if (b == 0xED) ok = c >= 0x80 && c <= 0x9F;
          else if (b == 0xF0) ok = c >= 0x90 && c <= 0xBF;
          else if (b == 0xF4) ok = c >= 0x80 && c <= 0x8F;
        }
        if (!ok) break;
        len = j + 1;
      }
    }
    out += "\xEF\xBF\xBD";
    i += len;
  }
  return out;
}

static utf8proc_category_t cat(char32_t c) { return utf8proc_category(static_cast<utf8proc_int32_t>(c)); }

bool is_whitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  const auto k = cat(c);
  return k == UTF8PROC_CATEGORY_CC || k == UTF8PROC_CATEGORY_CF || k == UTF8PROC_CATEGORY_CO;
}

bool is_punctuation_bert(char32_t c) {
  if ((c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E)) return true;
  const auto k = cat(c);
  return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

bool is_numeric(char32_t c) {
  const auto k = cat(c);
  return k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_NO;
}

bool is_mark(char32_t c) {
  const auto k = cat(c);
  return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC || k == UTF8PROC_CATEGORY_ME;
}
bool is_nonspacing_mark(char32_t c) { return cat(c) == UTF8PROC_CATEGORY_MN; }

bool is_alphabetic_word(char32_t c) {
  const auto k = cat(c);
  return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) || is_mark(c) || k == UTF8PROC_CATEGORY_ND ||
         k == UTF8PROC_CATEGORY_PC || k == UTF8PROC_CATEGORY_NL || c == 0x200C || c == 0x200D;
}

bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::u32string to_lower(char32_t c) {
  if (c == 0x130) return U"i\u0307";  // the one full-mapping expansion in SpecialCasing without context
  return std::u32string(1, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
}

namespace {
struct CodeRange {
  char32_t first, last;
};
constexpr CodeRange kScriptAnyRanges[] = {
#include "tokenizers/unicode_scripts_any.inc"
};
// The scripts of tokenizers' table, as Oniguruma names them; the most frequent first.
const char* const kScripts[] = {
    "Latin", "Common", "Han", "Hiragana", "Katakana", "Cyrillic", "Greek", "Arabic", "Hangul", "Inherited", "Hebrew", "Devanagari",
    "Thai", "Bengali", "Tamil", "Telugu", "Kannada", "Malayalam", "Gujarati", "Gurmukhi", "Oriya", "Sinhala", "Georgian", "Armenian",
    "Ethiopic", "Khmer", "Lao", "Myanmar", "Tibetan", "Mongolian", "Bopomofo", "Yi", "Syriac", "Thaana", "Nko", "Adlam", "Ahom",
    "Anatolian_Hieroglyphs", "Avestan", "Balinese", "Bamum", "Bassa_Vah", "Batak", "Bhaiksuki", "Brahmi", "Braille", "Buginese",
    "Buhid", "Canadian_Aboriginal", "Carian", "Caucasian_Albanian", "Chakma", "Cham", "Cherokee", "Coptic", "Cuneiform", "Cypriot",
    "Deseret", "Duployan", "Egyptian_Hieroglyphs", "Elbasan", "Glagolitic", "Gothic", "Grantha", "Hanunoo", "Hatran",
    "Imperial_Aramaic", "Inscriptional_Pahlavi", "Inscriptional_Parthian", "Javanese", "Kaithi", "Kayah_Li", "Kharoshthi", "Khojki",
    "Khudawadi", "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian", "Mahajani", "Mandaic", "Manichaean",
    "Marchen", "Meetei_Mayek", "Mende_Kikakui", "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Modi", "Mro", "Multani",
    "Nabataean", "New_Tai_Lue", "Newa", "Ogham", "Ol_Chiki", "Old_Hungarian", "Old_Italic", "Old_North_Arabian", "Old_Permic",
    "Old_Persian", "Old_South_Arabian", "Old_Turkic", "Osage", "Osmanya", "Pahawh_Hmong", "Palmyrene", "Pau_Cin_Hau", "Phags_Pa",
    "Phoenician", "Psalter_Pahlavi", "Rejang", "Runic", "Samaritan", "Saurashtra", "Sharada", "Shavian", "Siddham", "SignWriting",
    "Sora_Sompeng", "Sundanese", "Syloti_Nagri", "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham", "Tai_Viet", "Takri", "Tangut",
    "Tifinagh", "Tirhuta", "Ugaritic", "Vai", "Warang_Citi"};
}  // namespace

int unicode_script(char32_t c) {
  if (c == 0x30FC) return 3;  // Han
  const auto* end = std::end(kScriptAnyRanges);
  const auto* it = std::upper_bound(std::begin(kScriptAnyRanges), end, c, [](char32_t x, const CodeRange& r) { return x < r.first; });
  if (it != std::begin(kScriptAnyRanges) && c <= (it - 1)->last) return kScriptAny;
  static const std::vector<int> ctypes = [] {
    std::vector<int> v;
    Regex init("a");  // initializes Oniguruma (once) before its tables are queried
    OnigEncoding enc = ONIG_ENCODING_UTF8;
    for (const char* name : kScripts) {
      const int ct = ONIGENC_PROPERTY_NAME_TO_CTYPE(enc, reinterpret_cast<OnigUChar*>(const_cast<char*>(name)),
                                                    reinterpret_cast<OnigUChar*>(const_cast<char*>(name)) + std::strlen(name));
      v.push_back(ct);  // < 0 if this Oniguruma lacks the script: never matches
    }
    return v;
  }();
  for (size_t i = 0; i < ctypes.size(); ++i)
    if (ctypes[i] >= 0 && ONIGENC_IS_CODE_CTYPE(ONIG_ENCODING_UTF8, c, static_cast<unsigned int>(ctypes[i])))
      return i == 3 || i == 4 ? 3 : static_cast<int>(i) + 1;  // Hiragana and Katakana count as Han
  return kScriptAny;
}

std::string lower_str(const std::string& s) {
  std::string out;
  for (char32_t c : utf8_decode(s))
    for (char32_t l : to_lower(c)) utf8_append(out, l);
  return out;
}

std::string upper_str(const std::string& s) {
  std::string out;
  for (char32_t c : utf8_decode(s)) utf8_append(out, static_cast<char32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(c))));
  return out;
}

bool normalization_invariant(const std::string& utf8, NormForm f) {
  const bool compat = f == NormForm::NFKC || f == NormForm::NFKD, decompose = f == NormForm::NFD || f == NormForm::NFKD;
  for (size_t i = 0; i < utf8.size();) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    utf8proc_int32_t c;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data() + i), static_cast<utf8proc_ssize_t>(utf8.size() - i), &c);
    if (n <= 0) return false;
    i += static_cast<size_t>(n);
    if (!decompose && !compat && c < 0x300) continue;  // Latin-1 and friends: precomposed, nothing composes onto them alone
    if ((c >= 0x1100 && c < 0x1200) || (c >= 0xA960 && c < 0xA980) || (c >= 0xD7B0 && c < 0xD800)) return false;  // jamo
    if (decompose && c >= 0xAC00 && c <= 0xD7A3) return false;  // Hangul syllables decompose
    const utf8proc_property_t* p = utf8proc_get_property(c);
    if (p->combining_class != 0) return false;
    if (p->decomp_seqindex != UINT16_MAX && (compat || p->decomp_type == 0)) return false;
    if (!decompose && p->comb_index != UINT16_MAX && p->comb_index >= 0x8000) return false;  // composes onto a starter
  }
  return true;
}

bool normalization_boundary(char32_t c) {
  if (c < 0x300) return true;
  if (c >= 0x1160 && c < 0x1200) return false;  // vowel and trailing jamo join what precedes them
  if ((c >= 0xD7B0 && c < 0xD800)) return false;
  const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(c));
  return p->combining_class == 0 && !(p->comb_index != UINT16_MAX && p->comb_index >= 0x8000);
}

std::u32string normalize(const std::u32string& s, NormForm f) {
  if (s.empty()) return s;
  std::string in;
  for (char32_t c : s) utf8_append(in, c);
  int opts = UTF8PROC_STABLE;
  switch (f) {
    case NormForm::NFC: opts |= UTF8PROC_COMPOSE; break;
    case NormForm::NFD: opts |= UTF8PROC_DECOMPOSE; break;
    case NormForm::NFKC: opts |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    case NormForm::NFKD: opts |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
  }
  utf8proc_uint8_t* out = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(in.data()), static_cast<utf8proc_ssize_t>(in.size()), &out,
                              static_cast<utf8proc_option_t>(opts));
  if (n < 0) throw TokenizerError(std::string("unicode normalization failed: ") + utf8proc_errmsg(n));
  std::string r(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  std::free(out);
  return utf8_decode(r);
}

}  // namespace transformers::tok
