#include "audit/record.h"

#include "cordon/audit.h"
#include "sha256.h"

namespace cordon::audit_detail {
namespace {

constexpr std::string_view kHashPrefix = ",\"hash\":\"";

std::string hash_of(std::string_view prev, std::string_view payload) {
  std::string data;
  data.reserve(prev.size() + payload.size());
  data += prev;
  data += payload;
  return sha256_hex(data);
}

}  // namespace

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::optional<BuiltRecord> build_record(const nlohmann::ordered_json& input, std::uint64_t seq,
                                        const std::string& ts, const std::string& prev,
                                        std::string& error) {
  if (!input.is_object()) {
    error = "the record body must be a JSON object";
    return std::nullopt;
  }
  for (const char* reserved : {"seq", "ts", "prev", "hash"}) {
    if (input.contains(reserved)) {
      error = std::string("the record body may not set \"") + reserved + "\"";
      return std::nullopt;
    }
  }
  nlohmann::ordered_json body = input;
  body["seq"] = seq;
  body["ts"] = ts;
  body["prev"] = prev;
  std::string payload;
  try {
    payload = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::strict);
  } catch (const nlohmann::json::exception& e) {
    error = std::string("the record body cannot be serialised: ") + e.what();
    return std::nullopt;
  }
  BuiltRecord r;
  r.hash = hash_of(prev, payload);
  r.line.reserve(payload.size() + kHashPrefix.size() + 64 + 3);
  r.line.append(payload, 0, payload.size() - 1);
  r.line += kHashPrefix;
  r.line += r.hash;
  r.line += "\"}\n";
  if (r.line.size() > kMaxRecordBytes) {
    error = "the record is " + std::to_string(r.line.size()) + " bytes, more than the 1 MiB limit";
    return std::nullopt;
  }
  body["hash"] = r.hash;
  r.record = std::move(body);
  return r;
}

std::optional<ParsedRecord> parse_record(std::string_view line, std::string& error) {
  auto j = nlohmann::ordered_json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) {
    error = "not valid JSON";
    return std::nullopt;
  }
  if (!j.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  ParsedRecord r;
  auto seq = j.find("seq");
  if (seq == j.end() || !seq->is_number_unsigned() || seq->get<std::uint64_t>() == 0) {
    error = "\"seq\" is missing or not an integer >= 1";
    return std::nullopt;
  }
  r.seq = seq->get<std::uint64_t>();
  auto prev = j.find("prev");
  if (prev == j.end() || !prev->is_string() || !is_hex64(prev->get_ref<const std::string&>())) {
    error = "\"prev\" is missing or not 64 lower-case hex digits";
    return std::nullopt;
  }
  r.prev = prev->get<std::string>();
  auto hash = j.find("hash");
  if (hash == j.end() || !hash->is_string() || !is_hex64(hash->get_ref<const std::string&>())) {
    error = "\"hash\" is missing or not 64 lower-case hex digits";
    return std::nullopt;
  }
  r.hash = hash->get<std::string>();
  std::string suffix = std::string(kHashPrefix) + r.hash + "\"}";
  if (line.size() < suffix.size() + 1 || line.substr(line.size() - suffix.size()) != suffix) {
    error = "\"hash\" is not the last member, written as ,\"hash\":\"...\"}";
    return std::nullopt;
  }
  std::string payload(line.substr(0, line.size() - suffix.size()));
  payload += '}';
  r.hash_ok = hash_of(r.prev, payload) == r.hash;
  r.json = std::move(j);
  return r;
}

}  // namespace cordon::audit_detail
