// GET /api/v1/targets: the scrape targets and their health in Prometheus' shape:
//   {"activeTargets":[{"discoveredLabels","labels","scrapePool","scrapeUrl","globalUrl",
//     "lastError","lastScrape","lastScrapeDuration","health","scrapeInterval","scrapeTimeout"}],
//    "droppedTargets":[],"droppedTargetCounts":{pool: 0}}
// `state=active|dropped|any` and `scrapePool=<job>` filter as in Prometheus. strata applies no
// relabeling, so no target is ever dropped.
#include <map>

#include "handlers.h"
#include "respond.h"
#include "strata/http/json_writer.h"

namespace strata::http::api {

Response HandleTargets(const Request& req, RequestContext& ctx, Services& s) {
  std::string state = ctx.params.Get("state").value_or("any");
  if (state.empty()) state = "any";
  if (state != "active" && state != "dropped" && state != "any") {
    return ErrorReply(req, 400, "bad_data",
                      "invalid parameter \"state\": must be active, dropped or any");
  }
  std::optional<std::string> pool = ctx.params.Get("scrapePool");
  std::vector<scrape::TargetHealth> targets;
  if (const scrape::Manager* m = s.scrape.load()) targets = m->Targets();
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("activeTargets").BeginArray();
  std::map<std::string, uint64_t> pools;
  for (const scrape::TargetHealth& t : targets) {
    pools.emplace(t.target.job, 0);
    if (state == "dropped" || (pool && *pool != t.target.job)) continue;
    w.BeginObject();
    w.Key("discoveredLabels").LabelsObject(t.target.discovered_labels);
    w.Key("labels").LabelsObject(t.target.labels);
    w.Key("scrapePool").String(t.target.job);
    w.Key("scrapeUrl").String(t.target.scrape_url);
    w.Key("globalUrl").String(t.target.scrape_url);
    w.Key("lastError").String(t.last_error);
    w.Key("lastScrape").String(t.last_scrape == 0 ? "0001-01-01T00:00:00Z"
                                                 : FormatRfc3339(t.last_scrape));
    w.Key("lastScrapeDuration").Double(t.last_scrape_duration);
    w.Key("health").String(t.health);
    w.Key("scrapeInterval").String(FormatDuration(t.target.interval));
    w.Key("scrapeTimeout").String(FormatDuration(t.target.timeout));
    w.EndObject();
  }
  w.EndArray();
  w.Key("droppedTargets").BeginArray().EndArray();
  w.Key("droppedTargetCounts").BeginObject();
  for (const auto& [name, count] : pools) w.Key(name).UInt(count);
  w.EndObject();
  w.EndObject();
  return SuccessReply(req, out);
}

}  // namespace strata::http::api
