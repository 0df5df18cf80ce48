#include "filter/rules_cache.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace cordon::filter_detail {
namespace {

constexpr char kMagic[8] = {'C', 'O', 'R', 'D', 'O', 'N', 'R', 'C'};
constexpr std::size_t kDigest = 32;
constexpr uint64_t kMaxFile = uint64_t{1} << 30;

bool digest(std::string_view data, unsigned char out[kDigest]) {
  unsigned int n = 0;
  return EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr) == 1 && n == kDigest;
}

void put32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put64(std::string& s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

struct Reader {
  std::string_view s;
  std::size_t pos = 0;
  bool ok = true;
  uint64_t get(int bytes) {
    if (pos + static_cast<std::size_t>(bytes) > s.size()) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(s[pos + static_cast<std::size_t>(i)])} << (8 * i);
    pos += static_cast<std::size_t>(bytes);
    return v;
  }
  std::string_view take(uint64_t n) {
    if (n > s.size() - pos) {
      ok = false;
      return {};
    }
    std::string_view v = s.substr(pos, n);
    pos += n;
    return v;
  }
};

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

bool read_all(int fd, char* p, std::size_t n) {
  while (n) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n) {
    ssize_t r = ::write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

}  // namespace

std::string hs_platform_id() {
  hs_platform_info_t p{};
  hs_populate_platform(&p);
  return std::string(hs_version()) + "|" + std::to_string(p.tune) + "|" + std::to_string(p.cpu_features);
}

