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
  check("retention:\n  raw: 1d\n  tiers:\n    - {resolution: 1h, retention: 1d}\n"
        "    - {resolution: 1m, retention: 2d}\n",
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

TEST_CASE("Config retention validation names the key, the line and the rule", "[config][retention]") {
  auto check = [](const std::string& yaml, const std::string& want) {
    auto c = config::LoadString(yaml, "t.yaml");
    REQUIRE_FALSE(c.ok());
    INFO(c.status().message());
    CHECK(c.status().message().find(want) != std::string::npos);
  };
  SECTION("a resolution below one second") {
    check("retention:\n  tiers:\n    - {resolution: 500ms, retention: 30d}\n",
          "retention.tiers[0].resolution: must be at least 1s, got 500ms (line 3)");
  }
  SECTION("a resolution that the finer one does not divide") {
    check("retention:\n  raw: 1d\n  tiers:\n    - {resolution: 1m, retention: 2d}\n"
          "    - {resolution: 90s, retention: 3d}\n",
          "retention.tiers[1].resolution: must be a multiple of the finer tier's resolution 1m, got "
          "1m30s (line 5)");
  }
  SECTION("a coarser tier kept shorter than a finer one") {
    check("retention:\n  raw: 1d\n  tiers:\n    - {resolution: 1m, retention: 30d}\n"
          "    - {resolution: 1h, retention: 10d}\n",
          "retention.tiers[1].retention: 1w3d is shorter than the finer tier's retention 4w2d");
  }
  SECTION("a tier kept shorter than raw samples") {
    check("retention:\n  raw: 10d\n  tiers:\n    - {resolution: 1m, retention: 5d}\n",
          "retention.tiers[0].retention: 5d is shorter than retention.raw 1w3d");
  }
  SECTION("raw kept longer than the default tiers") {
    check("retention:\n  raw: 60d\n", "retention.raw: 8w4d is longer than the default rollup tier 1m");
  }
  SECTION("a partition width below one hour") {
    check("storage:\n  partition_width: 10m\n", "storage.partition_width: must be at least 1h, got 10m (line 2)");
  }
  SECTION("an interval that is not a duration") {
    check("retention:\n  interval: often\n", "retention.interval: must be a duration");
  }
}

TEST_CASE("Config reads retention interval, tiers and partition width", "[config][retention]") {
  auto d = config::LoadString("", "t");
  REQUIRE(d.ok());
  CHECK(d->retention.interval == kHour);
  CHECK(d->storage.partition_width == kDay);
  auto c = config::LoadString(
      "storage:\n  partition_width: 6h\nretention:\n  raw: 1d\n  interval: 0s\n  tiers:\n"
      "    - {resolution: 1m, retention: 1d}\n    - {resolution: 1h, retention: 90d}\n",
      "t");
  REQUIRE(c.ok());
  CHECK(c->storage.partition_width == 6 * kHour);
  CHECK(c->retention.raw == kDay);
  CHECK(c->retention.interval == 0);
  REQUIRE(c->retention.tiers.size() == 2);
  CHECK(c->retention.tiers[0].retention == kDay);  // equal to raw is allowed
  CHECK(c->retention.tiers[1].resolution == kHour);
}

TEST_CASE("Listener addresses and the StatsD flush interval are validated", "[config]") {
  auto fails_with = [](const std::string& yaml, const std::string& want) {
    auto c = config::LoadString(yaml, "t.yaml");
    REQUIRE_FALSE(c.ok());
    INFO(c.status().message());
    CHECK(c.status().message().find(want) != std::string::npos);
  };
  fails_with("ingest:\n  graphite_listen: localhost\n", "ingest.graphite_listen: must be host:port");
  fails_with("ingest:\n  statsd_listen: \":x\"\n", "ingest.statsd_listen");
  fails_with("ingest:\n  statsd_flush_interval: 10ms\n", "at least 100ms");
  auto ok = config::LoadString(
      "ingest:\n  graphite_listen: 127.0.0.1:2003\n  statsd_listen: \"\"\n"
      "  statsd_flush_interval: 5s\n", "t.yaml");
  REQUIRE(ok.ok());
  CHECK(ok->ingest.graphite_listen == "127.0.0.1:2003");
  CHECK(ok->ingest.statsd_listen.empty());
  CHECK(ok->ingest.statsd_flush_interval == 5 * kSecond);
}

TEST_CASE("The rollup routing threshold is read from query", "[config]") {
  auto c = config::LoadString("query:\n  rollup_min_samples_per_bucket: 0\n", "t.yaml");
  REQUIRE(c.ok());
  CHECK(c->query.rollup_min_samples_per_bucket == 0);
  auto d = config::LoadString("", "t.yaml");
  REQUIRE(d.ok());
  CHECK(d->query.rollup_min_samples_per_bucket == 12);
}
