// Syscall number <-> name for x86_64, libseccomp first, then a table of
// syscalls newer than the installed libseccomp.
#pragma once

#include <string>

namespace cordon {

// -1 when unknown.
int syscall_number(const std::string& name);
// "nr:<n>" when unknown.
std::string syscall_name(int nr);

}  // namespace cordon
