// The daemon's request decoder: any line, however typed, is a Request or a
// ProtocolError value, never an exception (a fuzz find: "all": 55566).
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "daemon/protocol.h"

namespace cordon::daemon {
namespace {

const ProtocolError* error_of(const std::variant<Request, ProtocolError>& d) { return std::get_if<ProtocolError>(&d); }

TEST(ProtocolDecode, WronglyTypedFieldsAreBadRequestsNotExceptions) {
  const char* lines[] = {
      R"({"op": "kill", "id": 1, "all": 55566})",
      R"({"op": "kill", "id": 1, "all": "yes"})",
      R"({"op": "kill", "id": 1, "call_id": 7})",
      R"({"op": "kill", "id": 1, "tool": ["sh"]})",
      R"({"op": "run", "id": 1, "tool": "sh", "argv": ["true"], "stream": 1})",
      R"({"op": "run", "id": 1, "tool": "sh", "argv": ["true"], "timeout_ms": "5"})",
      R"({"op": "run", "id": 1, "tool": "sh", "argv": ["true"], "stdin": 3})",
      R"({"op": "run", "id": 1, "tool": "sh", "argv": ["true"], "workspace": {}})",
      R"({"op": "run", "id": 1, "tool": 5, "argv": ["true"]})",
      R"({"op": "stats", "id": 1, "format": 2})",
  };
  for (const char* line : lines) {
    std::variant<Request, ProtocolError> d;
    ASSERT_NO_THROW(d = decode_request(line)) << line;
    const ProtocolError* e = error_of(d);
    ASSERT_NE(e, nullptr) << line;
    EXPECT_EQ(e->code, "bad_request") << line;
  }
}

TEST(ProtocolDecode, KillNeedsExactlyOneTarget) {
  auto none = decode_request(R"({"op": "kill", "id": 1})");
  ASSERT_NE(error_of(none), nullptr);
  auto two = decode_request(R"({"op": "kill", "id": 1, "tool": "sh", "all": true})");
  ASSERT_NE(error_of(two), nullptr);
  auto all_false = decode_request(R"({"op": "kill", "id": 1, "all": false})");
  ASSERT_NE(error_of(all_false), nullptr);
  auto ok = decode_request(R"({"op": "kill", "id": 1, "all": true})");
  EXPECT_EQ(error_of(ok), nullptr);
}

}  // namespace
}  // namespace cordon::daemon
