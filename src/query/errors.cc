#include "strata/query/errors.h"

namespace strata::query {

ErrorType ClassifyError(const Status& status) {
  switch (status.code()) {
    case Status::Code::kInvalidArgument: return ErrorType::kBadData;
    case Status::Code::kResourceExhausted: return ErrorType::kExecution;
    case Status::Code::kDeadlineExceeded: return ErrorType::kTimeout;
    case Status::Code::kCancelled: return ErrorType::kCanceled;
    case Status::Code::kUnavailable: return ErrorType::kUnavailable;
    default: return ErrorType::kInternal;
  }
}

std::string_view ErrorTypeName(ErrorType type) {
  switch (type) {
    case ErrorType::kBadData: return "bad_data";
    case ErrorType::kExecution: return "execution";
    case ErrorType::kTimeout: return "timeout";
    case ErrorType::kCanceled: return "canceled";
    case ErrorType::kUnavailable: return "unavailable";
    case ErrorType::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace strata::query
