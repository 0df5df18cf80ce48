#include "cordon/secrets.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace cordon {
namespace {

constexpr std::size_t kMaxValueBytes = 64 * 1024;
constexpr std::size_t kMaxSecretsPerTenant = 1024;

std::string why(int e) { return std::strerror(e); }

// Owned by us, no group/other bits, the right type.
bool private_enough(const struct stat& sb, bool dir, const std::string& path, std::vector<std::string>& errors) {
  if (dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode)) {
    errors.push_back(path + ": not a " + (dir ? "directory" : "regular file"));
    return false;
  }
  if (sb.st_uid != geteuid()) {
    errors.push_back(path + ": owned by uid " + std::to_string(sb.st_uid) + ", not by this process's uid " +
                     std::to_string(geteuid()));
    return false;
  }
  if ((sb.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(sb.st_mode & 07777));
    errors.push_back(path + ": mode " + mode + " gives access to group or others (use " + (dir ? "0700" : "0600") + ")");
    return false;
  }
  return true;
}

bool read_private_file(int dirfd, const std::string& name, const std::string& path, std::string& out,
                       std::vector<std::string>& errors) {
  int fd = openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    errors.push_back(path + ": cannot open: " + why(errno));
    return false;
  }
  struct stat sb{};
  bool ok = fstat(fd, &sb) == 0 && private_enough(sb, false, path, errors);
  if (ok && static_cast<std::uint64_t>(sb.st_size) > kMaxValueBytes) {
    errors.push_back(path + ": larger than 64 KiB");
    ok = false;
  }
  if (ok) {
    out.resize(static_cast<std::size_t>(sb.st_size));
    std::size_t off = 0;
    while (off < out.size()) {
      ssize_t n = read(fd, out.data() + off, out.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    out.resize(off);
    if (!out.empty() && out.back() == '\n') out.pop_back();
    if (!out.empty() && out.back() == '\r') out.pop_back();
  }
  close(fd);
  return ok;
}

}  // namespace

FingerprintKey random_fingerprint_key() {
  FingerprintKey k{};
  std::size_t off = 0;
  while (off < k.size()) {
    ssize_t n = getrandom(k.data() + off, k.size() - off, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::abort();  // no randomness: refuse to make guessable fingerprints
    off += static_cast<std::size_t>(n);
  }
  return k;
}

std::string secret_fingerprint(const FingerprintKey& key, const std::string& name, const std::string& value) {
  std::string msg = name;
  msg.push_back('\0');
  msg += value;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), mac, &len);
  explicit_bzero(msg.data(), msg.size());
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < 6 && i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

SecretStore::~SecretStore() {
  for (auto& [tenant, secrets] : by_tenant_)
    for (auto& [name, value] : secrets) explicit_bzero(value.data(), value.size());
}

std::shared_ptr<const SecretStore> SecretStore::empty() { return std::make_shared<const SecretStore>(); }

SecretStore::Load SecretStore::load_dir(const std::string& dir) {
  Load out;
  auto store = std::make_shared<SecretStore>();
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) {
    out.errors.push_back(dir + ": cannot open: " + why(errno));
    return out;
  }
  struct stat sb{};
  if (fstat(dfd, &sb) != 0 || !private_enough(sb, true, dir, out.errors)) {
    close(dfd);
    return out;
  }
  DIR* d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    out.errors.push_back(dir + ": cannot list: " + why(errno));
    return out;
  }
  while (dirent* e = readdir(d)) {
    const std::string tenant = e->d_name;
    if (tenant == "." || tenant == "..") continue;
    const std::string tpath = dir + "/" + tenant;
    int tfd = openat(dirfd(d), tenant.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (tfd < 0) {
      out.errors.push_back(tpath + ": not a directory one can open (" + why(errno) + ")");
      continue;
    }
    struct stat tsb{};
    if (fstat(tfd, &tsb) != 0 || !private_enough(tsb, true, tpath, out.errors)) {
      close(tfd);
      continue;
    }
    DIR* td = fdopendir(tfd);
    if (!td) {
      close(tfd);
      continue;
    }
    auto& secrets = store->by_tenant_[tenant];
    while (dirent* f = readdir(td)) {
      const std::string name = f->d_name;
      if (name == "." || name == "..") continue;
      const std::string fpath = tpath + "/" + name;
      if (!is_valid_secret_name(name)) {
        out.errors.push_back(fpath + ": not a valid secret name (1 to 64 of A-Z a-z 0-9 _ . -)");
        continue;
      }
      if (secrets.size() >= kMaxSecretsPerTenant) {
        out.errors.push_back(tpath + ": more than 1024 secrets");
        break;
      }
      std::string value;
      if (read_private_file(dirfd(td), name, fpath, value, out.errors)) {
        if (value.size() < 4) {
          out.errors.push_back(fpath + ": the value is shorter than 4 bytes (too short to keep out of the output)");
        } else {
          secrets[name] = std::move(value);
        }
      }
      explicit_bzero(value.data(), value.size());
    }
    closedir(td);
  }
  closedir(d);
  if (out.errors.empty()) out.store = std::move(store);
  return out;
}

