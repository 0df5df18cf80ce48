// Tool definitions for models: schema validation, argv templates and
// injection attempts.
#include <gtest/gtest.h>

#include "cordon/profile.h"
#include "cordon/tool_def.h"

namespace cordon {
namespace {

using nlohmann::json;

ToolDefinition search_tool() {
  json j = json::parse(R"({
    "name": "search_code", "description": "search",
    "parameters": {"type": "object", "additionalProperties": false, "required": ["pattern"],
      "properties": {
        "pattern": {"type": "string", "minLength": 1, "maxLength": 64},
        "path": {"type": "string", "default": "."},
        "ignore_case": {"type": "boolean", "default": false},
        "max_count": {"type": "integer", "minimum": 1, "maximum": 100},
        "globs": {"type": "array", "items": {"type": "string", "maxLength": 32}, "maxItems": 3},
        "mode": {"type": "string", "enum": ["fast", "slow"]},
        "ref": {"type": "string", "pattern": "^[a-z0-9]+$"}}},
    "argv": ["rg", {"flag": "-i", "if": "ignore_case"}, {"option": "--max-count", "value": "max_count"},
             "{ref}", "--", "{pattern}", "{path}", "{globs}"]
  })");
  FieldErrors errors;
  auto t = parse_tool_definition(j, "tool", errors);
  for (const auto& [f, r] : errors) ADD_FAILURE() << f << ": " << r;
  return *t;
}

std::string err_of(const ArgvBuild& b) {
  std::string s;
  for (const auto& [p, r] : b.errors) s += p + ": " + r + "\n";
  return s;
}

TEST(ToolDef, ArgumentsBecomeWholeArgvElements) {
  ArgvBuild b = build_argv(search_tool(), {{"pattern", "foo bar; rm -rf / $(id)"}, {"ignore_case", true},
                                          {"max_count", 5}, {"globs", {"*.c", "*.h"}}});
  ASSERT_TRUE(b.ok()) << err_of(b);
  EXPECT_EQ(b.argv, (std::vector<std::string>{"rg", "-i", "--max-count", "5", "--", "foo bar; rm -rf / $(id)", ".", "*.c", "*.h"}));
}

TEST(ToolDef, DefaultsAndOptionalElements) {
  ArgvBuild b = build_argv(search_tool(), {{"pattern", "x"}});
  ASSERT_TRUE(b.ok()) << err_of(b);
  EXPECT_EQ(b.argv, (std::vector<std::string>{"rg", "--", "x", "."}));
}

TEST(ToolDef, LeadingDashesAreRefusedBeforeEndOfOptions) {
  // git's classic: a "revision" that is really an option.
  ArgvBuild b = build_argv(search_tool(), {{"pattern", "x"}, {"ref", "--upload-pack=touch /tmp/pwned"}});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.errors[0].first, "ref");
  // After "--" a leading dash is just text.
  ArgvBuild ok = build_argv(search_tool(), {{"pattern", "-rf"}});
  ASSERT_TRUE(ok.ok()) << err_of(ok);
  EXPECT_EQ(ok.argv[2], "-rf");
}

TEST(ToolDef, InvalidArgumentsNameTheParameter) {
  struct Case {
    json args;
    std::string param;
    std::string reason_part;
  };
  std::vector<Case> cases = {
      {{{"pattern", ""}}, "pattern", "shorter"},
      {{{"pattern", std::string(65, 'a')}}, "pattern", "longer than 64"},
      {{{"pattern", std::string("a\0b", 3)}}, "pattern", "NUL"},
      {json::object(), "pattern", "required"},
      {{{"pattern", 7}}, "pattern", "must be a string"},
      {{{"pattern", "x"}, {"max_count", 0}}, "max_count", "minimum"},
      {{{"pattern", "x"}, {"max_count", "5"}}, "max_count", "integer"},
      {{{"pattern", "x"}, {"ignore_case", "yes"}}, "ignore_case", "true or false"},
      {{{"pattern", "x"}, {"globs", {"a", "b", "c", "d"}}}, "globs", "more than 3"},
      {{{"pattern", "x"}, {"mode", "turbo"}}, "mode", "one of"},
      {{{"pattern", "x"}, {"ref", "abc$(id)"}}, "ref", "pattern"},
      {{{"pattern", "x"}, {"shell", "sh -c id"}}, "shell", "unknown parameter"},
  };
  for (const auto& c : cases) {
    ArgvBuild b = build_argv(search_tool(), c.args);
    ASSERT_FALSE(b.ok()) << c.args.dump();
    EXPECT_EQ(b.errors[0].first, c.param) << c.args.dump();
    EXPECT_NE(b.errors[0].second.find(c.reason_part), std::string::npos) << err_of(b);
    EXPECT_TRUE(b.argv.empty());
  }
  EXPECT_FALSE(build_argv(search_tool(), json::array()).ok());
}

TEST(ToolDef, Argv0MustBeAnAllowedExecutable) {
  ProfileLoad l = parse_profile(R"({"schema": 1, "name": "t", "version": "1", "exec": ["/usr/bin/rg"],
    "tool": {"description": "d", "parameters": {"type": "object", "additionalProperties": false, "properties": {}},
             "argv": ["grep", "x"]}})", "t.json");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.errors[0].field, "tool.argv[0]");
}

TEST(ToolDef, DefinitionsInEachApiShape) {
  ToolDefinition t = search_tool();
  json o = tool_definition_for(t, "openai");
  EXPECT_EQ(o["type"], "function");
  EXPECT_EQ(o["function"]["name"], "search_code");
  EXPECT_EQ(o["function"]["parameters"]["type"], "object");
  EXPECT_EQ(tool_definition_for(t, "anthropic")["input_schema"]["required"][0], "pattern");
  EXPECT_EQ(tool_definition_for(t, "mcp")["inputSchema"]["additionalProperties"], false);
  EXPECT_TRUE(tool_definition_for(t, "nope").is_null());
}

TEST(ToolDef, BadDefinitionsAreProfileErrors) {
  ProfileLoad l = parse_profile(R"({"schema": 1, "name": "t", "version": "1", "exec": ["/usr/bin/rg"],
    "tool": {"description": "d",
             "parameters": {"type": "object", "properties": {"p": {"type": "string", "format": "uri"},
                                                             "b": {"type": "boolean"}},
                            "required": ["q"]},
             "argv": ["grep", "x{p}", "{b}", "{nope}", {"flag": "-x", "if": "p"}]}})", "t.json");
  ASSERT_FALSE(l.ok());
  std::string all;
  for (const auto& e : l.errors) all += e.field + ": " + e.reason + "\n";
  for (const char* needle : {"tool.parameters.additionalProperties", "tool.parameters.properties.p.format",
                             "tool.parameters.required", "tool.argv[1]", "tool.argv[2]", "tool.argv[3]", "tool.argv[4]"})
    EXPECT_NE(all.find(needle), std::string::npos) << needle << "\n" << all;
}

}  // namespace
}  // namespace cordon
