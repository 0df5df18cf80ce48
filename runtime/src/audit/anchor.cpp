#include "audit/anchor.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "audit/record.h"
#include "sha256.h"

namespace cordon::audit_detail {
namespace {

std::string slot_text(const AnchorState& s) {
  char seq[24];
  std::snprintf(seq, sizeof seq, "%020llu", static_cast<unsigned long long>(s.seq));
  return std::string(kAnchorMagic) + "seq=" + seq + " hash=" + s.hash;
}

std::string check_of(std::string_view text) { return sha256_hex(text).substr(0, 16); }

std::optional<AnchorState> parse_slot(std::string_view slot) {
  constexpr std::string_view kCheck = " check=";
  auto c = slot.find(kCheck);
  if (slot.substr(0, kAnchorMagic.size()) != kAnchorMagic || c == std::string_view::npos) return std::nullopt;
  std::string_view text = slot.substr(0, c);
  std::string_view check = slot.substr(c + kCheck.size(), 16);
  if (check_of(text) != check) return std::nullopt;
  std::string_view rest = text.substr(kAnchorMagic.size());
  if (rest.substr(0, 4) != "seq=" || rest.size() != 4 + 20 + 6 + 64 || rest.substr(24, 6) != " hash=")
    return std::nullopt;
  AnchorState s;
  auto digits = rest.substr(4, 20);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), s.seq);
  if (ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
  s.hash = std::string(rest.substr(30));
  if (!is_hex64(s.hash)) return std::nullopt;
  return s;
}

}  // namespace

std::string format_anchor_slot(const AnchorState& s) {
  std::string text = slot_text(s);
  std::string out = text + " check=" + check_of(text);
  out.resize(kAnchorSlotBytes - 1, ' ');
  out += '\n';
  return out;
}

bool looks_like_anchor(std::string_view content) {
  return content.substr(0, kAnchorMagic.size()) == kAnchorMagic;
}

std::optional<AnchorState> parse_anchor(std::string_view content, std::string& error) {
  std::optional<AnchorState> best;
  for (std::size_t off = 0; off < content.size() && off < 2 * kAnchorSlotBytes; off += kAnchorSlotBytes) {
    auto s = parse_slot(content.substr(off, kAnchorSlotBytes));
    if (s && (!best || s->seq > best->seq)) best = s;
  }
  if (!best) error = "not a valid audit anchor (no slot passes its check)";
  return best;
}

std::optional<AnchorState> read_anchor_file(const std::string& path, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  char buf[2 * kAnchorSlotBytes];
  std::size_t got = 0;
  while (got < sizeof buf) {
    ssize_t n = ::pread(fd, buf + got, sizeof buf - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = path + ": " + std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  auto s = parse_anchor(std::string_view(buf, got), error);
  if (!s) error = path + ": " + error;
  return s;
}

std::string write_anchor_slot(int fd, unsigned slot, const AnchorState& s, bool sync) {
  std::string text = format_anchor_slot(s);
  std::size_t done = 0;
  const off_t base = static_cast<off_t>(slot % 2 * kAnchorSlotBytes);
  while (done < text.size()) {
    ssize_t n = ::pwrite(fd, text.data() + done, text.size() - done, base + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::string("writing the audit anchor: ") + std::strerror(errno);
    done += static_cast<std::size_t>(n);
  }
  if (sync && ::fdatasync(fd) != 0) return std::string("fsync of the audit anchor: ") + std::strerror(errno);
  return "";
}

}  // namespace cordon::audit_detail
