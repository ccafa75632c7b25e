// The one JSON writer (models/common/json.h): one escaping rule for every
// report, trace header and timeline.
#include "models/common/json.h"

#include <gtest/gtest.h>

namespace vtpu {
namespace {

TEST(Json, StringsEscapeControlCharactersAndReplaceBadUtf8) {
  EXPECT_EQ(json_string("conv/1"), "\"conv/1\"");
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string(std::string("tab\there\x01")), "\"tab\\there\\u0001\"");
  EXPECT_EQ(json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");  // valid UTF-8 stays
  EXPECT_EQ(json_string("bad\xff"), "\"bad\xef\xbf\xbd\"");  // U+FFFD
  // What is written parses back to the same text (valid UTF-8 in, same out).
  const std::string name = "layer \"x\"\n\x02";
  EXPECT_EQ(Json::parse(json_string(name)).get<std::string>(), name);
}

TEST(Json, RoundedFiguresAndMemberOrder) {
  EXPECT_EQ(json_text(Json(rounded(8.26549, 3))), "8.265");
  EXPECT_EQ(json_text(Json(rounded(0.5, 4))), "0.5");
  Json j;
  j["z"] = 1;
  j["a"] = 2;
  EXPECT_EQ(json_text(j), "{\"z\":1,\"a\":2}");
}

}  // namespace
}  // namespace vtpu
