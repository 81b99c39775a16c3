// CHECK: an invariant that must hold; on failure the process aborts with "BUG:" and context.
// Used for programmer errors only, never for bad input or I/O failures.
#pragma once

#include <string_view>

namespace strata {

[[noreturn]] void CheckFailed(const char* file, int line, const char* expr, std::string_view msg);

}  // namespace strata

#define CHECK(cond, msg)                                              \
  do {                                                                \
    if (!(cond)) ::strata::CheckFailed(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)
