// The attack table: every hostile program, what it gets as arguments, and
// what a correct result looks like. README.md in this directory documents
// the same table for humans.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "harness.h"

namespace cordon::adv {

const std::vector<AttackSpec>& attacks();
const AttackSpec& attack(const std::string& name);  // aborts the test run when unknown

// For GoogleTest's parameter printing.
inline void PrintTo(const AttackSpec& a, std::ostream* os) { *os << a.name; }

}  // namespace cordon::adv
