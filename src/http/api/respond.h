// Helpers shared by the API handlers: Prometheus-style success and error bodies, parameter
// parsing (times, durations) with Prometheus' messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "strata/base/result.h"
#include "strata/base/time.h"
#include "strata/http/router.h"

namespace strata::http::api {

// {"status":"error","errorType":...,"error":...} with the HTTP code MapStatus gives.
Response ErrorReply(const Request& req, const Status& status);
// Same, with an explicit HTTP code and errorType.
Response ErrorReply(const Request& req, unsigned http_status, std::string_view error_type,
                    std::string_view message);
// {"status":"success","data":<data_json>}
Response SuccessReply(const Request& req, std::string_view data_json);

// Prometheus time parameter: float unix seconds or RFC 3339. `name` is used in the message:
// invalid parameter "start": cannot parse "x" to a valid timestamp.
Result<Timestamp> ParseTimeParam(std::string_view name, std::string_view value);
// Prometheus duration parameter: float seconds or a duration ("1m").
Result<Duration> ParseDurationParam(std::string_view name, std::string_view value);
// RFC 3339 UTC text with milliseconds, for the seed's JSON forms.
std::string FormatRfc3339(Timestamp t);

}  // namespace strata::http::api
