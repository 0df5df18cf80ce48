// Secret stores: the values a profile's `secrets` grants are looked up in.
//
// cordond loads a directory, one subdirectory per tenant and one file per
// secret:   <dir>/<tenant>/<secret-name>   (the file's bytes are the value;
// one trailing "\n" is dropped). `cordon run --secrets FILE` loads a JSON
// object {"name": "value", ...} for single-machine use (tenant "local").
//
// Contract:
// - Everything must be owned by the loading process's euid and carry no
//   group or other permission bits (directories 0700, files 0600 or 0400);
//   regular files and directories only, no symlinks. Otherwise the load
//   fails and names the path and the reason; it never prints a value.
// - A store is immutable; reload builds a new one. Calls already planned
//   keep the values they were given.
// - Values are wiped (explicit_bzero) when the store is destroyed.
// - Secrets are namespaced per tenant: values_for() only looks in the
//   caller's tenant.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cordon/profile.h"
#include "cordon/sandbox.h"

namespace cordon {

// The key short fingerprints are made with (random per process).
using FingerprintKey = std::array<unsigned char, 32>;
FingerprintKey random_fingerprint_key();
// 12 hex digits of HMAC-SHA256(key, name \0 value): equal values give equal
// fingerprints within one process, nothing can be recovered from it.
std::string secret_fingerprint(const FingerprintKey& key, const std::string& name, const std::string& value);

class SecretStore {
 public:
  struct Load {
    std::shared_ptr<const SecretStore> store;  // null when errors is non-empty
    std::vector<std::string> errors;           // "path: reason", never values
  };
  static Load load_dir(const std::string& dir);
  static Load load_json_file(const std::string& path, const std::string& tenant = "local");
  static std::shared_ptr<const SecretStore> empty();

  struct Lookup {
    std::vector<SecretValue> values;
    std::string error_code;  // "" | "forbidden" | "secret_unavailable"
    std::string error;
  };
  // The values for `profile`'s grants in `tenant`'s namespace. `requested`
  // (if given) narrows the grant to those names; a name the profile does not
  // grant is "forbidden"; a granted name the tenant has no value for is
  // "secret_unavailable".
  Lookup values_for(const std::string& tenant, const Profile& profile,
                    const std::optional<std::vector<std::string>>& requested, const FingerprintKey& key) const;

  std::size_t tenant_count() const { return by_tenant_.size(); }
  std::size_t secret_count() const;
  // Names only (for `cordon stats` / health): tenant -> names.
  std::map<std::string, std::vector<std::string>> names() const;

  SecretStore() = default;
  ~SecretStore();
  SecretStore(const SecretStore&) = delete;
  SecretStore& operator=(const SecretStore&) = delete;

 private:
  std::map<std::string, std::map<std::string, std::string>> by_tenant_;
};

// Wipes every value in `values` (for callers' buffers after planning).
void wipe(std::vector<SecretValue>& values);

}  // namespace cordon
