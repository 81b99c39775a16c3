#include "strata/http/router.h"

#include <boost/url/decode_view.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/pct_string_view.hpp>

namespace strata::http {
namespace {

// Percent-decodes one component; with `plus_is_space`, '+' becomes ' ' (form encoding).
// A malformed escape leaves the text as it was.
std::string Decode(std::string_view s, bool plus_is_space) {
  auto pv = boost::urls::make_pct_string_view(s);
  if (!pv) return std::string(s);
  boost::urls::encoding_opts opts;
  opts.space_as_plus = plus_is_space;
  boost::urls::decode_view dv(*pv, opts);
  return std::string(dv.begin(), dv.end());
}

// Splits "/a/b/c" into segments.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool MatchPattern(std::string_view pattern, std::string_view path, std::vector<std::string>* params) {
  auto ps = Segments(pattern);
  auto xs = Segments(path);
  if (ps.size() != xs.size()) return false;
  std::vector<std::string> captured;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (ps[i].size() > 2 && ps[i].front() == '{' && ps[i].back() == '}') {
      captured.push_back(Decode(xs[i], false));
    } else if (ps[i] != xs[i]) {
      return false;
    }
  }
  *params = std::move(captured);
  return true;
}

}  // namespace

void Params::AddEncoded(std::string_view query) {
  size_t i = 0;
  while (i <= query.size()) {
    size_t amp = query.find('&', i);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view piece = query.substr(i, amp - i);
    i = amp + 1;
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string_view key = piece.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    items_.emplace_back(Decode(key, true), Decode(value, true));
  }
}

std::optional<std::string> Params::Get(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::vector<std::string> Params::GetAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : items_) {
    if (k == name) out.push_back(v);
  }
  return out;
}

void Router::Add(bhttp::verb method, std::string pattern, std::string name, Pool pool,
                 Handler handler) {
  routes_.push_back(Route{method, std::move(pattern), std::move(name), pool, std::move(handler),
                          routes_.size()});
}

Router::Match Router::Find(bhttp::verb method, std::string_view path) const {
  Match m;
  std::vector<std::string> params;
  for (const auto& r : routes_) {
    if (!MatchPattern(r.pattern, path, &params)) continue;
    if (r.method == method || (method == bhttp::verb::head && r.method == bhttp::verb::get)) {
      m.route = &r;
      m.path_params = std::move(params);
      m.method_not_allowed = false;
      return m;
    }
    m.method_not_allowed = true;
  }
  return m;
}

Response MakeResponse(const Request& req, unsigned status, std::string body,
                      std::string_view content_type) {
  Response res{static_cast<bhttp::status>(status), req.version()};
  res.set(bhttp::field::server, "strata");
  res.set(bhttp::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace strata::http
