// PromQL keywords: the words the lexer leaves as identifiers but the parser treats specially.
// Keywords are case-insensitive (`SUM BY`), function names are not.
// Thread-safety: pure functions over constant tables.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "strata/query/ast.h"

namespace strata::query {

std::string ToLower(std::string_view s);

// True for every reserved word (aggregators, and/or/unless/atan2, by, without, on, ignoring,
// group_left, group_right, bool, offset, start, end, ...), compared case-insensitively.
bool IsKeyword(std::string_view word);

// `lower` must already be lower-case.
bool IsAggregatorWord(std::string_view lower);
std::optional<AggregateOp> AggregatorFromWord(std::string_view lower);

// A legacy label/metric name: [a-zA-Z_][a-zA-Z0-9_]* (metric names may also contain ':').
bool IsLegacyLabelName(std::string_view s);
bool IsLegacyMetricName(std::string_view s);

// The functions only usable inside duration expressions: step(), range(), min_of(a, b),
// max_of(a, b). `lower` must be lower-case; nullptr for any other name.
const FunctionInfo* LookupDurationFunction(std::string_view lower);

}  // namespace strata::query
