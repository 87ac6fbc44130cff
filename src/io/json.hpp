#pragma once
// nlohmann::json behind one include, plus file parsing that turns every failure into a JsonError
// naming the file and the byte position, and typed accessors that turn a wrong JSON type or an
// out-of-range number into the reader's own typed error (never nlohmann's exceptions, never a
// float-to-int cast that overflows).
#include <cmath>
#include <cstdint>
#include <limits>
#include <algorithm>
#include <string>
#include <type_traits>

#include "transformers/errors.hpp"

namespace transformers::detail {
[[noreturn]] void json_invariant_failed(const char* what);
}  // namespace transformers::detail

// nlohmann's const operator[] on a missing key is undefined behaviour (only an assert guards it),
// and a malformed file can reach one: make that check throw a JsonError in every build type.
// Everything in this project includes nlohmann through this header, so all copies agree.
#if defined(INCLUDE_NLOHMANN_JSON_HPP_) && !defined(TRANSFORMERS_JSON_ASSERT)
#error "include io/json.hpp before any other path to <nlohmann/json.hpp>"
#endif
#define TRANSFORMERS_JSON_ASSERT
#ifndef JSON_ASSERT
#define JSON_ASSERT(x) ((x) ? static_cast<void>(0) : ::transformers::detail::json_invariant_failed(#x))
#endif
#include <nlohmann/json.hpp>

namespace transformers {

// std::map-backed: ordered_json inserts in O(n), far too slow for 150k-entry vocabularies.
using Json = nlohmann::json;

Json parse_json(const std::string& text, const std::string& source);
Json parse_json_file(const std::string& path);
std::string read_file(const std::string& path);  // OSError when unreadable
// Type name for error messages: "string", "integer", "number", "boolean", "null", "array", "object".
const char* json_type_name(const Json& j);

// Typed reads: `what` names the value in the message ("tokenizer.json: padding.pad_id"); E is the
// reader's error type. Integers must be JSON integers within [lo, hi]; numbers must be finite.
template <class E = JsonError>
int64_t json_int(const Json& v, const std::string& what, int64_t lo = std::numeric_limits<int64_t>::min(),
                 int64_t hi = std::numeric_limits<int64_t>::max()) {
  if (!v.is_number_integer()) throw E(what + " must be an integer, got " + json_type_name(v) + " " + v.dump());
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi))
    throw E(what + " = " + v.dump() + " is out of range (at most " + std::to_string(hi) + ")");
  const int64_t i = v.get<int64_t>();
  if (i < lo || i > hi)
    throw E(what + " = " + v.dump() + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return i;
}
template <class E = JsonError>
double json_number(const Json& v, const std::string& what) {
  if (!v.is_number()) throw E(what + " must be a number, got " + json_type_name(v) + " " + v.dump());
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw E(what + " must be finite");
  return d;
}
template <class E = JsonError>
bool json_bool(const Json& v, const std::string& what) {
  if (!v.is_boolean()) throw E(what + " must be a boolean, got " + json_type_name(v) + " " + v.dump());
  return v.get<bool>();
}
template <class E = JsonError>
std::string json_string(const Json& v, const std::string& what) {
  if (!v.is_string()) throw E(what + " must be a string, got " + json_type_name(v) + " " + v.dump());
  return v.get<std::string>();
}
// Optional members of an object: `def` when absent or null.
template <class E = JsonError>
int64_t json_int_or(const Json& obj, const char* key, int64_t def, const std::string& where,
                    int64_t lo = std::numeric_limits<int64_t>::min(), int64_t hi = std::numeric_limits<int64_t>::max()) {
  if (!obj.is_object()) return def;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? def : json_int<E>(*it, where + "." + key, lo, hi);
}
template <class E = JsonError>
double json_number_or(const Json& obj, const char* key, double def, const std::string& where) {
  if (!obj.is_object()) return def;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? def : json_number<E>(*it, where + "." + key);
}

// obj.value(key, def) with the checks above: the type of `def` picks the accessor, and integers
// and floats must fit that type (nlohmann's value() would cast a float 1e40 to int: undefined).
template <class E = JsonError, class T>
T json_value(const Json& obj, const char* key, const T& def, const std::string& where) {
  if (!obj.is_object()) return def;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return def;
  const std::string what = where + ": '" + key + "'";
  if constexpr (std::is_same_v<T, bool>) {
    return json_bool<E>(*it, what);
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(json_int<E>(*it, what, static_cast<int64_t>(std::numeric_limits<T>::min()),
                                      static_cast<int64_t>(std::min<uint64_t>(std::numeric_limits<T>::max(), INT64_MAX))));
  } else if constexpr (std::is_floating_point_v<T>) {
    const double d = json_number<E>(*it, what);
    if (std::fabs(d) > static_cast<double>(std::numeric_limits<T>::max())) throw E(what + " = " + it->dump() + " is out of range");
    return static_cast<T>(d);
  } else {
    static_assert(std::is_same_v<T, std::string>, "json_value: bool, integer, floating point or std::string");
    return json_string<E>(*it, what);
  }
}
template <class E = JsonError>
std::string json_value(const Json& obj, const char* key, const char* def, const std::string& where) {
  return json_value<E>(obj, key, std::string(def), where);
}

}  // namespace transformers
