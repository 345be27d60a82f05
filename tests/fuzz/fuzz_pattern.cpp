// Fuzz target: ServeMux pattern parsing and matching, against brute force.
//
// The input is lines. A line starting with '>' is a request, ">METHOD HOST PATH" (HOST may
// be "-" for none); every other line is a pattern. Patterns are parsed (an invalid one must
// throw std::invalid_argument whose offset lies inside the pattern); valid ones that
// conflict with none already added go into a RoutingTree, as ServeMux would register them.
// Checked:
//   - parse_pattern is stable: re-parsing a pattern's str gives the same pattern;
//   - compare() is antisymmetric (compare(a,b) == inverse(compare(b,a))), conflicts() is
//     symmetric, and takes_precedence() never holds both ways;
//   - for conflicting pairs, describe_conflict() works and the example paths it is built
//     from are right: common_path matches both, difference_path matches one only;
//   - for every request (path canonicalized, as ServeMux does before matching), with and
//     without the virtual trailing slash, the tree returns exactly the one pattern that a
//     brute-force search finds matching and taking precedence over every other match, and
//     matching_methods() lists exactly the methods of the matching method-bound patterns.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/url_path.hpp"
#include "router/pattern.hpp"
#include "router/routing_tree.hpp"

namespace {

using namespace nethttp;
using namespace nethttp::detail;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_pattern invariant broken: %s\n%s\n", what, quote_pattern(detail).c_str());
  std::abort();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool method_ok(const Pattern& p, std::string_view m) {
  return p.method.empty() || p.method == m || (p.method == "GET" && m == "HEAD");
}

// check_error checks an invalid pattern's message: "at offset N: ..." with N inside s.
void check_error(std::string_view s, const std::invalid_argument& e) {
  const std::string_view msg = e.what();
  const std::size_t at = msg.find("at offset ");
  if (at == std::string_view::npos) return;  // messages without an offset (e.g. empty pattern)
  std::size_t i = at + 10, n = 0, digits = 0;
  for (; i < msg.size() && msg[i] >= '0' && msg[i] <= '9' && digits < 20; ++i, ++digits) {
    n = n * 10 + static_cast<std::size_t>(msg[i] - '0');
  }
  if (digits == 0 || digits >= 20 || n > s.size())
    fail("error offset outside the pattern", std::string(s) + " -> " + std::string(msg));
}

struct Probe {
  std::string method, host, path;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 2048) return -1;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> pattern_lines;
  std::vector<Probe> requests;
  while (!in.empty()) {
    const std::size_t e = in.find('\n');
    std::string_view line = in.substr(0, e);
    in.remove_prefix(e == std::string_view::npos ? in.size() : e + 1);
    if (!line.empty() && line.front() == '>') {
      line.remove_prefix(1);
      Probe r;
      const std::size_t sp1 = line.find(' ');
      r.method = std::string(line.substr(0, sp1));
      if (sp1 != std::string_view::npos) {
        std::string_view rest = line.substr(sp1 + 1);
        const std::size_t sp2 = rest.find(' ');
        r.host = std::string(rest.substr(0, sp2));
        if (r.host == "-") r.host.clear();
        r.path = sp2 == std::string_view::npos ? "/" : std::string(rest.substr(sp2 + 1));
      }
      if (requests.size() < 32) requests.push_back(std::move(r));
    } else if (pattern_lines.size() < 32) {
      pattern_lines.push_back(line);
    }
  }

  std::vector<std::unique_ptr<Route>> routes;
  RoutingTree tree;
  std::vector<Pattern> all;
  for (std::string_view s : pattern_lines) {
    Pattern p;
    try {
      p = parse_pattern(s);
    } catch (const std::invalid_argument& e) {
      check_error(s, e);
      continue;
    }
    if (p.segments.empty()) fail("a pattern without segments", s);
    Pattern again = parse_pattern(p.str);
    if (again.method != p.method || again.host != p.host || again.segments != p.segments) fail("re-parsing differs", s);
    for (const Pattern& o : all) {
      const Relationship r1 = compare(p, o), r2 = compare(o, p);
      if (r1 != inverse(r2)) fail("compare is not antisymmetric", p.str + " vs " + o.str);
      if (conflicts(p, o) != conflicts(o, p)) fail("conflicts is not symmetric", p.str + " vs " + o.str);
      if (takes_precedence(p, o) && takes_precedence(o, p)) fail("both take precedence", p.str + " vs " + o.str);
      if (conflicts(p, o)) (void)describe_conflict(p, o);
      if (compare_paths(p, o) == Relationship::overlaps) {
        const std::string both = common_path(p, o);
        if (!both.empty() && !(path_matches(p, both) && path_matches(o, both)))
          fail("common_path matches not both", p.str + " vs " + o.str + ": " + both);
      }
      const Relationship rp = compare_paths(p, o);
      if (rp == Relationship::overlaps || rp == Relationship::more_general || rp == Relationship::disjoint) {
        const std::string only = difference_path(p, o);
        if (!only.empty() && !(path_matches(p, only) && !path_matches(o, only)))
          fail("difference_path is wrong", p.str + " vs " + o.str + ": " + only);
      }
    }
    all.push_back(p);
    const bool clash =
        std::any_of(routes.begin(), routes.end(), [&](const auto& r) { return conflicts(r->pattern, p); });
    if (clash) continue;
    routes.push_back(
        std::make_unique<Route>(Route{std::move(p), Handler([](ResponseWriter&, nethttp::Request&) {}), "fuzz"}));
    tree.add(*routes.back());
  }

  for (const Probe& req : requests) {
    const std::string path =
        req.method == "CONNECT" && !req.path.empty() && req.path.front() == '/' ? req.path : canonical_path(req.path);
    const std::string host = lower(req.host);
    for (bool extra_slash : {false, true}) {
      const std::string full = extra_slash ? path + "/" : path;
      std::vector<const Pattern*> candidates;
      std::set<std::string> methods;
      for (const auto& r : routes) {
        const Pattern& p = r->pattern;
        if (!(p.host.empty() || p.host == host) || !path_matches(p, full)) continue;
        if (!p.method.empty()) {
          methods.insert(p.method);
          if (p.method == "GET") methods.insert("HEAD");
        }
        if (method_ok(p, req.method)) candidates.push_back(&p);
      }
      const Pattern* want = nullptr;
      for (const Pattern* c : candidates) {
        const bool best = std::all_of(candidates.begin(), candidates.end(),
                                      [&](const Pattern* o) { return o == c || takes_precedence(*c, *o); });
        if (best) {
          if (want != nullptr) fail("two winners", c->str + " and " + want->str + " for " + full);
          want = c;
        }
      }
      if (want == nullptr && !candidates.empty())
        fail("no single winner among matching patterns", req.method + " " + host + full);
      const Route* got = tree.match(req.host, req.method, path, extra_slash);
      const std::string got_str = got != nullptr ? got->pattern.str : "(none)";
      const std::string want_str = want != nullptr ? want->str : "(none)";
      if (got_str != want_str) {
        fail("tree and brute force disagree",
             req.method + " " + req.host + " " + full + ": tree " + got_str + ", brute force " + want_str);
      }
      std::vector<std::string> listed;
      tree.matching_methods(req.host, path, extra_slash, listed);
      const std::set<std::string> listed_set(listed.begin(), listed.end());
      if (listed_set != methods) fail("matching_methods disagrees with brute force", req.host + " " + full);
    }
  }
  return 0;
}
