#include "cordon/mcp_messages.h"

#include <algorithm>
#include <array>
#include <set>

namespace cordon::cli::mcp {
namespace {

using json = nlohmann::json;

// Versions whose tools/* messages are what we send; older clients ignore
// the fields later versions added (structuredContent, outputSchema, title).
constexpr std::array<const char*, 3> kSupportedVersions = {"2025-06-18", "2025-03-26", "2024-11-05"};

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string string_member(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v && v->is_string() ? v->get<std::string>() : "";
}

// The deepest nesting of arrays and objects in a JSON text (strings
// skipped). Checked before parsing, so that no later step (serializing the
// arguments for cordond) recurses without bound.
std::size_t nesting_depth(const std::string& text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

bool valid_id(const json& id) { return id.is_string() || id.is_number_integer(); }

Message invalid(const json& id, int code, const std::string& message) {
  Message m;
  m.kind = Message::Kind::Invalid;
  m.id = id;
  m.error = rpc_error(id, code, message);
  return m;
}

json raw_argv_schema() {
  return {{"type", "object"},
          {"properties",
           {{"argv",
             {{"type", "array"},
              {"items", {{"type", "string"}}},
              {"minItems", 1},
              {"description",
               "The command and its arguments, run directly (no shell). argv[0] must be one of the "
               "profile's executables, as a full path or a base name."}}},
            {"stdin", {{"type", "string"}, {"description", "Text given to the command on stdin (default: empty)."}}}}},
          {"required", {"argv"}},
          {"additionalProperties", false}};
}

// What structuredContent holds. Fields cordond may add later are not typed.
json output_schema() {
  return {{"type", "object"},
          {"properties",
           {{"outcome", {{"type", "string"}}},
            {"exit_code", {{"type", {"integer", "null"}}}},
            {"signal", {{"type", {"integer", "null"}}}},
            {"detail", {{"type", "string"}}},
            {"call_id", {{"type", "string"}}},
            {"data_class", json::object()},
            {"injection", json::object()},
            {"redactions", json::object()},
            {"audit", json::object()}}},
          {"required", {"outcome"}}};
}

json tool_entry(const std::string& name, const std::string& description, json input_schema, const std::string& ws) {
  json t = {{"name", name},
            {"description", description},
            {"inputSchema", std::move(input_schema)},
            {"outputSchema", output_schema()},
            {"annotations", {{"readOnlyHint", ws != "rw"}, {"openWorldHint", false}}}};
  return t;
}

// Captured output of one stream ("" when missing).
std::string stream_data(const json& result, const char* stream) {
  const json* o = member(result, stream);
  return o ? string_member(*o, "data") : "";
}

void copy_if_present(const json& from, const char* key, json& to, const char* as = nullptr) {
  const json* v = member(from, key);
  if (v) to[as ? as : key] = *v;
}

}  // namespace

json rpc_result(const json& id, json result) { return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}}; }

json rpc_error(const json& id, int code, const std::string& message, json data) {
  json err = {{"code", code}, {"message", message}};
  if (!data.is_null()) err["data"] = std::move(data);
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}};
}

std::string id_key(const json& id) { return id.dump(); }

Message parse_message(const std::string& line) {
  if (nesting_depth(line) > kMaxDepth)
    return invalid(nullptr, kInvalidRequest,
                   "invalid request: nested deeper than " + std::to_string(kMaxDepth) + " levels");
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid(nullptr, kParseError, "parse error: the line is not valid JSON (UTF-8)");
  if (j.is_array()) return invalid(nullptr, kInvalidRequest, "invalid request: batches are not supported");
  if (!j.is_object()) return invalid(nullptr, kInvalidRequest, "invalid request: a message must be a JSON object");

  const json* idp = member(j, "id");
  json id = idp && valid_id(*idp) ? *idp : json(nullptr);
  if (string_member(j, "jsonrpc") != "2.0")
    return invalid(id, kInvalidRequest, "invalid request: jsonrpc must be \"2.0\"");
  if (idp && !valid_id(*idp))
    return invalid(nullptr, kInvalidRequest, "invalid request: id must be a string or an integer");

  const json* method = member(j, "method");
  if (!method) {
    if (idp && (j.contains("result") || j.contains("error"))) {
      Message m;
      m.kind = Message::Kind::Response;
      m.id = id;
      return m;
    }
    return invalid(id, kInvalidRequest, "invalid request: method is missing");
  }
  if (!method->is_string()) return invalid(id, kInvalidRequest, "invalid request: method must be a string");
  const json* params = member(j, "params");
  if (params && !params->is_object() && !params->is_array())
    return invalid(id, kInvalidRequest, "invalid request: params must be an object or an array");

  Message m;
  m.kind = idp ? Message::Kind::Request : Message::Kind::Notification;
  m.id = id;
  m.method = method->get<std::string>();
  m.params = params ? *params : json(nullptr);
  return m;
}

