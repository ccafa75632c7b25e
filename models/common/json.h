// JSON for every report, trace header and timeline vtpu writes: nlohmann-json
// (Debian's nlohmann-json3-dev) with one rule for strings: control characters
// escaped as \u00XX, invalid UTF-8 replaced by U+FFFD (a model's node names are
// not checked).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vtpu {

using Json = nlohmann::ordered_json;  // members in the order they were set

// The document as text: one line (indent < 0) or indented by `indent`.
std::string json_text(const Json& document, int indent = -1);

// `s` as a JSON string, quotes included.
std::string json_string(const std::string& s);

// `v` rounded to `digits` decimals: for figures whose precision is part of
// the output's contract (a bandwidth to the MB/s, a ratio to four places).
double rounded(double v, int digits);

}  // namespace vtpu
