#pragma once
// nlohmann::json behind one include, plus file parsing that turns every failure into a JsonError
// naming the file and the byte position.
#include <nlohmann/json.hpp>
#include <string>

namespace transformers {

// std::map-backed: ordered_json inserts in O(n), far too slow for 150k-entry vocabularies.
using Json = nlohmann::json;

Json parse_json(const std::string& text, const std::string& source);
Json parse_json_file(const std::string& path);
std::string read_file(const std::string& path);  // OSError when unreadable
// Type name for error messages: "string", "integer", "number", "boolean", "null", "array", "object".
const char* json_type_name(const Json& j);

}  // namespace transformers
