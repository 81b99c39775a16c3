#include "binary_op.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

namespace strata::query {
namespace {

// Prometheus' Labels.String(): every label inside braces, __name__ included.
std::string PromLabelsString(const Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out += ", ";
    first = false;
    out += l.name;
    out += "=\"";
    for (char c : l.value) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// The labels that decide whether two samples match.
Labels MatchLabels(const Labels& l, const VectorMatching& m) {
  if (m.on) return l.Filter(m.matching_labels, true);
  std::vector<std::string> drop = m.matching_labels;
  drop.emplace_back(kMetricName);
  return l.Filter(drop, false);
}

// Labels of a vector/vector result: from the "many" side, restricted for one-to-one matching,
// plus the group_x labels copied from the "one" side.
Labels ResultLabels(const Labels& many, const Labels& one, const VectorMatching& m) {
  Labels out = many;
  if (m.card == VectorMatching::Card::kOneToOne) {
    if (m.on) {
      out = out.Filter(m.matching_labels, true);
    } else {
      out = out.Filter(m.matching_labels, false);
    }
  }
  for (const auto& name : m.include) {
    out = out.With(name, one.Get(name));
  }
  return out;
}

Result<EvalMatrix> SetOp(BinaryOp op, const VectorMatching& matching, const EvalMatrix& lhs,
                         const EvalMatrix& rhs, const Grid& grid, EvalContext& ctx) {
  std::vector<uint64_t> lsig(lhs.size()), rsig(rhs.size());
  for (size_t i = 0; i < lhs.size(); ++i) lsig[i] = MatchLabels(lhs[i].labels, matching).Hash();
  for (size_t i = 0; i < rhs.size(); ++i) rsig[i] = MatchLabels(rhs[i].labels, matching).Hash();
  StepSamples lsteps = ByStep(lhs, grid), rsteps = ByStep(rhs, grid);
  SeriesCollector out;
  std::vector<int64_t> lout(lhs.size(), -1), rout(rhs.size(), -1);
  auto emit = [&](const EvalSeries& s, int64_t& idx, Timestamp t, double v) {
    if (idx < 0) idx = static_cast<int64_t>(out.Get(s.labels, s.drop_name));
    return out.Add(static_cast<size_t>(idx), t, v);
  };
  std::unordered_set<uint64_t> sigs;
  for (size_t i = 0; i < lsteps.size(); ++i) {
    if (Status s = ctx.CheckInterrupt(); !s.ok()) return s;
    const Timestamp t = grid.At(i);
    sigs.clear();
    switch (op) {
      case BinaryOp::kAnd:
        if (lsteps[i].empty() || rsteps[i].empty()) break;
        for (const auto& [r, v] : rsteps[i]) sigs.insert(rsig[r]);
        for (const auto& [l, v] : lsteps[i]) {
          if (!sigs.count(lsig[l])) continue;
          if (Status s = emit(lhs[l], lout[l], t, v); !s.ok()) return s;
        }
        break;
      case BinaryOp::kOr:
        for (const auto& [l, v] : lsteps[i]) {
          sigs.insert(lsig[l]);
          if (Status s = emit(lhs[l], lout[l], t, v); !s.ok()) return s;
        }
        for (const auto& [r, v] : rsteps[i]) {
          if (sigs.count(rsig[r])) continue;
          if (Status s = emit(rhs[r], rout[r], t, v); !s.ok()) return s;
        }
        break;
      case BinaryOp::kUnless:
        for (const auto& [r, v] : rsteps[i]) sigs.insert(rsig[r]);
        for (const auto& [l, v] : lsteps[i]) {
          if (sigs.count(lsig[l])) continue;
          if (Status s = emit(lhs[l], lout[l], t, v); !s.ok()) return s;
        }
        break;
      default: break;
    }
  }
  return out.Take();
}

}  // namespace

bool DropsMetricName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
    case BinaryOp::kPow:
    case BinaryOp::kAtan2: return true;
    default: return false;
  }
}

