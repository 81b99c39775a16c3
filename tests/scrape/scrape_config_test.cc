// The scrape_configs and global parts of the YAML config (config.cc), tested here with the
// module that consumes them.
#include "strata/config/config.h"

#include <catch2/catch.hpp>

using namespace strata;

namespace {

std::string LoadError(const std::string& yaml) {
  auto c = config::LoadString(yaml, "t.yaml");
  return c.ok() ? "" : c.status().message();
}

}  // namespace

TEST_CASE("scrape_configs absent, empty and given are told apart", "[scrape][config]") {
  auto absent = config::LoadString("server: {listen: '127.0.0.1:1'}\n", "t.yaml");
  REQUIRE(absent.ok());
  CHECK_FALSE(absent->scrape_configs_given);
  auto empty = config::LoadString("scrape_configs: []\n", "t.yaml");
  REQUIRE(empty.ok());
  CHECK(empty->scrape_configs_given);
  CHECK(empty->scrape_configs.empty());
}

TEST_CASE("scrape_configs entries take global defaults and their own settings",
          "[scrape][config]") {
  auto c = config::LoadString(R"(
global:
  scrape_interval: 30s
  scrape_timeout: 20s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:9100', 'db:9100']
        labels: {env: prod}
  - job_name: app
    scrape_interval: 5s
    metrics_path: /custom
    honor_labels: true
    sample_limit: 1000
    params: {module: [if_mib, x], target: one}
    static_configs:
      - targets: ['host']
)", "t.yaml");
  REQUIRE(c.ok());
  REQUIRE(c->scrape_configs.size() == 2);
  const auto& node = c->scrape_configs[0];
  CHECK(node.scrape_interval == 30 * kSecond);
  CHECK(node.scrape_timeout == 20 * kSecond);
  CHECK(node.metrics_path == "/metrics");
  CHECK_FALSE(node.honor_labels);
  REQUIRE(node.static_configs.size() == 1);
  CHECK(node.static_configs[0].targets == std::vector<std::string>{"127.0.0.1:9100", "db:9100"});
  CHECK(node.static_configs[0].labels ==
        std::vector<std::pair<std::string, std::string>>{{"env", "prod"}});
  const auto& app = c->scrape_configs[1];
  CHECK(app.scrape_interval == 5 * kSecond);
  CHECK(app.scrape_timeout == 5 * kSecond);  // the global timeout is capped at the interval
  CHECK(app.metrics_path == "/custom");
  CHECK(app.honor_labels);
  CHECK(app.sample_limit == 1000);
  REQUIRE(app.params.size() == 2);
  CHECK(app.params[0].second == std::vector<std::string>{"if_mib", "x"});
  CHECK(app.params[1].second == std::vector<std::string>{"one"});
  CHECK(app.static_configs[0].targets == std::vector<std::string>{"host:80"});
}

TEST_CASE("Prometheus' defaults are 1m and 10s", "[scrape][config]") {
  auto c = config::LoadString("scrape_configs:\n  - job_name: a\n", "t.yaml");
  REQUIRE(c.ok());
  CHECK(c->scrape_configs[0].scrape_interval == kMinute);
  CHECK(c->scrape_configs[0].scrape_timeout == 10 * kSecond);
}

TEST_CASE("Bad scrape_configs are errors naming the key and the line", "[scrape][config]") {
  auto check = [](const std::string& yaml, const std::string& expected) {
    INFO(yaml);
    std::string error = LoadError(yaml);
    CHECK(error.find(expected) != std::string::npos);
    CHECK(error.find("(line ") != std::string::npos);
  };
  check("scrape_configs:\n  - job_name: a\n    scheme: https\n",
        "scrape_configs[0].scheme: https is not supported: strata scrapes over plain http only (line 3)");
  check("scrape_configs:\n  - job_name: a\n  - job_name: a\n",
        "scrape_configs[1].job_name: \"a\" is used by an earlier job");
  check("scrape_configs:\n  - scrape_interval: 1s\n", "scrape_configs[0].job_name: is required");
  check("scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n",
        "scrape_configs[0].scrape_timeout: 10s is longer than scrape_interval 5s");
  check("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['http://h:1/x']\n",
        "scrape_configs[0].static_configs[0].targets: must be host:port");
  check("scrape_configs:\n  - job_name: a\n    static_configs:\n      - labels: {__x: y}\n",
        "scrape_configs[0].static_configs[0].labels.__x");
  check("scrape_configs:\n  - job_name: a\n    relabel_configs: []\n",
        "scrape_configs[0].relabel_configs: unknown key");
  check("scrape_configs:\n  - job_name: a\n    metrics_path: metrics\n",
        "scrape_configs[0].metrics_path: must start with '/'");
  check("scrape_configs:\n  - job_name: a\n    honor_labels: maybe\n",
        "scrape_configs[0].honor_labels: must be true or false");
  check("global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n",
        "global.scrape_timeout: must not be longer than global.scrape_interval 5s");
  check("scrape_configs: {a: 1}\n", "scrape_configs: must be a list");
}
