#include "daemon/json_fields.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace cordon::daemon {

std::string join_path(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

void FieldReader::only(const nlohmann::json& obj, const std::string& path, std::initializer_list<const char*> known) {
  if (!obj.is_object()) return;
  std::set<std::string> k(known.begin(), known.end());
  for (const auto& [key, v] : obj.items())
    if (!k.count(key)) error(join_path(path, key), "unknown field");
}

bool FieldReader::object(const nlohmann::json& j, const std::string& path) {
  if (j.is_object()) return true;
  error(path, "must be an object");
  return false;
}

void FieldReader::get(const nlohmann::json& obj, const char* key, const std::string& path, std::string& out) {
  if (!obj.contains(key)) return;
  const auto& v = obj.at(key);
  if (!v.is_string()) return error(join_path(path, key), "must be a string");
  out = v.get<std::string>();
}

void FieldReader::get(const nlohmann::json& obj, const char* key, const std::string& path, bool& out) {
  if (!obj.contains(key)) return;
  const auto& v = obj.at(key);
  if (!v.is_boolean()) return error(join_path(path, key), "must be true or false");
  out = v.get<bool>();
}

void FieldReader::get(const nlohmann::json& obj, const char* key, const std::string& path, std::uint64_t& out,
                      std::uint64_t min, std::uint64_t max) {
  if (!obj.contains(key)) return;
  const auto& v = obj.at(key);
  if (!v.is_number_integer() || (v.is_number_integer() && v.get<std::int64_t>() < 0 && !v.is_number_unsigned()))
    return error(join_path(path, key), "must be a non-negative integer");
  auto n = v.get<std::uint64_t>();
  if (n < min || n > max)
    return error(join_path(path, key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
  out = n;
}

void FieldReader::get(const nlohmann::json& obj, const char* key, const std::string& path,
                      std::vector<std::string>& out) {
  if (!obj.contains(key)) return;
  const auto& v = obj.at(key);
  if (!v.is_array()) return error(join_path(path, key), "must be an array of strings");
  out.clear();
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string())
      error(join_path(path, key) + "[" + std::to_string(i) + "]", "must be a string");
    else
      out.push_back(v[i].get<std::string>());
  }
}

void FieldReader::get(const nlohmann::json& obj, const char* key, const std::string& path,
                      std::vector<std::uint32_t>& out) {
  if (!obj.contains(key)) return;
  const auto& v = obj.at(key);
  if (!v.is_array()) return error(join_path(path, key), "must be an array of ids");
  out.clear();
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number_unsigned() || v[i].get<std::uint64_t>() > 0xfffffffeu)
      error(join_path(path, key) + "[" + std::to_string(i) + "]", "must be a uid/gid (0..4294967294)");
    else
      out.push_back(v[i].get<std::uint32_t>());
  }
}

std::optional<std::string> read_text_file(const std::string& path, std::string& err) {
  struct stat sb{};
  if (stat(path.c_str(), &sb) != 0) {
    err = std::strerror(errno);
    return std::nullopt;
  }
  if (!S_ISREG(sb.st_mode) || sb.st_size > (4 << 20)) {
    err = "not a regular file of at most 4 MiB";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<nlohmann::json> parse_json_text(const std::string& text, const std::string& origin,
                                              std::vector<std::string>& errors) {
  try {
    return nlohmann::json::parse(text, nullptr, true, true);
  } catch (const nlohmann::json::parse_error& e) {
    errors.push_back(origin + ": invalid JSON at byte " + std::to_string(e.byte));
    return std::nullopt;
  }
}

}  // namespace cordon::daemon