std::string read_cache_file(const std::string& path, const std::string& key, const std::function<bool(uint32_t)>& lazy,
                            CacheImage& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? "not present" : errno_text("open");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st{};
  if (::fstat(fd, &st) != 0) return errno_text("fstat");
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (st.st_uid != ::geteuid() && st.st_uid != 0) return "owned by uid " + std::to_string(st.st_uid) + ", not by us or root";
  if (st.st_mode & (S_IWGRP | S_IWOTH)) return "group- or world-writable";
  if (static_cast<uint64_t>(st.st_size) > kMaxFile) return "too large";
  std::size_t size = static_cast<std::size_t>(st.st_size);
  // The header first: a file made for other rules is rejected without mapping it.
  std::size_t head = sizeof kMagic + 8 + key.size();
  if (size < head + kDigest) return "truncated";
  std::string hdr(head, '\0');
  if (!read_all(fd, hdr.data(), head)) return "short read";
  Reader h{hdr};
  if (std::memcmp(hdr.data(), kMagic, sizeof kMagic) != 0) return "not a rules cache file";
  h.pos = sizeof kMagic;
  if (h.get(4) != kCacheFormat) return "other cache format";
  if (h.get(4) != key.size() || h.take(key.size()) != key) return "made for other rules, Hyperscan version or platform";
  // Mapped and prefaulted in one call: page by page faults cost more than
  // the rest of loading.
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (map == MAP_FAILED) return errno_text("mmap");
  std::shared_ptr<const void> file(map, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
  std::string_view data(static_cast<const char*>(map), size);
  if (data.substr(0, head) != hdr) return "changed while reading";
  Reader r{data.substr(0, size - kDigest)};
  r.pos = head;
  // The checksum covers everything but the databases' bytes (Hyperscan
  // checks those itself with a CRC when deserialising): hashing 4 MB would
  // cost more than the rest of loading.
  std::string meta;
  CacheImage img;
  uint64_t n = r.get(4);
  if (!r.ok || n > (r.s.size() - r.pos) / 8) return "truncated";
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t mx = static_cast<uint32_t>(r.get(4));
    img.widths.emplace_back(mx, static_cast<uint32_t>(r.get(4)));
  }
  uint64_t m = r.get(4);
  meta.append(r.s.substr(0, r.pos));
  std::vector<std::pair<uint32_t, std::string_view>> blobs;
  for (uint64_t i = 0; r.ok && i < m; ++i) {
    std::size_t at = r.pos;
    uint32_t tag = static_cast<uint32_t>(r.get(4));
    uint64_t len = r.get(8);
    meta.append(r.s.substr(at, r.pos - at));
    std::string_view bytes = r.take(len);
    if (r.ok) blobs.emplace_back(tag, bytes);
  }
  if (!r.ok || r.pos != r.s.size()) return "truncated or malformed";
  unsigned char sum[kDigest];
  if (!digest(meta, sum) || std::memcmp(sum, data.data() + size - kDigest, kDigest) != 0) return "checksum mismatch";
  // All databases in one prefaulted anonymous mapping (64-byte aligned each).
  std::vector<std::size_t> at;
  std::size_t total = 0;
  for (auto it = blobs.begin(); it != blobs.end();) {
    if (lazy && lazy(it->first)) {
      img.lazy.push_back(*it);
      it = blobs.erase(it);
    } else {
      ++it;
    }
  }
  if (!img.lazy.empty()) img.file = file;
  for (auto [tag, bytes] : blobs) {
    std::size_t need = 0;
    if (hs_serialized_database_size(bytes.data(), bytes.size(), &need) != HS_SUCCESS)
      return "database " + std::to_string(tag) + " rejected by Hyperscan";
    at.push_back(total);
    total += (need + 63) & ~std::size_t{63};
  }
  void* mem = ::mmap(nullptr, total ? total : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (mem == MAP_FAILED) return errno_text("mmap");
  img.arena = std::shared_ptr<void>(mem, [n = total ? total : 1](void* p) { ::munmap(p, n); });
  for (std::size_t i = 0; i < blobs.size(); ++i) {
    auto* db = reinterpret_cast<hs_database_t*>(static_cast<char*>(mem) + at[i]);
    hs_error_t e = hs_deserialize_database_at(blobs[i].second.data(), blobs[i].second.size(), db);
    if (e != HS_SUCCESS)
      return "database " + std::to_string(blobs[i].first) + " rejected by Hyperscan (error " + std::to_string(e) + ")";
    img.dbs.emplace_back(blobs[i].first, HsDb(db, HsDbDeleter{false}));
  }
  out = std::move(img);
  return "";
}

std::string write_cache_file(const std::string& path, const std::string& key,
                             const std::vector<std::pair<uint32_t, uint32_t>>& widths,
                             const std::vector<std::pair<uint32_t, const hs_database_t*>>& dbs, unsigned mode) {
  std::string data(kMagic, sizeof kMagic);
  put32(data, kCacheFormat);
  put32(data, static_cast<uint32_t>(key.size()));
  data += key;
  put32(data, static_cast<uint32_t>(widths.size()));
  for (auto [mx, mn] : widths) {
    put32(data, mx);
    put32(data, mn);
  }
  std::string meta = data;
  put32(data, static_cast<uint32_t>(dbs.size()));
  put32(meta, static_cast<uint32_t>(dbs.size()));
  for (auto [tag, db] : dbs) {
    char* bytes = nullptr;
    std::size_t len = 0;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS) return "cannot serialise database " + std::to_string(tag);
    for (std::string* s : {&data, &meta}) {
      put32(*s, tag);
      put64(*s, len);
    }
    data.append(bytes, len);
    std::free(bytes);
  }
  unsigned char sum[kDigest];
  if (!digest(meta, sum)) return "sha256 failed";
  data.append(reinterpret_cast<const char*>(sum), kDigest);

  std::string tmpl = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return errno_text("create temporary file");
  std::string err;
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) err = errno_text("fchmod");
  else if (!write_all(fd, data.data(), data.size())) err = errno_text("write");
  else if (::fsync(fd) != 0) err = errno_text("fsync");
  if (::close(fd) != 0 && err.empty()) err = errno_text("close");
  if (err.empty() && ::rename(tmpl.c_str(), path.c_str()) != 0) err = errno_text("rename");
  if (!err.empty()) ::unlink(tmpl.c_str());
  return err;
}

}  // namespace cordon::filter_detail