ElemResult ApplyElemOp(BinaryOp op, double lhs, double rhs) {
  switch (op) {
    case BinaryOp::kAdd: return {lhs + rhs};
    case BinaryOp::kSub: return {lhs - rhs};
    case BinaryOp::kMul: return {lhs * rhs};
    case BinaryOp::kDiv: return {lhs / rhs};
    case BinaryOp::kMod: return {std::fmod(lhs, rhs)};
    case BinaryOp::kPow: return {std::pow(lhs, rhs)};
    case BinaryOp::kAtan2: return {std::atan2(lhs, rhs)};
    case BinaryOp::kEql: return {lhs, lhs == rhs};
    case BinaryOp::kNeq: return {lhs, lhs != rhs};
    case BinaryOp::kGtr: return {lhs, lhs > rhs};
    case BinaryOp::kLss: return {lhs, lhs < rhs};
    case BinaryOp::kGte: return {lhs, lhs >= rhs};
    case BinaryOp::kLte: return {lhs, lhs <= rhs};
    default: return {0, false};
  }
}

std::vector<double> ScalarScalarOp(BinaryOp op, const std::vector<double>& lhs,
                                   const std::vector<double>& rhs) {
  std::vector<double> out(lhs.size());
  for (size_t i = 0; i < lhs.size(); ++i) {
    ElemResult r = ApplyElemOp(op, lhs[i], rhs[i]);
    out[i] = IsComparisonOp(op) ? (r.keep ? 1.0 : 0.0) : r.v;
  }
  return out;
}

Result<EvalMatrix> VectorScalarOp(BinaryOp op, bool return_bool, const EvalMatrix& vec,
                                  const std::vector<double>& scalar, bool scalar_on_left,
                                  const Grid& grid, EvalContext& ctx) {
  const bool drop = DropsMetricName(op) || return_bool;
  EvalMatrix out(vec.size());
  std::vector<Status> status(vec.size());
  ParallelForPoints(ctx, vec.size(), PointCount(vec), [&](size_t k) {
    if (status[k] = ctx.CheckInterrupt(); !status[k].ok()) return;
    const EvalSeries& s = vec[k];
    EvalSeries& r = out[k];
    r.labels = s.labels;
    r.drop_name = s.drop_name || drop;
    r.points.reserve(s.points.size());
    for (const Point& p : s.points) {
      double sv = scalar[grid.IndexOf(p.t)];
      ElemResult e = scalar_on_left ? ApplyElemOp(op, sv, p.v) : ApplyElemOp(op, p.v, sv);
      // A comparison keeps the vector's value even when the scalar is on the left.
      if (IsComparisonOp(op)) e.v = p.v;
      if (return_bool) {
        e.v = e.keep ? 1.0 : 0.0;
        e.keep = true;
      }
      if (e.keep) r.points.push_back({p.t, e.v});
    }
  });
  for (const Status& st : status) {
    if (!st.ok()) return st;
  }
  std::erase_if(out, [](const EvalSeries& s) { return s.points.empty(); });
  return out;
}

