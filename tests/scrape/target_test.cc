#include "strata/scrape/target.h"

#include <catch2/catch.hpp>

using namespace strata;
using namespace strata::scrape;

TEST_CASE("Targets get job and instance labels, static labels, URL and discovered labels",
          "[scrape][target]") {
  config::ScrapeConfig job;
  job.job_name = "node";
  job.scrape_interval = 15 * kSecond;
  job.metrics_path = "/probe";
  job.params = {{"module", {"http 2xx"}}};
  job.static_configs = {{{"10.0.0.1:9100", "[::1]:9100", "10.0.0.1:9100"}, {{"env", "prod"}}},
                        {{"b:1"}, {{"instance", "named"}}}};
  auto targets = BuildTargets({job});
  REQUIRE(targets.size() == 3);  // the repeated target is kept once
  CHECK(targets[0].labels == Labels{{"job", "node"}, {"instance", "10.0.0.1:9100"}, {"env", "prod"}});
  CHECK(targets[0].scrape_url == "http://10.0.0.1:9100/probe?module=http%202xx");
  CHECK(targets[0].host == "10.0.0.1");
  CHECK(targets[0].port == "9100");
  CHECK(targets[0].discovered_labels.Get("__address__") == "10.0.0.1:9100");
  CHECK(targets[0].discovered_labels.Get("__scrape_interval__") == "15s");
  CHECK(targets[0].discovered_labels.Get("__param_module") == "http 2xx");
  CHECK(targets[1].host == "::1");
  CHECK(targets[2].labels.Get("instance") == "named");  // a static label replaces instance
}

TEST_CASE("The default job scrapes the server's own address on loopback", "[scrape][target]") {
  auto jobs = DefaultJobs("0.0.0.0:9840");
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].job_name == "strata");
  CHECK(jobs[0].scrape_interval == 15 * kSecond);
  CHECK(jobs[0].static_configs[0].targets == std::vector<std::string>{"127.0.0.1:9840"});
  CHECK(DefaultJobs("10.1.2.3:80")[0].static_configs[0].targets[0] == "10.1.2.3:80");
  CHECK(DefaultJobs(":9840")[0].static_configs[0].targets[0] == "127.0.0.1:9840");
}

TEST_CASE("The first scrape waits for the target's fixed phase within its interval",
          "[scrape][target]") {
  config::ScrapeConfig job;
  job.job_name = "j";
  job.scrape_interval = 10 * kSecond;
  job.static_configs = {{{"a:1", "b:2", "c:3", "d:4"}, {}}};
  auto targets = BuildTargets({job});
  constexpr Timestamp kNow = 1'700'000'003'000;
  std::vector<Duration> delays;
  for (const Target& t : targets) {
    Duration d = FirstScrapeDelay(t, kNow);
    CHECK(d >= 0);
    CHECK(d < t.interval);
    // The phase is fixed: started at any other moment it scrapes at the same point of the cycle.
    CHECK((kNow + d) % t.interval == (kNow + 1234 + FirstScrapeDelay(t, kNow + 1234)) % t.interval);
    delays.push_back(d);
  }
  // Different targets spread over the interval.
  std::sort(delays.begin(), delays.end());
  CHECK(std::unique(delays.begin(), delays.end()) == delays.end());
}
