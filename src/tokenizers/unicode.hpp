#pragma once
// UTF-8 and Unicode properties for the tokenizer pipeline (utf8proc tables).
#include <string>
#include <vector>

namespace transformers::tok {

// Decodes valid UTF-8 (throws TokenizerError naming the byte offset otherwise).
std::u32string utf8_decode(const std::string& s);
void utf8_append(std::string& out, char32_t c);
std::string utf8_encode(char32_t c);
size_t utf8_len(char32_t c);
// Length of the UTF-8 sequence starting with lead byte b (1 for continuation/invalid bytes).
size_t utf8_seq_len(unsigned char b);
void validate_utf8(const std::string& s, const char* what);
// Lossy decode: each maximal invalid subsequence becomes one U+FFFD (WHATWG / Rust rules).
std::string utf8_lossy(const std::string& bytes);
bool utf8_valid(const std::string& s);

bool is_whitespace(char32_t c);   // Unicode White_Space
bool is_control(char32_t c);      // Cc | Cf | Co, excluding \t \n \r
bool is_punctuation_bert(char32_t c);  // ASCII punctuation/symbols or gc P*
bool is_numeric(char32_t c);      // Nd | Nl | No
bool is_alphabetic_word(char32_t c);   // regex \w: L* | M* | Nd | Pc
bool is_mark(char32_t c);         // Mn | Mc | Me
bool is_nonspacing_mark(char32_t c);  // Mn
bool is_chinese_char(char32_t c);
std::u32string to_lower(char32_t c);  // full, context-free lowercase
// str.lower() / str.upper() over UTF-8 (upper: simple mappings).
std::string lower_str(const std::string& s);
std::string upper_str(const std::string& s);

// The script UnicodeScripts sees: kScriptAny for the space and characters outside tokenizers'
// Unicode 9.0 table, Han for Hiragana / Katakana / U+30FC, else an id per Unicode script.
constexpr int kScriptAny = 0;
int unicode_script(char32_t c);

enum class NormForm { NFC, NFD, NFKC, NFKD };
// Normalizes one character sequence; used per char cluster by the normalizers.
std::u32string normalize(const std::u32string& s, NormForm f);
// True when `utf8` is certainly unchanged by the form: every character a starter with no
// decomposition the form applies, none that composes onto what precedes it, no Hangul jamo (a
// quick check; false means "run the normalizer").
bool normalization_invariant(const std::string& utf8, NormForm f);
// Whether normalization can start afresh at `c`: a starter nothing before it reorders or composes
// with (not a combining mark, not a character that composes onto a starter, not a medial/final jamo).
bool normalization_boundary(char32_t c);

}  // namespace transformers::tok
