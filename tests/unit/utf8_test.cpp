#include <gtest/gtest.h>

#include "cordon/utf8.h"

namespace cordon {
namespace {

TEST(Utf8, ValidTextIsUnchanged) {
  for (std::string s : {std::string("plain"), std::string("h\xC3\xA9llo"), std::string("\xE2\x82\xAC 5"),
                        std::string("\xF0\x9F\x98\x80"), std::string("")})
    EXPECT_EQ(utf8_sanitize(s), s);
}

TEST(Utf8, InvalidSequencesAreReplaced) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(utf8_sanitize("a\xFF" "b"), "a" + fffd + "b");
  EXPECT_EQ(utf8_sanitize("\xC0\xAF"), fffd + fffd);            // overlong '/'
  EXPECT_EQ(utf8_sanitize("\xED\xA0\x80"), fffd + fffd + fffd);  // surrogate
  EXPECT_EQ(utf8_sanitize("\xE2\x82"), fffd + fffd);             // truncated
  EXPECT_EQ(utf8_sanitize("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // > U+10FFFF
}

}  // namespace
}  // namespace cordon
