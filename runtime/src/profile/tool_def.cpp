#include "cordon/tool_def.h"

#include <regex>
#include <set>

namespace cordon {
namespace {

using nlohmann::json;

constexpr std::size_t kDefaultMaxLength = 4096;
const std::regex kToolName("^[A-Za-z0-9_-]{1,64}$");

bool known_keys(const json& j, std::initializer_list<const char*> keys, const std::string& path, FieldErrors& errors) {
  std::set<std::string> k(keys.begin(), keys.end());
  bool ok = true;
  for (const auto& [key, v] : j.items())
    if (!k.count(key)) {
      errors.emplace_back(path + "." + key, "unknown or unsupported keyword");
      ok = false;
    }
  return ok;
}

bool is_count(const json& v) { return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0); }

void check_string_schema(const json& s, const std::string& path, FieldErrors& errors) {
  if (s.contains("enum")) {
    if (!s["enum"].is_array() || s["enum"].empty()) errors.emplace_back(path + ".enum", "must be a non-empty array of strings");
    else
      for (const auto& e : s["enum"])
        if (!e.is_string()) errors.emplace_back(path + ".enum", "must be a non-empty array of strings");
  }
  if (s.contains("pattern")) {
    if (!s["pattern"].is_string()) {
      errors.emplace_back(path + ".pattern", "must be a string");
    } else {
      try {
        std::regex re(s["pattern"].get<std::string>(), std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        errors.emplace_back(path + ".pattern", "is not a valid regular expression");
      }
    }
  }
  for (const char* k : {"minLength", "maxLength"})
    if (s.contains(k) && !is_count(s[k])) errors.emplace_back(path + "." + k, "must be a non-negative integer");
}

void check_property(const json& s, const std::string& path, FieldErrors& errors) {
  if (!s.is_object()) {
    errors.emplace_back(path, "must be an object");
    return;
  }
  known_keys(s, {"type", "description", "default", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
                 "items", "minItems", "maxItems"},
             path, errors);
  const std::string type = s.value("type", "");
  if (type == "string") {
    check_string_schema(s, path, errors);
  } else if (type == "integer") {
    for (const char* k : {"minimum", "maximum"})
      if (s.contains(k) && !s[k].is_number_integer()) errors.emplace_back(path + "." + k, "must be an integer");
  } else if (type == "boolean") {
  } else if (type == "array") {
    if (!s.contains("items") || !s["items"].is_object() || s["items"].value("type", "") != "string") {
      errors.emplace_back(path + ".items", "arrays must have \"items\": {\"type\": \"string\", ...}");
    } else {
      known_keys(s["items"], {"type", "description", "enum", "pattern", "minLength", "maxLength"}, path + ".items", errors);
      check_string_schema(s["items"], path + ".items", errors);
    }
    for (const char* k : {"minItems", "maxItems"})
      if (s.contains(k) && !is_count(s[k])) errors.emplace_back(path + "." + k, "must be a non-negative integer");
  } else {
    errors.emplace_back(path + ".type", "must be one of string, integer, boolean, array");
  }
}

std::string parse_placeholder(const std::string& s) {
  if (s.size() > 2 && s.front() == '{' && s.back() == '}') return s.substr(1, s.size() - 2);
  return "";
}

// Checks one string value against a string schema. "" when fine.
std::string check_string(const std::string& v, const json& s) {
  if (v.find('\0') != std::string::npos) return "must not contain NUL bytes";
  std::size_t max = s.contains("maxLength") ? s["maxLength"].get<std::size_t>() : kDefaultMaxLength;
  if (v.size() > max) return "is longer than " + std::to_string(max) + " bytes";
  if (s.contains("minLength") && v.size() < s["minLength"].get<std::size_t>())
    return "is shorter than " + std::to_string(s["minLength"].get<std::size_t>()) + " bytes";
  if (s.contains("enum")) {
    bool found = false;
    for (const auto& e : s["enum"]) found = found || e.get<std::string>() == v;
    if (!found) return "must be one of " + s["enum"].dump();
  }
  if (s.contains("pattern")) {
    std::regex re(s["pattern"].get<std::string>(), std::regex::ECMAScript);
    if (!std::regex_search(v, re)) return "does not match the pattern " + s["pattern"].get<std::string>();
  }
  return "";
}

}  // namespace

std::optional<ToolDefinition> parse_tool_definition(const json& j, const std::string& path, FieldErrors& errors) {
  const std::size_t before = errors.size();
  if (!j.is_object()) {
    errors.emplace_back(path, "must be an object");
    return std::nullopt;
  }
  known_keys(j, {"name", "description", "parameters", "argv", "raw_argv"}, path, errors);
  ToolDefinition t;
  if (j.contains("name")) {
    if (!j["name"].is_string() || !std::regex_match(j["name"].get<std::string>(), kToolName))
      errors.emplace_back(path + ".name", "must match ^[A-Za-z0-9_-]{1,64}$");
    else
      t.name = j["name"];
  }
  if (!j.contains("description") || !j["description"].is_string() || j["description"].get<std::string>().empty())
    errors.emplace_back(path + ".description", "required: what the tool does, for the model");
  else
    t.description = j["description"];
  if (j.contains("raw_argv")) {
    if (!j["raw_argv"].is_boolean()) errors.emplace_back(path + ".raw_argv", "must be true or false");
    else t.raw_argv = j["raw_argv"];
  }
  // The schema.
  std::set<std::string> params, booleans;
  const json* ps = j.contains("parameters") ? &j["parameters"] : nullptr;
  const std::string pp = path + ".parameters";
  if (!ps || !ps->is_object()) {
    errors.emplace_back(pp, "required: a JSON Schema object");
  } else {
    known_keys(*ps, {"type", "properties", "required", "additionalProperties", "description"}, pp, errors);
    if (ps->value("type", "") != "object") errors.emplace_back(pp + ".type", "must be \"object\"");
    if (!ps->contains("additionalProperties") || (*ps)["additionalProperties"] != false)
      errors.emplace_back(pp + ".additionalProperties", "must be false (unknown parameters are refused)");
    if (ps->contains("properties") && (*ps)["properties"].is_object()) {
      for (const auto& [name, s] : (*ps)["properties"].items()) {
        check_property(s, pp + ".properties." + name, errors);
        params.insert(name);
        if (s.is_object() && s.value("type", "") == "boolean") booleans.insert(name);
      }
    } else if (ps->contains("properties")) {
      errors.emplace_back(pp + ".properties", "must be an object");
    }
    if (ps->contains("required")) {
      if (!(*ps)["required"].is_array()) errors.emplace_back(pp + ".required", "must be an array of names");
      else
        for (const auto& r : (*ps)["required"])
          if (!r.is_string() || !params.count(r.get<std::string>()))
            errors.emplace_back(pp + ".required", "names an unknown parameter: " + r.dump());
    }
    t.parameters = *ps;
  }
  // The argv template.
  const std::string ap = path + ".argv";
  if (!j.contains("argv") || !j["argv"].is_array() || j["argv"].empty()) {
    errors.emplace_back(ap, "required: a non-empty array");
  } else {
    bool end_of_options = false;
    for (std::size_t i = 0; i < j["argv"].size(); ++i) {
      const json& e = j["argv"][i];
      const std::string ep = ap + "[" + std::to_string(i) + "]";
      ArgvElement el;
      el.after_end_of_options = end_of_options;
      if (e.is_string()) {
        std::string ph = parse_placeholder(e.get<std::string>());
        if (!ph.empty()) {
          if (!params.count(ph)) errors.emplace_back(ep, "names an unknown parameter '" + ph + "'");
          else if (booleans.count(ph)) errors.emplace_back(ep, "a boolean parameter can only be used with {\"flag\": ..., \"if\": ...}");
          el.kind = ArgvElement::Kind::Param;
          el.param = ph;
        } else {
          if (e.get<std::string>().find_first_of("{}") != std::string::npos)
            errors.emplace_back(ep, "placeholders must be a whole element: \"{name}\"");
          el.text = e.get<std::string>();
          if (el.text == "--") end_of_options = true;
        }
        if (i == 0 && el.kind != ArgvElement::Kind::Literal) errors.emplace_back(ep, "argv[0] must be a literal executable");
      } else if (e.is_object() && e.contains("flag")) {
        known_keys(e, {"flag", "if"}, ep, errors);
        if (!e["flag"].is_string() || !e.contains("if") || !e["if"].is_string() || !booleans.count(e["if"].get<std::string>()))
          errors.emplace_back(ep, "needs \"flag\": string and \"if\": a boolean parameter");
        else {
          el.kind = ArgvElement::Kind::Flag;
          el.text = e["flag"];
          el.param = e["if"];
        }
      } else if (e.is_object() && e.contains("option")) {
        known_keys(e, {"option", "value"}, ep, errors);
        if (!e["option"].is_string() || !e.contains("value") || !e["value"].is_string() ||
            !params.count(e["value"].get<std::string>()) || booleans.count(e["value"].get<std::string>()))
          errors.emplace_back(ep, "needs \"option\": string and \"value\": a non-boolean parameter");
        else {
          el.kind = ArgvElement::Kind::Option;
          el.text = e["option"];
          el.param = e["value"];
        }
      } else {
        errors.emplace_back(ep, "must be a string, {\"flag\", \"if\"} or {\"option\", \"value\"}");
      }
      t.argv.push_back(std::move(el));
    }
  }
  if (errors.size() != before) return std::nullopt;
  return t;
}

ArgvBuild build_argv(const ToolDefinition& tool, const json& arguments) {
  ArgvBuild out;
  if (!arguments.is_object()) {
    out.errors.emplace_back("arguments", "must be an object");
    return out;
  }
  const json& props = tool.parameters.contains("properties") ? tool.parameters["properties"] : json::object();
  for (const auto& [name, v] : arguments.items())
    if (!props.contains(name)) out.errors.emplace_back(name, "unknown parameter");
  json values = json::object();
  for (const auto& [name, s] : props.items()) {
    if (arguments.contains(name)) values[name] = arguments[name];
    else if (s.contains("default")) values[name] = s["default"];
  }
  if (tool.parameters.contains("required"))
    for (const auto& r : tool.parameters["required"])
      if (!values.contains(r.get<std::string>())) out.errors.emplace_back(r.get<std::string>(), "is required");
  for (const auto& [name, v] : values.items()) {
    const json& s = props[name];
    const std::string type = s.value("type", "");
    std::string err;
    if (type == "string") {
      err = v.is_string() ? check_string(v.get<std::string>(), s) : "must be a string";
    } else if (type == "integer") {
      if (!v.is_number_integer()) err = "must be an integer";
      else if (s.contains("minimum") && v.get<std::int64_t>() < s["minimum"].get<std::int64_t>()) err = "is below the minimum " + s["minimum"].dump();
      else if (s.contains("maximum") && v.get<std::int64_t>() > s["maximum"].get<std::int64_t>()) err = "is above the maximum " + s["maximum"].dump();
    } else if (type == "boolean") {
      if (!v.is_boolean()) err = "must be true or false";
    } else if (type == "array") {
      if (!v.is_array()) err = "must be an array of strings";
      else if (s.contains("maxItems") && v.size() > s["maxItems"].get<std::size_t>()) err = "has more than " + s["maxItems"].dump() + " items";
      else if (s.contains("minItems") && v.size() < s["minItems"].get<std::size_t>()) err = "has fewer than " + s["minItems"].dump() + " items";
      else
        for (std::size_t i = 0; i < v.size() && err.empty(); ++i) {
          err = v[i].is_string() ? check_string(v[i].get<std::string>(), s["items"]) : "must be an array of strings";
          if (!err.empty()) err = "item " + std::to_string(i) + " " + err;
        }
    }
    if (!err.empty()) out.errors.emplace_back(name, err);
  }
  if (!out.errors.empty()) return out;

  auto text_of = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  for (const auto& el : tool.argv) {
    switch (el.kind) {
      case ArgvElement::Kind::Literal: out.argv.push_back(el.text); break;
      case ArgvElement::Kind::Flag:
        if (values.contains(el.param) && values[el.param].get<bool>()) out.argv.push_back(el.text);
        break;
      case ArgvElement::Kind::Option:
        if (values.contains(el.param)) {
          out.argv.push_back(el.text);
          out.argv.push_back(text_of(values[el.param]));
        }
        break;
      case ArgvElement::Kind::Param: {
        if (!values.contains(el.param)) break;
        const json& v = values[el.param];
        std::vector<std::string> items;
        if (v.is_array())
          for (const auto& x : v) items.push_back(x.get<std::string>());
        else
          items.push_back(text_of(v));
        for (auto& item : items) {
          if (!el.after_end_of_options && !item.empty() && item[0] == '-') {
            out.errors.emplace_back(el.param, "must not start with '-' (it would be read as an option)");
            continue;
          }
          out.argv.push_back(std::move(item));
        }
        break;
      }
    }
  }
  if (!out.errors.empty()) out.argv.clear();
  return out;
}

json tool_definition_for(const ToolDefinition& t, const std::string& format) {
  if (format == "openai")
    return {{"type", "function"}, {"function", {{"name", t.name}, {"description", t.description}, {"parameters", t.parameters}}}};
  if (format == "anthropic") return {{"name", t.name}, {"description", t.description}, {"input_schema", t.parameters}};
  if (format == "mcp") return {{"name", t.name}, {"description", t.description}, {"inputSchema", t.parameters}};
  return nullptr;
}

}  // namespace cordon
