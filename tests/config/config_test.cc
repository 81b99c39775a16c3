#include "strata/config/config.h"

#include <catch2/catch.hpp>

using namespace strata;

TEST_CASE("Config defaults match the documented ones", "[config]") {
  auto c = config::LoadString("", "empty.yaml");
  REQUIRE(c.ok());
  CHECK(c->server.listen == "127.0.0.1:9840");
  CHECK(c->storage.data_dir == "./data");
  CHECK(c->storage.wal_fsync_interval == kSecond);
  CHECK_FALSE(c->storage.wal_fsync_always);
  CHECK(c->retention.raw == 7 * kDay);
  REQUIRE(c->retention.tiers.size() == 2);
  CHECK(c->retention.tiers[1].retention == 365 * kDay);
}

TEST_CASE("Config reads the shipped file", "[config]") {
  auto c = config::LoadFile(STRATA_SOURCE_DIR "/config/strata.yaml");
  REQUIRE(c.ok());
  CHECK(c->server.listen == "127.0.0.1:9840");
  CHECK(c->storage.out_of_order_window == kHour);
}

TEST_CASE("Config errors name the key and the line", "[config]") {
  auto check = [](const std::string& yaml, const std::string& want) {
    auto c = config::LoadString(yaml, "t.yaml");
    REQUIRE_FALSE(c.ok());
    INFO(c.status().message());
    CHECK(c.status().message().find(want) != std::string::npos);
  };
  check("storage:\n  wal_fsync: sometimes\n", "storage.wal_fsync: must be a duration");
  check("storage:\n  wal_fsync: sometimes\n", "line 2");
  check("server:\n  listen: nohost\n", "server.listen");
  check("storag:\n  x: 1\n", "storag: unknown key");
  check("retention:\n  tiers:\n    - {resolution: 1h, retention: 1d}\n    - {resolution: 1m, retention: 2d}\n",
        "finest to coarsest");
  check("server: [1, 2\n", "line");
}

TEST_CASE("Config accepts wal_fsync always and durations", "[config]") {
  auto c = config::LoadString("storage:\n  wal_fsync: always\n  out_of_order_window: 30m\n", "t");
  REQUIRE(c.ok());
  CHECK(c->storage.wal_fsync_always);
  CHECK(c->storage.out_of_order_window == 30 * kMinute);
}

TEST_CASE("A missing config file is not_found", "[config]") {
  auto c = config::LoadFile("/nonexistent/strata.yaml");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == Status::Code::kNotFound);
}

TEST_CASE("Config reads query limits, cache, log and the in-flight budget", "[config]") {
  auto c = config::LoadString(
      "server:\n  max_inflight_body_bytes: 1000\nquery:\n  max_series: 5\n  cache_max_bytes: 0\n"
      "  log_file: /tmp/q.log\n  timeout: 30s\n",
      "t");
  REQUIRE(c.ok());
  CHECK(c->server.max_inflight_body_bytes == 1000);
  CHECK(c->query.max_series == 5);
  CHECK(c->query.cache_max_bytes == 0);
  CHECK(c->query.log_file == "/tmp/q.log");
  CHECK(c->query.timeout == 30 * kSecond);
  auto bad = config::LoadString("query:\n  max_series: many\n", "t");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("query.max_series: must be a non-negative integer") != std::string::npos);
}
