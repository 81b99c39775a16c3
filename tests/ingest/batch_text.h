// BatchText: a SampleBatch as readable lines "name{a=\"b\"} t v" for the protocol tests.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "strata/storage/sample_batch.h"

namespace strata::ingest::testing {

inline std::string SeriesText(const storage::SampleBatch& batch, size_t i) {
  std::string name, rest;
  for (const LabelView& l : batch.labels(i)) {
    if (l.name == kMetricName) {
      name = std::string(l.value);
    } else {
      rest += fmt::format("{}{}=\"{}\"", rest.empty() ? "" : ",", l.name, l.value);
    }
  }
  return rest.empty() ? name : name + "{" + rest + "}";
}

inline std::vector<std::string> BatchText(const storage::SampleBatch& batch) {
  std::vector<std::string> out;
  for (size_t i = 0; i < batch.series_count(); ++i) {
    for (const storage::Sample& s : batch.samples(i)) {
      out.push_back(fmt::format("{} {} {}", SeriesText(batch, i), s.t, s.v));
    }
  }
  return out;
}

}  // namespace strata::ingest::testing
