// How query failures are classified for clients (the Prometheus API "errorType").
//
// The engine reports every failure as a Status whose code alone decides the type, so no
// caller has to parse messages:
//   invalid_argument      -> kBadData    parse errors, invalid parameters (bad step, regex,
//                                        range query over a string/range-vector expression)
//   resource_exhausted    -> kExecution  evaluation errors: many-to-many matching, duplicate
//                                        label sets, too many samples or points per series
//   deadline_exceeded     -> kTimeout    the query ran past EngineOptions::timeout
//   cancelled             -> kCanceled   the caller's CancelToken fired
//   unavailable           -> kUnavailable
//   anything else         -> kInternal   storage failures (io_error, corruption, internal)
// The engine converts a resource_exhausted Status coming from storage into internal, so
// resource_exhausted from the engine always means an execution error.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "strata/base/status.h"

namespace strata::query {

enum class ErrorType { kBadData, kExecution, kTimeout, kCanceled, kUnavailable, kInternal };

ErrorType ClassifyError(const Status& status);

// "bad_data", "execution", "timeout", "canceled", "unavailable", "internal".
std::string_view ErrorTypeName(ErrorType type);

// An evaluation error (maps to kExecution); the message is shown to the client verbatim.
inline Status ExecutionError(std::string message) {
  return Status::ResourceExhausted(std::move(message));
}

}  // namespace strata::query
