#include "io/json.hpp"

#include <fstream>
#include <sstream>

#include "transformers/errors.hpp"

namespace transformers {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw OSError("cannot open file '" + path + "'");
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) throw OSError("error reading file '" + path + "'");
  return ss.str();
}

namespace detail {
void json_invariant_failed(const char* what) { throw JsonError(std::string("JSON access failed (") + what + ")"); }
}  // namespace detail

Json parse_json(const std::string& text, const std::string& source) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw JsonError(source + ": malformed JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const Json::exception& e) {  // out_of_range 406: a number too large for a double
    throw JsonError(source + ": malformed JSON: " + e.what());
  }
}

Json parse_json_file(const std::string& path) { return parse_json(read_file(path), path); }

const char* json_type_name(const Json& j) {
  if (j.is_string()) return "string";
  if (j.is_boolean()) return "boolean";
  if (j.is_number_integer()) return "integer";
  if (j.is_number()) return "number";
  if (j.is_null()) return "null";
  if (j.is_array()) return "array";
  return "object";
}

}  // namespace transformers
