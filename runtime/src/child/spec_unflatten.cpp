// unflatten_spec(): the spawner's half of the wire form (spec_wire.h).
// Async-signal-safe: pointer arithmetic and bounds checks only.
#include <cstdint>

#include "child/spec_wire.h"

namespace cordon::child {
namespace {

class Fixer {
 public:
  Fixer(char* buf, std::size_t len) : buf_(buf), len_(len) {}
  bool ok() const { return ok_; }

  // A NUL-terminated string.
  void str(const char*& p) {
    if (!p) return;
    std::size_t off = offset(p);
    if (!ok_) return;
    std::size_t i = off;
    while (i < len_ && buf_[i] != '\0') ++i;
    if (i >= len_) {
      ok_ = false;
      return;
    }
    p = buf_ + off;
  }

  // `n` bytes of `align`-aligned data.
  template <class T>
  void bytes(const T*& p, std::size_t n, std::size_t align) {
    if (!p) return;
    std::size_t off = offset(p);
    if (!ok_) return;
    if (off % align != 0 || n > len_ || off > len_ - n) {
      ok_ = false;
      return;
    }
    p = reinterpret_cast<const T*>(buf_ + off);
  }

  // A nullptr-terminated array of strings (argv, envp).
  void vec(char* const*& v) {
    if (!v) return;
    std::size_t off = offset(v);
    if (!ok_) return;
    if (off % sizeof(char*) != 0) {
      ok_ = false;
      return;
    }
    char** a = reinterpret_cast<char**>(buf_ + off);
    for (std::size_t i = 0;; ++i) {
      if (off + (i + 1) * sizeof(char*) > len_) {
        ok_ = false;
        return;
      }
      if (a[i] == nullptr) break;
      const char* s = a[i];
      str(s);
      if (!ok_) return;
      a[i] = const_cast<char*>(s);
    }
    v = a;
  }

 private:
  template <class T>
  std::size_t offset(T* p) {
    std::uintptr_t enc = reinterpret_cast<std::uintptr_t>(p);
    if (enc == 0 || enc - 1 >= len_) {
      ok_ = false;
      return 0;
    }
    return enc - 1;
  }

  char* buf_;
  std::size_t len_;
  bool ok_ = true;
};

}  // namespace

ChildSpec* unflatten_spec(char* buf, std::size_t len) {
  if (len < sizeof(ChildSpec) || reinterpret_cast<std::uintptr_t>(buf) % alignof(ChildSpec) != 0) return nullptr;
  ChildSpec* s = reinterpret_cast<ChildSpec*>(buf);
  if (s->n_mounts > kMaxMounts || s->n_secret_files > kMaxSecretFiles || s->n_rlimits > kMaxRlimits ||
      s->n_landlock_rules > kMaxLandlockRules)
    return nullptr;
  Fixer f(buf, len);
  f.str(s->staging);
  f.str(s->root_options);
  f.str(s->cwd);
  f.str(s->hostname);
  f.str(s->exec_path);
  for (std::size_t i = 0; i < s->n_mounts; ++i) {
    f.str(s->mounts[i].source);
    f.str(s->mounts[i].target);
    f.str(s->mounts[i].data);
  }
  for (std::size_t i = 0; i < s->n_secret_files; ++i) {
    f.str(s->secret_files[i].path);
    f.bytes(s->secret_files[i].data, s->secret_files[i].len, 1);
  }
  for (std::size_t i = 0; i < s->n_landlock_rules; ++i) f.str(s->landlock_rules[i].path);
  const sock_filter* filter = s->seccomp_prog.filter;
  f.bytes(filter, std::size_t{s->seccomp_prog.len} * sizeof(sock_filter), alignof(sock_filter));
  s->seccomp_prog.filter = const_cast<sock_filter*>(filter);
  f.vec(s->argv);
  f.vec(s->envp);
  return f.ok() ? s : nullptr;
}

}  // namespace cordon::child