std::string negotiate_version(const json& requested) {
  if (requested.is_string()) {
    const std::string v = requested.get<std::string>();
    for (const char* s : kSupportedVersions)
      if (v == s) return v;
  }
  return kProtocolVersion;
}

json initialize_result(const std::string& version, const std::string& server_version) {
  return {{"protocolVersion", version},
          {"capabilities", {{"tools", {{"listChanged", false}}}}},
          {"serverInfo", {{"name", "cordon"}, {"title", "Cordon sandboxed tools"}, {"version", server_version}}},
          {"instructions",
           "Each tool call runs in a fresh, isolated sandbox (no network unless the profile says otherwise). "
           "Tool output may be redacted; structuredContent reports the outcome, the data class and any "
           "suspected prompt injection in the output."}};
}

std::vector<Tool> tools_from_daemon(const json& response) {
  std::vector<Tool> out;
  std::set<std::string> seen;
  const json* tools = member(response, "tools");
  if (!tools || !tools->is_array()) return out;
  // Definitions first, so that a model-facing name wins over a profile name.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& t : *tools) {
      std::string profile = string_member(t, "name");
      if (profile.empty()) continue;
      const json* def = member(t, "definition");
      bool has_def = def && def->is_object() && !string_member(*def, "name").empty();
      if (has_def != (pass == 0)) continue;
      Tool tool;
      tool.profile = profile;
      std::string ws = string_member(t, "workspace");
      tool.host_workspace = ws == "ro" || ws == "rw";
      if (has_def) {
        tool.name = string_member(*def, "name");
        tool.structured = true;
        const json* params = member(*def, "parameters");
        tool.mcp = tool_entry(tool.name, string_member(*def, "description"),
                              params && params->is_object() ? *params : json{{"type", "object"}}, ws);
      } else {
        tool.name = profile;
        std::string desc = string_member(t, "description");
        tool.mcp =
            tool_entry(tool.name, desc.empty() ? "Run " + profile + " in a sandbox" : desc, raw_argv_schema(), ws);
      }
      if (!seen.insert(tool.name).second) continue;
      out.push_back(std::move(tool));
    }
  }
  return out;
}

json tools_list_result(const std::vector<Tool>& tools) {
  json list = json::array();
  for (const auto& t : tools) list.push_back(t.mcp);
  return {{"tools", std::move(list)}};
}

const Tool* find_tool(const std::vector<Tool>& tools, const std::string& name) {
  auto it = std::find_if(tools.begin(), tools.end(), [&](const Tool& t) { return t.name == name; });
  return it == tools.end() ? nullptr : &*it;
}

std::optional<json> run_request(const Tool& tool, const json& arguments, const CallSettings& settings,
                                std::string& err) {
  json req = {{"op", "run"}, {"tool", tool.profile}};
  if (tool.structured) {
    req["arguments"] = arguments;
  } else {
    for (const auto& [k, v] : arguments.items()) {
      if (k != "argv" && k != "stdin") {
        err = "unknown argument '" + k + "': this tool takes argv and stdin";
        return std::nullopt;
      }
    }
    const json* argv = member(arguments, "argv");
    if (!argv || !argv->is_array() || argv->empty() ||
        !std::all_of(argv->begin(), argv->end(), [](const json& a) { return a.is_string(); })) {
      err = "argv: must be a non-empty array of strings";
      return std::nullopt;
    }
    req["argv"] = *argv;
    const json* in = member(arguments, "stdin");
    if (in && !in->is_string()) {
      err = "stdin: must be a string";
      return std::nullopt;
    }
    if (in) req["stdin"] = *in;
  }
  if (tool.host_workspace && settings.workspace) req["workspace"] = *settings.workspace;
  if (settings.timeout_ms) req["timeout_ms"] = *settings.timeout_ms;
  return req;
}

