// The one table that turns a Status into an HTTP status code and a Prometheus errorType
// (bad_data 400, execution 422, timeout 503, canceled 499, unavailable 503, internal 500),
// after Prometheus' web/api/v1 getDefaultErrorCode.
#pragma once

#include <string_view>

#include "strata/base/status.h"

namespace strata::http {

struct ErrorMapping {
  unsigned http_status;
  std::string_view error_type;
};

ErrorMapping MapStatus(const Status& status);

}  // namespace strata::http
