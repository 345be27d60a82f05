// Range parsing. Numbers saturate instead of overflowing: a first-pos too large for 64 bits
// is simply past the end, and a huge last-pos or suffix-length means "to the end", which is
// what the client meant.

#include "fs/range.hpp"

#include <algorithm>
#include <limits>

#include "core/header_list.hpp"
#include "nethttp/headers.hpp"

namespace nethttp::detail {

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// number parses 1*DIGIT, saturating at kMax. False for an empty or non-digit string.
bool number(std::string_view s, std::uint64_t& out) noexcept {
  if (s.empty()) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    auto d = static_cast<std::uint64_t>(c - '0');
    v = (v > (kMax - d) / 10) ? kMax : v * 10 + d;
  }
  out = v;
  return true;
}

// Spec is one parsed range-spec before it meets the content's size.
struct Spec {
  bool suffix = false;
  std::uint64_t first = 0;  // or the suffix length
  std::uint64_t last = kMax;
};

bool parse_spec(std::string_view s, Spec& spec) noexcept {
  std::size_t dash = s.find('-');
  if (dash == std::string_view::npos) return false;
  std::string_view a = trim_ows(s.substr(0, dash));
  std::string_view b = trim_ows(s.substr(dash + 1));
  if (a.empty()) {
    spec.suffix = true;
    return number(b, spec.first);
  }
  if (!number(a, spec.first)) return false;
  if (b.empty()) return true;
  return number(b, spec.last) && spec.last >= spec.first;
}

// abusive applies the limits described in range.hpp to satisfiable ranges.
bool abusive(const std::vector<ByteRange>& ranges, std::uint64_t size) {
  std::uint64_t total = 0;
  for (const ByteRange& r : ranges) {
    total += r.length;  // each length <= size and there are at most kMaxRanges: no overflow
    if (total > size) return true;
  }
  if (ranges.size() < 2) return false;
  std::vector<ByteRange> sorted = ranges;
  std::sort(sorted.begin(), sorted.end(), [](const ByteRange& x, const ByteRange& y) { return x.start < y.start; });
  std::vector<bool> overlaps(sorted.size(), false);
  std::uint64_t reach = sorted[0].start + sorted[0].length;
  std::size_t reach_owner = 0;
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].start < reach) {
      overlaps[i] = true;
      overlaps[reach_owner] = true;
    }
    if (sorted[i].start + sorted[i].length > reach) {
      reach = sorted[i].start + sorted[i].length;
      reach_owner = i;
    }
  }
  if (std::count(overlaps.begin(), overlaps.end(), true) > 2) return true;
  bool ascending = std::is_sorted(ranges.begin(), ranges.end(),
                                  [](const ByteRange& x, const ByteRange& y) { return x.start < y.start; });
  return ranges.size() >= 3 && !ascending;
}

}  // namespace

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
  RangeRequest out;
  header = trim_ows(header);
  if (header.empty()) return out;
  out.outcome = RangeOutcome::ignored;
  std::size_t eq = header.find('=');
  if (eq == std::string_view::npos || !iequals(trim_ows(header.substr(0, eq)), "bytes")) return out;

  std::vector<Spec> specs;
  std::string_view rest = header.substr(eq + 1);
  for (;;) {
    std::size_t comma = rest.find(',');
    std::string_view item = trim_ows(rest.substr(0, comma));
    if (!item.empty()) {
      Spec spec;
      if (!parse_spec(item, spec)) return out;
      if (specs.size() == kMaxRanges) return out;
      specs.push_back(spec);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (specs.empty()) return out;

  std::vector<ByteRange> ranges;
  bool empty_suffix = false;
  for (const Spec& s : specs) {
    if (s.suffix) {
      if (s.first == 0) continue;  // "-0" selects nothing: unsatisfiable
      if (size == 0) {
        empty_suffix = true;
        continue;
      }
      std::uint64_t n = std::min(s.first, size);
      ranges.push_back({size - n, n});
    } else {
      if (s.first >= size) continue;
      std::uint64_t last = std::min(s.last, size - 1);
      ranges.push_back({s.first, last - s.first + 1});
    }
  }
  if (ranges.empty()) {
    out.outcome = empty_suffix ? RangeOutcome::ignored : RangeOutcome::unsatisfiable;
    return out;
  }
  if (abusive(ranges, size)) return out;
  out.outcome = RangeOutcome::satisfiable;
  out.ranges = std::move(ranges);
  return out;
}

std::string content_range(const ByteRange& r, std::uint64_t size) {
  return "bytes " + std::to_string(r.start) + "-" + std::to_string(r.start + r.length - 1) + "/" + std::to_string(size);
}

}  // namespace nethttp::detail
