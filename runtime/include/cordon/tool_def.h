// A tool as a model sees it: name, description, a JSON Schema for its
// parameters, and an argv template that maps validated parameters to whole
// argv elements. No shell, no string concatenation: a parameter value is
// always exactly one argv element (or one per array item), and values that
// could be read as options are refused unless they come after "--".
//
// Supported JSON Schema subset (anything else is a profile error, so that
// nothing is silently unenforced): the root is {"type": "object",
// "properties": {...}, "required": [...], "additionalProperties": false};
// a property has "type" string|integer|boolean|array, optional
// "description", "default", "enum" (strings), "pattern" (ECMAScript, must
// match somewhere), "minLength"/"maxLength" (default max 4096),
// "minimum"/"maximum", and for arrays "items" (a string schema),
// "minItems"/"maxItems".
//
// argv template elements:
//   "literal"                          always present
//   "{param}"                          the value (omitted when absent)
//   {"flag": "--x", "if": "param"}     present when the boolean is true
//   {"option": "--max", "value": "p"}  "--max", value when present
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cordon {

struct ArgvElement {
  enum class Kind { Literal, Param, Flag, Option } kind = Kind::Literal;
  std::string text;   // literal, flag or option name
  std::string param;  // parameter name
  bool after_end_of_options = false;  // a literal "--" comes before it
};

struct ToolDefinition {
  std::string name;
  std::string description;
  nlohmann::json parameters;  // the validated schema, as given
  std::vector<ArgvElement> argv;
  bool raw_argv = false;      // may callers still send raw argv?
};

using FieldErrors = std::vector<std::pair<std::string, std::string>>;  // (field, reason)

// Parses the profile's "tool" object; errors name fields under `path`.
std::optional<ToolDefinition> parse_tool_definition(const nlohmann::json& j, const std::string& path,
                                                    FieldErrors& errors);

struct ArgvBuild {
  std::vector<std::string> argv;
  FieldErrors errors;  // (parameter, reason)
  bool ok() const { return errors.empty(); }
};

// Validates `arguments` against the schema and expands the template.
ArgvBuild build_argv(const ToolDefinition& tool, const nlohmann::json& arguments);

// The definition in the shape an API accepts: "openai", "anthropic", "mcp".
// Returns null for an unknown format.
nlohmann::json tool_definition_for(const ToolDefinition& tool, const std::string& format);

}  // namespace cordon
