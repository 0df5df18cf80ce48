// flatten_spec(): the launcher's half of the wire form (child/spec_wire.h).
#include <cstdint>
#include <cstring>
#include <vector>

#include "child/spec_wire.h"

namespace cordon::child {
namespace {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  // Appends `n` bytes (and a NUL, so an empty item still has an address
  // inside the buffer) at an aligned offset; returns the encoded pointer.
  std::uintptr_t put(const void* p, std::size_t n) {
    out_.resize((out_.size() + 7) & ~std::size_t{7}, '\0');
    std::uintptr_t enc = out_.size() + 1;
    out_.append(static_cast<const char*>(p), n);
    out_.push_back('\0');
    return enc;
  }

  template <class T>
  void str(T*& p) {
    if (p) p = reinterpret_cast<T*>(put(p, std::strlen(p)));
  }

  template <class T>
  void bytes(T*& p, std::size_t n) {
    if (p) p = reinterpret_cast<T*>(put(p, n));
  }

  void vec(char* const*& v) {
    if (!v) return;
    std::vector<std::uintptr_t> enc;
    for (std::size_t i = 0; v[i] != nullptr; ++i) enc.push_back(put(v[i], std::strlen(v[i])));
    enc.push_back(0);
    v = reinterpret_cast<char* const*>(put(enc.data(), enc.size() * sizeof(std::uintptr_t)));
  }

 private:
  std::string& out_;
};

}  // namespace

std::string flatten_spec(const ChildSpec& spec) {
  ChildSpec c = spec;
  c.status_fd = c.sync_fd = c.stdin_fd = c.stdout_fd = c.stderr_fd = -1;
  std::string out(sizeof(ChildSpec), '\0');
  Writer w(out);
  w.str(c.staging);
  w.str(c.root_options);
  w.str(c.cwd);
  w.str(c.hostname);
  w.str(c.exec_path);
  for (std::size_t i = 0; i < c.n_mounts; ++i) {
    w.str(c.mounts[i].source);
    w.str(c.mounts[i].target);
    w.str(c.mounts[i].data);
  }
  for (std::size_t i = 0; i < c.n_secret_files; ++i) {
    w.str(c.secret_files[i].path);
    w.bytes(c.secret_files[i].data, c.secret_files[i].len);
  }
  for (std::size_t i = 0; i < c.n_landlock_rules; ++i) w.str(c.landlock_rules[i].path);
  w.bytes(c.seccomp_prog.filter, std::size_t{c.seccomp_prog.len} * sizeof(sock_filter));
  w.vec(c.argv);
  w.vec(c.envp);
  std::memcpy(out.data(), &c, sizeof c);
  return out;
}

}  // namespace cordon::child