json tool_error_result(const std::string& message, json structured) {
  return {{"content", json::array({{{"type", "text"}, {"text", message}}})},
          {"structuredContent", std::move(structured)},
          {"isError", true}};
}

json call_result(const json& response) {
  if (!response.is_object())
    return tool_error_result("cordond sent an answer that is not an object", {{"outcome", "unknown"}});
  const json* ok = member(response, "ok");
  if (!ok || !ok->is_boolean() || !ok->get<bool>()) {
    json err = response.value("error", json::object());
    if (!err.is_object()) err = json::object();
    std::string code = string_member(err, "code"), message = string_member(err, "message");
    std::string text = "cordond refused the call: " + (code.empty() ? "error" : code) + ": " + message;
    const json* errors = member(err, "errors");
    if (errors && errors->is_array())
      for (const auto& e : *errors)
        if (e.is_string()) text += "\n" + e.get<std::string>();
    return tool_error_result(text, {{"outcome", "refused"}, {"error", err}});
  }

  json result = response.value("result", json::object());
  if (!result.is_object()) result = json::object();
  std::string outcome = string_member(result, "outcome");
  json s = {{"outcome", outcome.empty() ? "unknown" : outcome}};
  s["exit_code"] = result.value("exit_code", json(nullptr));
  if (!s["exit_code"].is_number_integer()) s["exit_code"] = nullptr;
  s["signal"] = result.value("signal", json(nullptr));
  if (!s["signal"].is_number_integer()) s["signal"] = nullptr;
  std::string detail = string_member(result, "detail");
  if (!detail.empty()) s["detail"] = detail;
  copy_if_present(result, "limit_hit", s);
  std::string call_id = string_member(response, "call_id");
  if (!call_id.empty()) s["call_id"] = call_id;
  for (const char* stream : {"stdout", "stderr"}) {
    const json* o = member(result, stream);
    if (o && o->is_object())
      s[stream] = {{"bytes", o->value("bytes", json(nullptr))}, {"truncated", o->value("truncated", json(false))}};
  }
  copy_if_present(result, "denied_syscalls", s);
  copy_if_present(result, "setup_error", s);
  copy_if_present(result, "profile", s);

  // The output filter's report and the audit record: passed through as
  // cordond sends them, absent when it does not.
  const json* filter = member(result, "filter");
  if (filter && filter->is_object()) {
    copy_if_present(*filter, "data_class", s);
    copy_if_present(*filter, "injection", s);
    if (filter->contains("redactions"))
      copy_if_present(*filter, "redactions", s);
    else
      copy_if_present(*filter, "counts_by_rule", s, "redactions");
    s["filter"] = *filter;
  }
  if (const json* audit = member(result, "audit"))
    s["audit"] = *audit;
  else if (const json* top = member(response, "audit"))
    s["audit"] = *top;

  json content = json::array();
  content.push_back({{"type", "text"}, {"text", stream_data(result, "stdout")}});
  std::string err_text = stream_data(result, "stderr");
  if (!err_text.empty()) content.push_back({{"type", "text"}, {"text", "[stderr]\n" + err_text}});
  if (outcome != "ok" && outcome != "exit_nonzero")
    content.push_back({{"type", "text"}, {"text", "[cordon] " + s["outcome"].get<std::string>() + ": " + detail}});
  // For clients older than structured content (2025-06-18: SHOULD).
  content.push_back({{"type", "text"}, {"text", s.dump(-1, ' ', false, json::error_handler_t::replace)}});
  return {{"content", std::move(content)}, {"structuredContent", std::move(s)}, {"isError", outcome != "ok"}};
}

}  // namespace cordon::cli::mcp
