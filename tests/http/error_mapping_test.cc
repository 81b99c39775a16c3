#include "strata/http/error_mapping.h"

#include <catch2/catch.hpp>

using strata::Status;
using strata::http::MapStatus;

TEST_CASE("Status codes map to Prometheus' HTTP codes and error types", "[http][errors]") {
  auto check = [](const Status& s, unsigned code, std::string_view type) {
    auto m = MapStatus(s);
    CHECK(m.http_status == code);
    CHECK(m.error_type == type);
  };
  check(Status::InvalidArgument("x"), 400, "bad_data");
  check(Status::ResourceExhausted("x"), 422, "execution");
  check(Status::DeadlineExceeded("x"), 503, "timeout");
  check(Status::Cancelled("x"), 499, "canceled");
  check(Status::Unavailable("x"), 503, "unavailable");
  check(Status::NotFound("x"), 404, "not_found");
  check(Status::Corruption("x"), 500, "internal");
  check(Status::IoError("x"), 500, "internal");
}