SecretStore::Load SecretStore::load_json_file(const std::string& path, const std::string& tenant) {
  Load out;
  auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    out.errors.push_back(path + ": cannot open its directory: " + why(errno));
    return out;
  }
  std::string text;
  bool ok = read_private_file(dfd, base, path, text, out.errors);
  close(dfd);
  if (!ok) return out;
  auto store = std::make_shared<SecretStore>();
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  explicit_bzero(text.data(), text.size());
  if (j.is_discarded() || !j.is_object()) {
    out.errors.push_back(path + ": must be a JSON object {\"name\": \"value\", ...}");
    return out;
  }
  auto& secrets = store->by_tenant_[tenant];
  for (auto& [name, v] : j.items()) {
    if (!is_valid_secret_name(name)) {
      out.errors.push_back(path + ": '" + name + "': not a valid secret name");
      continue;
    }
    if (!v.is_string()) {
      out.errors.push_back(path + ": '" + name + "': the value must be a string");
      continue;
    }
    std::string& s = v.get_ref<std::string&>();
    if (s.size() < 4) out.errors.push_back(path + ": '" + name + "': the value is shorter than 4 bytes");
    else secrets[name] = s;
    explicit_bzero(s.data(), s.size());
  }
  if (out.errors.empty()) out.store = std::move(store);
  return out;
}

SecretStore::Lookup SecretStore::values_for(const std::string& tenant, const Profile& profile,
                                            const std::optional<std::vector<std::string>>& requested,
                                            const FingerprintKey& key) const {
  Lookup out;
  if (requested) {
    for (const auto& n : *requested) {
      bool granted = false;
      for (const auto& g : profile.secrets) granted = granted || g.name == n;
      if (!granted) {
        out.error_code = "forbidden";
        out.error = "profile '" + profile.name + "' does not grant secret '" + n + "'";
        return out;
      }
    }
  }
  const auto t = by_tenant_.find(tenant);
  for (const auto& g : profile.secrets) {
    if (requested && std::find(requested->begin(), requested->end(), g.name) == requested->end()) continue;
    const std::string* value = nullptr;
    if (t != by_tenant_.end()) {
      auto it = t->second.find(g.name);
      if (it != t->second.end()) value = &it->second;
    }
    if (!value) {
      wipe(out.values);
      out.values.clear();
      out.error_code = "secret_unavailable";
      out.error = "tenant '" + tenant + "' has no secret '" + g.name + "' (granted by profile '" + profile.name + "')";
      return out;
    }
    out.values.push_back(SecretValue{g.name, *value, secret_fingerprint(key, g.name, *value)});
  }
  return out;
}

std::size_t SecretStore::secret_count() const {
  std::size_t n = 0;
  for (const auto& [t, s] : by_tenant_) n += s.size();
  return n;
}

std::map<std::string, std::vector<std::string>> SecretStore::names() const {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [t, s] : by_tenant_)
    for (const auto& [n, v] : s) out[t].push_back(n);
  return out;
}

void wipe(std::vector<SecretValue>& values) {
  for (auto& v : values) explicit_bzero(v.value.data(), v.value.size());
}

}  // namespace cordon
