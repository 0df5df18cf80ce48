#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cordon/result.h"

namespace cordon {
namespace {

TEST(Result, ExitStatusMapping) {
  Result r;
  r.outcome = Outcome::Ok;
  r.exit_code = 0;
  EXPECT_EQ(exit_status_for(r), 0);
  r.outcome = Outcome::ExitNonzero;
  r.exit_code = 3;
  EXPECT_EQ(exit_status_for(r), 3);
  r.outcome = Outcome::Signaled;
  r.signal = 9;
  EXPECT_EQ(exit_status_for(r), 137);
  r.outcome = Outcome::Timeout;
  EXPECT_EQ(exit_status_for(r), 124);
  r.outcome = Outcome::Violation;
  EXPECT_EQ(exit_status_for(r), 121);
  r.outcome = Outcome::MemoryLimit;
  EXPECT_EQ(exit_status_for(r), 122);
  r.outcome = Outcome::SetupError;
  EXPECT_EQ(exit_status_for(r), 125);
}

TEST(Result, JsonIsValidEvenForBinaryOutput) {
  Result r;
  r.outcome = Outcome::Violation;
  r.stdout_.data = std::string("\xFF\xFE binary \x00 zero", 17);
  r.denials.push_back(Denial{"ptrace", 101, "kill", 0, 2});
  auto j = to_json(r);
  std::string text = j.dump();
  auto back = nlohmann::json::parse(text);
  EXPECT_EQ(back["outcome"], "violation");
  EXPECT_EQ(back["denied_syscalls"][0]["syscall"], "ptrace");
  EXPECT_EQ(back["denied_syscalls"][0]["count"], 2);
  EXPECT_FALSE(back["denied_syscalls"][0].contains("errno"));
  EXPECT_NE(back["stdout"]["data"].get<std::string>().find("binary"), std::string::npos);
}

}  // namespace
}  // namespace cordon
