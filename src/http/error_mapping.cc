#include "strata/http/error_mapping.h"

namespace strata::http {

ErrorMapping MapStatus(const Status& status) {
  using C = Status::Code;
  switch (status.code()) {
    case C::kOk: return {200, ""};
    case C::kInvalidArgument: return {400, "bad_data"};
    case C::kNotFound: return {404, "not_found"};
    case C::kResourceExhausted: return {422, "execution"};
    case C::kDeadlineExceeded: return {503, "timeout"};
    case C::kCancelled: return {499, "canceled"};
    case C::kUnavailable: return {503, "unavailable"};
    case C::kCorruption:
    case C::kIoError:
    case C::kInternal: return {500, "internal"};
  }
  return {500, "internal"};
}

}  // namespace strata::http