namespace {

// One-to-one matching where no match signature repeats on either side (the usual
// `a + b`, `a / on(x) b`): the pairing is the same at every step, so each pair's points are
// merged once by timestamp instead of matching the two sides again at every step. nullopt
// when the shapes do not allow it (the general per-step algorithm then decides, errors
// included).
std::optional<Result<EvalMatrix>> OneToOneByPairs(BinaryOp op, bool return_bool,
                                                  const VectorMatching& matching,
                                                  const EvalMatrix& lhs, const EvalMatrix& rhs,
                                                  const std::vector<uint64_t>& lsig,
                                                  const std::vector<uint64_t>& rsig,
                                                  EvalContext& ctx) {
  if (matching.card != VectorMatching::Card::kOneToOne) return std::nullopt;
  std::unordered_map<uint64_t, uint32_t> right;
  right.reserve(rhs.size());
  for (size_t r = 0; r < rhs.size(); ++r) {
    if (!right.emplace(rsig[r], static_cast<uint32_t>(r)).second) return std::nullopt;
  }
  std::unordered_set<uint64_t> left;
  left.reserve(lhs.size());
  for (uint64_t sig : lsig) {
    if (!left.insert(sig).second) return std::nullopt;
  }
  const bool drop = DropsMetricName(op) || return_bool;
  struct Pair {
    uint32_t l, r;
    size_t out;
  };
  std::vector<Pair> pairs;
  SeriesCollector out;
  std::vector<bool> used;
  for (size_t l = 0; l < lhs.size(); ++l) {
    auto it = right.find(lsig[l]);
    if (it == right.end()) continue;
    const uint32_t r = it->second;
    const size_t idx =
        out.Get(ResultLabels(lhs[l].labels, rhs[r].labels, matching), drop || lhs[l].drop_name);
    if (idx < used.size() && used[idx]) return std::nullopt;  // two pairs, one label set
    used.resize(std::max(used.size(), idx + 1));
    used[idx] = true;
    pairs.push_back({static_cast<uint32_t>(l), r, idx});
  }
  // Pairs write distinct output series, so blocks of them merge in parallel.
  constexpr size_t kPairsPerTask = 16;
  const size_t tasks = (pairs.size() + kPairsPerTask - 1) / kPairsPerTask;
  std::vector<Status> status(tasks);
  ParallelForPoints(ctx, tasks, PointCount(lhs), [&](size_t task) {
    if (status[task] = ctx.CheckInterrupt(); !status[task].ok()) return;
    const size_t end = std::min(pairs.size(), (task + 1) * kPairsPerTask);
    for (size_t k = task * kPairsPerTask; k < end; ++k) {
      const auto& a = lhs[pairs[k].l].points;
      const auto& b = rhs[pairs[k].r].points;
      std::vector<Point>& dst = out.Points(pairs[k].out);
      dst.reserve(std::min(a.size(), b.size()));
      size_t i = 0, j = 0;
      while (i < a.size() && j < b.size()) {
        if (a[i].t < b[j].t) {
          ++i;
        } else if (b[j].t < a[i].t) {
          ++j;
        } else {
          ElemResult e = ApplyElemOp(op, a[i].v, b[j].v);
          if (return_bool) {
            e.v = e.keep ? 1.0 : 0.0;
            e.keep = true;
          }
          // Each series' points are strictly increasing, so a pair never repeats a timestamp.
          if (e.keep) dst.push_back({a[i].t, e.v});
          ++i;
          ++j;
        }
      }
    }
  });
  for (const Status& st : status) {
    if (!st.ok()) return Result<EvalMatrix>(st);
  }
  EvalMatrix result = out.Take();
  std::erase_if(result, [](const EvalSeries& s) { return s.points.empty(); });
  uint64_t points = 0;
  for (const auto& s : result) points += s.points.size();
  if (Status s = ctx.AddSamples(points); !s.ok()) return Result<EvalMatrix>(s);
  return Result<EvalMatrix>(std::move(result));
}

}  // namespace

