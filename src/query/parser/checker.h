// The semantic pass after parsing, as Prometheus' parse.go checkAST: operand and argument types,
// selector validity, vector-matching rules. It also normalises the tree: set operators get
// many-to-many matching, and matching is dropped when a side is a scalar.
// Thread-safety: pure functions over the tree they are given.
#pragma once

#include <string>
#include <string_view>

#include "strata/base/status.h"
#include "strata/query/ast.h"

namespace strata::query {

// "<line>:<col>: parse error: <msg>" with a 1-based line and column of byte offset `pos`.
std::string FormatParseError(std::string_view input, int pos, std::string_view msg);

// Checks (and normalises) a freshly parsed tree of `input`. Returns the first error as
// invalid_argument, positioned like a parse error.
Status CheckAst(std::string_view input, Expr& e);

}  // namespace strata::query
