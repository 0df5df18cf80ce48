// The wire form of a ChildSpec, for the spawner process (spawner_loop.h).
//
// The form is the ChildSpec's own bytes, followed by every string and array
// it points to, each at an 8-byte aligned offset. In the wire form a
// pointer field holds (offset + 1) from the start of the buffer; nullptr
// stays 0. Descriptor fields are not carried: they travel as SCM_RIGHTS
// next to the bytes and are filled in by the receiver.
//
// flatten_spec() runs in the launcher (it allocates); unflatten_spec() runs
// in the spawner and is async-signal-safe: no allocation, no locks.
#pragma once

#include <cstddef>
#include <string>

#include "child/child_spec.h"

namespace cordon::child {

// Upper bound of a flattened spec (argv, env and secrets included).
inline constexpr std::size_t kMaxWireSpec = 64u << 20;

// The wire form of `spec` (its descriptor fields are not carried).
std::string flatten_spec(const ChildSpec& spec);

// Turns the wire form in `buf` (8-byte aligned, `len` bytes) back into a
// ChildSpec in place: every pointer points into `buf` again. Checks that
// each one lies inside the buffer, that strings end inside it and that
// arrays and counts fit; returns nullptr when anything does not.
ChildSpec* unflatten_spec(char* buf, std::size_t len);

}  // namespace cordon::child
