// Strict field readers for small JSON config files: every problem is
// collected as "origin: field: reason"; unknown fields are errors.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cordon::daemon {

class FieldReader {
 public:
  FieldReader(std::string origin, std::vector<std::string>& errors) : origin_(std::move(origin)), errors_(errors) {}

  void error(const std::string& field, const std::string& reason) {
    errors_.push_back(origin_ + ": " + (field.empty() ? "" : field + ": ") + reason);
  }
  // Reports keys of `obj` not in `known`.
  void only(const nlohmann::json& obj, const std::string& path, std::initializer_list<const char*> known);
  bool object(const nlohmann::json& j, const std::string& path);
  void get(const nlohmann::json& obj, const char* key, const std::string& path, std::string& out);
  void get(const nlohmann::json& obj, const char* key, const std::string& path, bool& out);
  void get(const nlohmann::json& obj, const char* key, const std::string& path, std::uint64_t& out,
           std::uint64_t min, std::uint64_t max);
  void get(const nlohmann::json& obj, const char* key, const std::string& path, std::vector<std::string>& out);
  void get(const nlohmann::json& obj, const char* key, const std::string& path, std::vector<std::uint32_t>& out);

 private:
  std::string origin_;
  std::vector<std::string>& errors_;
};

std::string join_path(const std::string& path, const std::string& key);

// Reads a whole (small) file; nullopt with `err` set on failure.
std::optional<std::string> read_text_file(const std::string& path, std::string& err);

// Parses JSON with comments; nullopt (and one error) on failure.
std::optional<nlohmann::json> parse_json_text(const std::string& text, const std::string& origin,
                                              std::vector<std::string>& errors);

}  // namespace cordon::daemon
