#include "models/common/json.h"

#include <cmath>

namespace vtpu {

std::string json_text(const Json& document, int indent) {
  return document.dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::string json_string(const std::string& s) {
  return json_text(Json(s));
}

double rounded(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

}  // namespace vtpu
