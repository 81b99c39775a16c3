#include "aggregation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "kahan.h"
#include "range_functions.h"

namespace strata::query {
namespace {

// Per-group state of one step.
struct Accumulator {
  bool used = false;
  double value = 0;
  double kahan_c = 0;
  double count = 0;
  double mean = 0;
  MeanAccumulator avg;
  bool drop_name = false;  // some member's name is due for removal (delayed name removal)
  std::vector<std::pair<double, uint32_t>> members;  // (value, series) for the k/quantile ops
};

bool ValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Whether a float parameter fits an int64 (Prometheus' convertibleToInt64).
bool ConvertibleToInt64(double v) {
  return v <= static_cast<double>(std::numeric_limits<int64_t>::max()) &&
         v >= static_cast<double>(std::numeric_limits<int64_t>::min());
}

}  // namespace

Labels GroupLabels(const Labels& labels, const std::vector<std::string>& grouping, bool without) {
  if (!without) return labels.Filter(grouping, true);
  std::vector<std::string> drop = grouping;
  drop.emplace_back(kMetricName);
  return labels.Filter(drop, false);
}

Result<EvalMatrix> Aggregate(const AggregateArgs& args, const EvalMatrix& input, const Grid& grid,
                             EvalContext& ctx) {
  const AggregateOp op = args.op;
  if (op == AggregateOp::kCountValues && !ValidLabelName(args.label)) {
    return Status::ResourceExhausted(fmt::format("invalid label name \"{}\"", args.label));
  }

  // Group membership is fixed per series; compute it once.
  std::vector<uint32_t> group_of(input.size());
  std::vector<Labels> group_labels;
  {
    std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash;
    for (size_t s = 0; s < input.size(); ++s) {
      Labels gl = GroupLabels(input[s].labels, args.grouping, args.without);
      auto& bucket = by_hash[gl.Hash()];
      uint32_t g = UINT32_MAX;
      for (uint32_t cand : bucket) {
        if (group_labels[cand] == gl) g = cand;
      }
      if (g == UINT32_MAX) {
        g = static_cast<uint32_t>(group_labels.size());
        group_labels.push_back(std::move(gl));
        bucket.push_back(g);
      }
      group_of[s] = g;
    }
  }

  StepSamples steps = ByStep(input, grid);
  SeriesCollector out;
  std::vector<Accumulator> accs(group_labels.size());
  std::vector<uint32_t> touched;
  std::vector<std::pair<double, uint32_t>> best;  // topk/bottomk: the best of one group

  for (size_t i = 0; i < steps.size(); ++i) {
    if (Status s = ctx.CheckInterrupt(); !s.ok()) return s;
    const auto& samples = steps[i];
    const Timestamp t = grid.At(i);
    double param = args.param != nullptr ? (*args.param)[i] : 0;

    int64_t k = 0;
    if (op == AggregateOp::kTopk || op == AggregateOp::kBottomk || op == AggregateOp::kLimitk) {
      if (!ConvertibleToInt64(param)) {
        return Status::ResourceExhausted(
            fmt::format("Scalar value {} overflows int64", FormatValue(param)));
      }
      k = static_cast<int64_t>(param);
      if (k < 1) continue;
    }
    if (op == AggregateOp::kLimitRatio) {
      if (std::isnan(param)) {
        return Status::ResourceExhausted("Ratio value is NaN");
      }
      if (param < -1 || param > 1) {
        ctx.Warn("PromQL warning: ratio value should be between -1 and 1");
        param = std::clamp(param, -1.0, 1.0);
      }
    }
    if (samples.empty()) continue;
    if (op == AggregateOp::kQuantile && (param < 0 || param > 1)) {
      ctx.Warn("PromQL warning: quantile value should be between 0 and 1");
    }

    touched.clear();
    for (const auto& [series, v] : samples) {
      uint32_t g = group_of[series];
      Accumulator& a = accs[g];
      if (!a.used) {
        a.used = true;
        touched.push_back(g);
        a.value = v;
        a.kahan_c = 0;
        a.count = 1;
        a.mean = v;
        a.avg = MeanAccumulator();
        a.avg.Add(v);
        a.members.clear();
        a.drop_name = input[series].drop_name;
        if (op == AggregateOp::kStddev || op == AggregateOp::kStdvar) {
          a.value = std::isnan(v) || std::isinf(v) ? std::numeric_limits<double>::quiet_NaN() : 0;
        }
        a.members.emplace_back(v, series);
        continue;
      }
      a.count += 1;
      a.drop_name = a.drop_name || input[series].drop_name;
      switch (op) {
        case AggregateOp::kSum: a.value = KahanSumInc(v, a.value, a.kahan_c); break;
        case AggregateOp::kAvg: a.avg.Add(v); break;
        case AggregateOp::kMin:
          if (a.value > v || std::isnan(a.value)) a.value = v;
          break;
        case AggregateOp::kMax:
          if (a.value < v || std::isnan(a.value)) a.value = v;
          break;
        case AggregateOp::kStddev:
        case AggregateOp::kStdvar: {
          double delta = v - a.mean;
          a.mean += delta / a.count;
          a.value += delta * (v - a.mean);
          break;
        }
        default: a.members.emplace_back(v, series); break;
      }
    }

    for (uint32_t g : touched) {
      Accumulator& a = accs[g];
      a.used = false;
      auto emit = [&](const Labels& labels, bool drop_name, double v) -> Status {
        return out.Add(out.Get(labels, drop_name), t, v);
      };
      Status st;
      switch (op) {
        case AggregateOp::kSum: st = emit(group_labels[g], a.drop_name, a.value + a.kahan_c); break;
        case AggregateOp::kAvg: st = emit(group_labels[g], a.drop_name, a.avg.Mean()); break;
        case AggregateOp::kMin:
        case AggregateOp::kMax: st = emit(group_labels[g], a.drop_name, a.value); break;
        case AggregateOp::kCount: st = emit(group_labels[g], a.drop_name, a.count); break;
        case AggregateOp::kGroup: st = emit(group_labels[g], a.drop_name, 1); break;
        case AggregateOp::kStdvar: st = emit(group_labels[g], a.drop_name, a.value / a.count); break;
        case AggregateOp::kStddev:
          st = emit(group_labels[g], a.drop_name, std::sqrt(a.value / a.count));
          break;
        case AggregateOp::kQuantile: {
          std::vector<double> values;
          values.reserve(a.members.size());
          for (const auto& m : a.members) values.push_back(m.first);
          st = emit(group_labels[g], a.drop_name, Quantile(param, values));
          break;
        }
        case AggregateOp::kTopk:
        case AggregateOp::kBottomk: {
          const bool top = op == AggregateOp::kTopk;
          // NaN ranks last either way; among equal values the first seen wins, as with
          // Prometheus' heap that only replaces on a strictly better value.
          auto better = [top](double x, double y) {
            if (std::isnan(x)) return false;
            if (std::isnan(y)) return true;
            return top ? x > y : x < y;
          };
          size_t n = std::min<size_t>(a.members.size(), static_cast<size_t>(k));
          if (n * 4 < a.members.size()) {
            // A few of many: keep the best n in rank order while passing once over the members.
            best.clear();
            for (const auto& m : a.members) {
              if (best.size() == n && !better(m.first, best.back().first)) continue;
              auto pos = std::find_if(best.begin(), best.end(),
                                      [&](const auto& e) { return better(m.first, e.first); });
              best.insert(pos, m);
              if (best.size() > n) best.pop_back();
            }
            a.members.swap(best);
          } else {
            std::stable_sort(a.members.begin(), a.members.end(),
                             [&](const auto& x, const auto& y) { return better(x.first, y.first); });
          }
          for (size_t m = 0; m < n && st.ok(); ++m) {
            const EvalSeries& src = input[a.members[m].second];
            st = emit(src.labels, src.drop_name, a.members[m].first);
          }
          break;
        }
        case AggregateOp::kLimitk: {
          size_t n = std::min<size_t>(a.members.size(), static_cast<size_t>(k));
          for (size_t m = 0; m < n && st.ok(); ++m) {
            const EvalSeries& src = input[a.members[m].second];
            st = emit(src.labels, src.drop_name, a.members[m].first);
          }
          break;
        }
        case AggregateOp::kLimitRatio: {
          for (const auto& [v, series] : a.members) {
            const EvalSeries& src = input[series];
            double offset = static_cast<double>(src.labels.Hash()) /
                            static_cast<double>(std::numeric_limits<uint64_t>::max());
            bool keep = (param >= 0 && offset < param) || (param < 0 && offset >= 1.0 + param);
            if (keep) st = emit(src.labels, src.drop_name, v);
            if (!st.ok()) break;
          }
          break;
        }
        case AggregateOp::kCountValues: {
          std::map<std::string, double> counts;
          std::vector<std::string> order;
          for (const auto& m : a.members) {
            std::string key = FormatValue(m.first);
            auto [it, inserted] = counts.emplace(key, 0);
            if (inserted) order.push_back(key);
            it->second += 1;
          }
          for (const auto& key : order) {
            st = emit(group_labels[g].With(args.label, key), false, counts[key]);
            if (!st.ok()) break;
          }
          break;
        }
      }
      if (!st.ok()) return st;
    }
  }
  EvalMatrix result = out.Take();
  uint64_t points = 0;
  for (const auto& s : result) points += s.points.size();
  if (Status s = ctx.AddSamples(points); !s.ok()) return s;
  return result;
}

}  // namespace strata::query

namespace strata::query {

// One group's state within one bucket: a cell per step.
struct GroupCell {
  double value = 0;
  double kahan_c = 0;
  double count = 0;
};

struct GroupFolder::Bucket {
  struct Group {
    Labels labels;
    Labels first_member;  // the smallest member labels
    bool drop_name = false;
    std::vector<GroupCell> cells;        // all but avg
    std::vector<MeanAccumulator> means;  // avg only (it counts its own values)
  };
  std::vector<Group> groups;
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash;
};

namespace {

// Folds value v into a cell by the operator's rule (the first value initialises the cell).
inline void FoldCell(AggregateOp op, GroupCell& c, double v) {
  if (c.count == 0) {
    c.value = v;
    c.kahan_c = 0;
    c.count = 1;
    return;
  }
  c.count += 1;
  switch (op) {
    case AggregateOp::kSum: c.value = KahanSumInc(v, c.value, c.kahan_c); break;
    case AggregateOp::kMin:
      if (c.value > v || std::isnan(c.value)) c.value = v;
      break;
    case AggregateOp::kMax:
      if (c.value < v || std::isnan(c.value)) c.value = v;
      break;
    default: break;
  }
}

// Folds another bucket's cell into `dst`.
inline void MergeCell(AggregateOp op, GroupCell& dst, const GroupCell& src) {
  if (src.count == 0) return;
  if (dst.count == 0) {
    dst = src;
    return;
  }
  dst.count += src.count;
  switch (op) {
    case AggregateOp::kSum:
      dst.value = KahanSumInc(src.value, dst.value, dst.kahan_c);
      dst.kahan_c += src.kahan_c;
      break;
    case AggregateOp::kMin:
      if (dst.value > src.value || std::isnan(dst.value)) dst.value = src.value;
      break;
    case AggregateOp::kMax:
      if (dst.value < src.value || std::isnan(dst.value)) dst.value = src.value;
      break;
    default: break;
  }
}

}  // namespace

bool GroupFolder::Supports(const AggregateArgs& args) {
  if (args.param != nullptr) return false;
  switch (args.op) {
    case AggregateOp::kSum:
    case AggregateOp::kAvg:
    case AggregateOp::kMin:
    case AggregateOp::kMax:
    case AggregateOp::kCount:
    case AggregateOp::kGroup: return true;
    default: return false;
  }
}

GroupFolder::GroupFolder(const AggregateArgs& args, const Grid& grid, size_t buckets)
    : args_(args), grouping_(args.grouping), grid_(grid), buckets_(std::max<size_t>(buckets, 1)) {
  std::sort(grouping_.begin(), grouping_.end());
  grouping_.erase(std::unique(grouping_.begin(), grouping_.end()), grouping_.end());
}

namespace {

inline uint64_t MixPair(uint64_t h, std::string_view name, std::string_view value) {
  uint64_t x = std::hash<std::string_view>()(name) * 0x9e3779b97f4a7c15ULL ^
               std::hash<std::string_view>()(value);
  return (h ^ x) * 0xff51afd7ed558ccdULL + 0x632be59bd9b4e5bULL;
}

}  // namespace

uint64_t GroupFolder::GroupHash(const Labels& labels) const {
  uint64_t h = 0;
  if (!args_.without) {
    for (const std::string& name : grouping_) {
      std::string_view v = labels.Get(name);
      if (!v.empty()) h = MixPair(h, name, v);
    }
    return h;
  }
  for (const Label& l : labels) {
    if (l.name == kMetricName || std::binary_search(grouping_.begin(), grouping_.end(), l.name)) {
      continue;
    }
    h = MixPair(h, l.name, l.value);
  }
  return h;
}

bool GroupFolder::InGroup(const Labels& labels, const Labels& group) const {
  size_t matched = 0;
  if (!args_.without) {
    for (const std::string& name : grouping_) {
      std::string_view v = labels.Get(name);
      if (v.empty()) continue;
      if (group.Get(name) != v) return false;
      ++matched;
    }
    return matched == group.size();
  }
  auto g = group.begin();
  for (const Label& l : labels) {
    if (l.name == kMetricName || std::binary_search(grouping_.begin(), grouping_.end(), l.name)) {
      continue;
    }
    if (g == group.end() || g->name != l.name || g->value != l.value) return false;
    ++g;
  }
  return g == group.end();
}

GroupFolder::~GroupFolder() = default;

size_t GroupFolder::buckets() const { return buckets_.size(); }

bool GroupFolder::NeedsValues() const {
  return args_.op != AggregateOp::kCount && args_.op != AggregateOp::kGroup;
}

size_t GroupFolder::BucketOfGroup(const Labels& labels) const {
  return static_cast<size_t>(GroupHash(labels) % buckets_.size());
}

Result<EvalMatrix> AggregateInParallel(const AggregateArgs& args, const EvalMatrix& input,
                                       const Grid& grid, EvalContext& ctx) {
  const size_t parts = ctx.pool() == nullptr ? 1 : ctx.pool()->concurrency();
  GroupFolder fold(args, grid, 4 * parts);
  std::vector<std::vector<uint32_t>> members(fold.buckets());
  for (size_t s = 0; s < input.size(); ++s) {
    members[fold.BucketOfGroup(input[s].labels)].push_back(static_cast<uint32_t>(s));
  }
  std::vector<Status> status(fold.buckets());
  ParallelForPoints(ctx, fold.buckets(), PointCount(input), [&](size_t b) {
    if (status[b] = ctx.CheckInterrupt(); !status[b].ok()) return;
    for (uint32_t s : members[b]) fold.Add(b, input[s].labels, input[s]);
  });
  for (const Status& s : status) {
    if (!s.ok()) return s;
  }
  return fold.Finish(ctx);
}

void GroupFolder::Add(size_t bucket, const Labels& labels, const EvalSeries& series) {
  if (series.points.empty()) return;
  Bucket& b = buckets_[bucket];
  auto& candidates = b.by_hash[GroupHash(labels)];
  uint32_t g = UINT32_MAX;
  for (uint32_t cand : candidates) {
    if (InGroup(labels, b.groups[cand].labels)) g = cand;
  }
  if (g == UINT32_MAX) {
    g = static_cast<uint32_t>(b.groups.size());
    Bucket::Group group;
    group.labels = GroupLabels(labels, args_.grouping, args_.without);
    group.first_member = labels;
    if (args_.op == AggregateOp::kAvg) {
      group.means.resize(grid_.steps());
    } else {
      group.cells.resize(grid_.steps());
    }
    b.groups.push_back(std::move(group));
    candidates.push_back(g);
  }
  Bucket::Group& group = b.groups[g];
  // Members come in the store's order, not by labels: keep the smallest.
  if (labels < group.first_member) group.first_member = labels;
  group.drop_name = group.drop_name || series.drop_name;
  const AggregateOp op = args_.op;
  if (op == AggregateOp::kAvg) {
    size_t i = grid_.IndexOf(series.points.front().t);
    for (const Point& p : series.points) {
      while (grid_.At(i) < p.t) ++i;
      group.means[i].Add(p.v);
    }
    return;
  }
  // Points lie on the grid in time order: step forward instead of dividing per point.
  size_t i = grid_.IndexOf(series.points.front().t);
  for (const Point& p : series.points) {
    while (grid_.At(i) < p.t) ++i;
    FoldCell(op, group.cells[i], p.v);
  }
}

Result<EvalMatrix> GroupFolder::Finish(EvalContext& ctx) {
  const AggregateOp op = args_.op;
  // Combine the buckets in index order: first find each group's parts (serially, cheap), then
  // merge the cells of different groups in parallel.
  std::vector<Bucket::Group> all;
  std::vector<std::vector<Bucket::Group*>> parts;  // parts[g]: the other buckets' shares of all[g]
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash;
  for (Bucket& b : buckets_) {
    if (Status s = ctx.CheckInterrupt(); !s.ok()) return s;
    for (Bucket::Group& src : b.groups) {
      auto& candidates = by_hash[src.labels.Hash()];
      uint32_t dst = UINT32_MAX;
      for (uint32_t cand : candidates) {
        if (all[cand].labels == src.labels) dst = cand;
      }
      if (dst == UINT32_MAX) {
        candidates.push_back(static_cast<uint32_t>(all.size()));
        all.push_back(std::move(src));
        parts.emplace_back();
        continue;
      }
      parts[dst].push_back(&src);
    }
  }
  size_t merged_cells = 0;
  for (const auto& p : parts) merged_cells += p.size() * grid_.steps();
  std::vector<Status> status(all.size());
  ParallelForPoints(ctx, all.size(), merged_cells, [&](size_t g) {
    if (parts[g].empty()) return;
    if (status[g] = ctx.CheckInterrupt(); !status[g].ok()) return;
    Bucket::Group& dst = all[g];
    for (const Bucket::Group* src : parts[g]) {
      dst.drop_name = dst.drop_name || src->drop_name;
      if (src->first_member < dst.first_member) dst.first_member = src->first_member;
      for (size_t i = 0; i < src->means.size(); ++i) dst.means[i].Merge(src->means[i]);
      for (size_t i = 0; i < src->cells.size(); ++i) MergeCell(op, dst.cells[i], src->cells[i]);
    }
  });
  for (const Status& s : status) {
    if (!s.ok()) return s;
  }
  for (Bucket& b : buckets_) b.groups.clear();
  std::sort(all.begin(), all.end(), [](const Bucket::Group& a, const Bucket::Group& b) {
    return a.first_member < b.first_member;
  });
  EvalMatrix out;
  out.reserve(all.size());
  uint64_t points = 0;
  for (Bucket::Group& group : all) {
    EvalSeries s{std::move(group.labels), {}, group.drop_name};
    for (size_t i = 0; i < group.means.size(); ++i) {
      if (group.means[i].count() > 0) s.points.push_back({grid_.At(i), group.means[i].Mean()});
    }
    for (size_t i = 0; i < group.cells.size(); ++i) {
      const GroupCell& c = group.cells[i];
      if (c.count == 0) continue;
      double v = 0;
      switch (op) {
        case AggregateOp::kSum: v = c.value + c.kahan_c; break;
        case AggregateOp::kCount: v = c.count; break;
        case AggregateOp::kGroup: v = 1; break;
        default: v = c.value; break;
      }
      s.points.push_back({grid_.At(i), v});
    }
    points += s.points.size();
    if (!s.points.empty()) out.push_back(std::move(s));
  }
  if (Status s = ctx.AddSamples(points); !s.ok()) return s;
  return out;
}

}  // namespace strata::query
