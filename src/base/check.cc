#include "strata/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace strata {

void CheckFailed(const char* file, int line, const char* expr, std::string_view msg) {
  std::fprintf(stderr, "BUG: %s:%d: CHECK(%s) failed: %.*s\n", file, line, expr,
               static_cast<int>(msg.size()), msg.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace strata