Result<EvalMatrix> VectorVectorOp(BinaryOp op, bool return_bool, const VectorMatching& matching,
                                  const EvalMatrix& lhs_in, const EvalMatrix& rhs_in,
                                  const Grid& grid, EvalContext& ctx) {
  if (IsSetOp(op)) return SetOp(op, matching, lhs_in, rhs_in, grid, ctx);
  if (matching.card == VectorMatching::Card::kManyToMany) {
    return Status::ResourceExhausted("many-to-many only allowed for set operators");
  }
  // One-to-many is many-to-one with the sides swapped; values are swapped back below.
  const bool swapped = matching.card == VectorMatching::Card::kOneToMany;
  const EvalMatrix& lhs = swapped ? rhs_in : lhs_in;
  const EvalMatrix& rhs = swapped ? lhs_in : rhs_in;

  std::vector<uint64_t> lsig(lhs.size()), rsig(rhs.size());
  for (size_t i = 0; i < lhs.size(); ++i) lsig[i] = MatchLabels(lhs[i].labels, matching).Hash();
  for (size_t i = 0; i < rhs.size(); ++i) rsig[i] = MatchLabels(rhs[i].labels, matching).Hash();
  if (auto fast = OneToOneByPairs(op, return_bool, matching, lhs, rhs, lsig, rsig, ctx)) {
    return std::move(*fast);
  }
  StepSamples lsteps = ByStep(lhs, grid), rsteps = ByStep(rhs, grid);

  SeriesCollector out;
  std::unordered_map<uint64_t, size_t> pair_out;  // (lhs << 32 | rhs) -> output series
  std::unordered_map<uint64_t, std::pair<uint32_t, double>> right;
  std::unordered_map<uint64_t, std::vector<uint64_t>> matched;
  const bool drop = DropsMetricName(op) || return_bool;

  for (size_t i = 0; i < lsteps.size(); ++i) {
    if (Status s = ctx.CheckInterrupt(); !s.ok()) return s;
    if (lsteps[i].empty() || rsteps[i].empty()) continue;
    const Timestamp t = grid.At(i);
    right.clear();
    matched.clear();
    for (const auto& [r, v] : rsteps[i]) {
      auto [it, inserted] = right.emplace(rsig[r], std::make_pair(r, v));
      if (!inserted) {
        return Status::ResourceExhausted(fmt::format(
            "found duplicate series for the match group {} on the {} hand-side of the "
            "operation: [{}, {}];many-to-many matching not allowed: matching labels must be "
            "unique on one side",
            PromLabelsString(MatchLabels(rhs[r].labels, matching)), swapped ? "left" : "right",
            PromLabelsString(rhs[r].labels), PromLabelsString(rhs[it->second.first].labels)));
      }
    }
    for (const auto& [l, lv] : lsteps[i]) {
      auto it = right.find(lsig[l]);
      if (it == right.end()) continue;
      const auto [r, rv] = it->second;
      double fl = lv, fr = rv;
      if (swapped) std::swap(fl, fr);
      ElemResult e = ApplyElemOp(op, fl, fr);
      if (return_bool) {
        e.v = e.keep ? 1.0 : 0.0;
        e.keep = true;
      }
      // Ambiguous matches are errors even when the comparison filters the sample out.
      uint64_t key = (static_cast<uint64_t>(l) << 32) | r;
      auto po = pair_out.find(key);
      if (po == pair_out.end()) {
        Labels labels = ResultLabels(lhs[l].labels, rhs[r].labels, matching);
        po = pair_out.emplace(key, out.Get(labels, drop || lhs[l].drop_name)).first;
      }
      auto& sigs = matched[lsig[l]];
      if (matching.card == VectorMatching::Card::kOneToOne) {
        if (!sigs.empty()) {
          return Status::ResourceExhausted(
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
        }
        sigs.push_back(0);
      } else {
        uint64_t result_sig = po->second;
        for (uint64_t seen : sigs) {
          if (seen == result_sig) {
            return Status::ResourceExhausted(
                "multiple matches for labels: grouping labels must ensure unique matches");
          }
        }
        sigs.push_back(result_sig);
      }
      if (!e.keep) continue;
      if (Status s = out.Add(po->second, t, e.v); !s.ok()) return s;
    }
  }
  EvalMatrix result = out.Take();
  std::erase_if(result, [](const EvalSeries& s) { return s.points.empty(); });
  uint64_t points = 0;
  for (const auto& s : result) points += s.points.size();
  if (Status s = ctx.AddSamples(points); !s.ok()) return s;
  return result;
}

}  // namespace strata::query
