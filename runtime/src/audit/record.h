// One audit record line: building it (seq, ts, prev, hash appended to a
// body) and parsing/checking it. The format and the hash are specified in
// cordon/audit.h; this file is the only implementation of both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cordon::audit_detail {

inline constexpr std::size_t kMaxRecordBytes = std::size_t{1} << 20;  // line, with "\n"

struct BuiltRecord {
  std::string line;               // ends with "\n"
  std::string hash;
  nlohmann::ordered_json record;  // body + seq, ts, prev, hash
};

// nullopt and `error` when the body is not an object, uses a reserved name,
// is not valid UTF-8, or the line would exceed kMaxRecordBytes.
std::optional<BuiltRecord> build_record(const nlohmann::ordered_json& body, std::uint64_t seq,
                                        const std::string& ts, const std::string& prev,
                                        std::string& error);

struct ParsedRecord {
  nlohmann::ordered_json json;
  std::uint64_t seq = 0;
  std::string prev, hash;
  bool hash_ok = false;  // "hash" matches prev + payload
};

// `line` without its "\n". nullopt and `error` when it is not a record: not
// a JSON object, "seq" not an integer >= 1, "prev"/"hash" not 64 lower-case
// hex, or "hash" not the last member as written.
std::optional<ParsedRecord> parse_record(std::string_view line, std::string& error);

bool is_hex64(std::string_view s);

}  // namespace cordon::audit_detail
