// libFuzzer target: the daemon's protocol decoder must never crash, hang or
// leak on any line, and must always produce a request or an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto decoded = cordon::daemon::decode_request(line);
  if (auto* e = std::get_if<cordon::daemon::ProtocolError>(&decoded)) {
    if (e->code.empty()) __builtin_trap();
    (void)e->id.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    const auto& r = std::get<cordon::daemon::Request>(decoded);
    if (r.op.empty()) __builtin_trap();
    (void)r.id.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return 0;
}
