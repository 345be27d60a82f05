#include "router/pattern.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "core/escape.hpp"
#include "core/header_list.hpp"
#include "router/path_clean.hpp"

namespace nethttp::detail {

namespace {

// valid_wildcard_name accepts identifiers. Go accepts any Unicode letter; we keep to ASCII
// so the rule needs no Unicode tables, and say so in the ServeMux documentation.
bool valid_wildcard_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string quote_pattern(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

namespace {

std::string quote(std::string_view s) { return quote_pattern(s); }

[[noreturn]] void fail(std::size_t offset, std::string_view reason) {
  throw std::invalid_argument(fmt::format("at offset {}: {}", offset, reason));
}

// escape_segment turns an unescaped literal back into something that can appear in a path,
// for the example paths in conflict messages.
std::string escape_segment(std::string_view text) {
  std::string out;
  append_percent_encoded(out, text, [](unsigned char c) {
    return c <= 0x20 || c >= 0x7f || c == '%' || c == '/' || c == '?' || c == '#';
  });
  return out;
}

Relationship compare_segments(const Segment& s1, const Segment& s2) noexcept {
  using K = SegmentKind;
  if (s1.kind == K::multi && s2.kind == K::multi) return Relationship::equivalent;
  if (s1.kind == K::multi) return Relationship::more_general;
  if (s2.kind == K::multi) return Relationship::more_specific;
  if (s1.kind == K::wildcard && s2.kind == K::wildcard) return Relationship::equivalent;
  // A single wildcard never matches the trailing slash that {$} stands for.
  if (s1.kind == K::wildcard) return s2.kind == K::end_slash ? Relationship::disjoint : Relationship::more_general;
  if (s2.kind == K::wildcard) return s1.kind == K::end_slash ? Relationship::disjoint : Relationship::more_specific;
  if (s1.kind != s2.kind) return Relationship::disjoint;  // a literal is never the trailing slash
  return s1.text == s2.text ? Relationship::equivalent : Relationship::disjoint;
}

// combine merges the relationships of two independent parts (method and path, or two
// segments): agreeing or neutral parts keep the relationship, opposite directions overlap,
// and disjoint anywhere is disjoint everywhere.
Relationship combine(Relationship r1, Relationship r2) noexcept {
  switch (r1) {
    case Relationship::equivalent: return r2;
    case Relationship::disjoint: return Relationship::disjoint;
    case Relationship::overlaps: return r2 == Relationship::disjoint ? Relationship::disjoint : Relationship::overlaps;
    case Relationship::more_general:
    case Relationship::more_specific:
      if (r2 == Relationship::equivalent) return r1;
      if (r2 == inverse(r1)) return Relationship::overlaps;
      return r2;
  }
  return Relationship::disjoint;
}

// write_example appends a path piece that segment s matches.
void write_example(std::string& out, const Segment& s) {
  out.push_back('/');
  switch (s.kind) {
    case SegmentKind::literal: out += escape_segment(s.text); break;
    case SegmentKind::wildcard:
      out += s.text;  // an identifier never needs escaping
      break;
    case SegmentKind::multi:
    case SegmentKind::end_slash: break;  // "/" alone: the multi matches it empty, {$} is exactly it
  }
}

void write_examples(std::string& out, const std::vector<Segment>& segs, std::size_t from) {
  for (std::size_t i = from; i < segs.size(); ++i) write_example(out, segs[i]);
}

}  // namespace

Pattern parse_pattern(std::string_view s) {
  if (s.empty()) throw std::invalid_argument("empty pattern");
  Pattern p;
  p.str.assign(s);

  // "[METHOD ][HOST]/[PATH]": the method ends at the first space or tab.
  std::string_view rest = s;
  std::size_t sep = s.find_first_of(" \t");
  if (sep != std::string_view::npos) {
    std::string_view method = s.substr(0, sep);
    if (!method.empty() && !is_token(method)) fail(0, fmt::format("invalid method {}", quote(method)));
    p.method.assign(method);
    rest = s.substr(sep + 1);
    constexpr std::string_view kSpace = " \t\r\n\f\v";
    std::size_t first = rest.find_first_not_of(kSpace);
    // An all-blank rest stays a view into s (an empty one right after the separator), so
    // error offsets are computed from it like from any other part.
    rest = first == std::string_view::npos ? s.substr(sep + 1, 0) : rest.substr(first);
    std::size_t last = rest.find_last_not_of(kSpace);
    rest = rest.substr(0, last == std::string_view::npos ? 0 : last + 1);
  }
  auto offset_of = [&](std::string_view part) { return static_cast<std::size_t>(part.data() - s.data()); };

  std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) fail(offset_of(rest), "host/path missing /");
  std::string_view host = rest.substr(0, slash);
  if (std::size_t brace = host.find('{'); brace != std::string_view::npos) {
    fail(offset_of(host) + brace, "host contains '{' (missing initial '/'?)");
  }
  // Host names are case-insensitive (RFC 3986, Section 3.2.2); keep one spelling.
  p.host.reserve(host.size());
  for (char c : host) p.host.push_back(ascii_lower(c));

  std::string_view path = rest.substr(slash);
  if (!p.method.empty() && p.method != "CONNECT" && !is_canonical_path(path)) {
    fail(offset_of(path), "non-CONNECT pattern with unclean path can never match");
  }

  std::vector<std::string_view> names;  // to catch duplicates
  while (!path.empty()) {
    path.remove_prefix(1);  // invariant: path starts with '/'
    if (path.empty()) {
      p.segments.push_back({SegmentKind::multi, {}});  // trailing slash: the whole subtree
      break;
    }
    std::size_t end = path.find('/');
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(0, end);
    std::size_t at = offset_of(seg);
    path.remove_prefix(end);

    std::size_t brace = seg.find('{');
    if (brace == std::string_view::npos) {
      p.segments.push_back({SegmentKind::literal, unescape_segment(seg)});
      continue;
    }
    if (brace != 0) fail(at, "bad wildcard segment (must start with '{')");
    if (seg.back() != '}') fail(at, "bad wildcard segment (must end with '}')");
    std::string_view name = seg.substr(1, seg.size() - 2);
    if (name == "$") {
      if (!path.empty()) fail(at, "{$} not at end");
      p.segments.push_back({SegmentKind::end_slash, {}});
      break;
    }
    bool multi = name.ends_with("...");
    if (multi) {
      name.remove_suffix(3);
      if (!path.empty()) fail(at, "{...} wildcard not at end");
    }
    if (name.empty()) fail(at, "empty wildcard");
    if (!valid_wildcard_name(name)) fail(at, fmt::format("bad wildcard name {}", quote(name)));
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      fail(at, fmt::format("duplicate wildcard name {}", quote(name)));
    }
    names.push_back(name);
    p.segments.push_back({multi ? SegmentKind::multi : SegmentKind::wildcard, std::string(name)});
  }
  return p;
}

std::string_view to_string(Relationship r) noexcept {
  switch (r) {
    case Relationship::equivalent: return "equivalent";
    case Relationship::more_general: return "more_general";
    case Relationship::more_specific: return "more_specific";
    case Relationship::disjoint: return "disjoint";
    case Relationship::overlaps: return "overlaps";
  }
  return "?";
}

Relationship inverse(Relationship r) noexcept {
  if (r == Relationship::more_general) return Relationship::more_specific;
  if (r == Relationship::more_specific) return Relationship::more_general;
  return r;
}

Relationship compare_methods(const Pattern& p1, const Pattern& p2) noexcept {
  if (p1.method == p2.method) return Relationship::equivalent;
  if (p1.method.empty()) return Relationship::more_general;
  if (p2.method.empty()) return Relationship::more_specific;
  // GET also serves HEAD, so it matches a strict superset of HEAD's requests.
  if (p1.method == "GET" && p2.method == "HEAD") return Relationship::more_general;
  if (p1.method == "HEAD" && p2.method == "GET") return Relationship::more_specific;
  return Relationship::disjoint;
}

Relationship compare_paths(const Pattern& p1, const Pattern& p2) noexcept {
  const auto& s1 = p1.segments;
  const auto& s2 = p2.segments;
  // Without a multi at the end, a pattern matches only paths with its number of segments.
  if (s1.size() != s2.size() && !p1.ends_in_multi() && !p2.ends_in_multi()) return Relationship::disjoint;
  Relationship rel = Relationship::equivalent;
  std::size_t n = std::min(s1.size(), s2.size());
  for (std::size_t i = 0; i < n; ++i) {
    rel = combine(rel, compare_segments(s1[i], s2[i]));
    if (rel == Relationship::disjoint) return rel;
  }
  if (s1.size() == s2.size()) return rel;
  // The shorter pattern can only still match if it ends in a multi, which then covers
  // whatever the longer one has left.
  if (s1.size() < s2.size() && p1.ends_in_multi()) return combine(rel, Relationship::more_general);
  if (s2.size() < s1.size() && p2.ends_in_multi()) return combine(rel, Relationship::more_specific);
  return Relationship::disjoint;
}

Relationship compare(const Pattern& p1, const Pattern& p2) noexcept {
  Relationship m = compare_methods(p1, p2);
  if (m == Relationship::disjoint) return m;
  return combine(m, compare_paths(p1, p2));
}

bool conflicts(const Pattern& p1, const Pattern& p2) noexcept {
  // Different hosts: either one has none and the other's host wins, or both name hosts and
  // no request has two hosts.
  if (p1.host != p2.host) return false;
  Relationship r = compare(p1, p2);
  return r == Relationship::equivalent || r == Relationship::overlaps;
}

bool takes_precedence(const Pattern& p1, const Pattern& p2) noexcept {
  if (p1.host != p2.host) return !p1.host.empty() && p2.host.empty();
  return compare(p1, p2) == Relationship::more_specific;
}

bool path_matches(const Pattern& p, std::string_view path) {
  SegmentUnescaper unescaper;
  for (const Segment& seg : p.segments) {
    if (seg.kind == SegmentKind::multi) return !path.empty();  // "/" and anything after it
    PathStep step = next_step(path, false);
    switch (seg.kind) {
      case SegmentKind::literal:
        if (step.kind != PathStep::Kind::segment || unescaper.decode(step.segment) != seg.text) return false;
        break;
      case SegmentKind::wildcard:
        if (step.kind != PathStep::Kind::segment) return false;
        break;
      case SegmentKind::end_slash:
        if (step.kind != PathStep::Kind::trailing_slash) return false;
        break;
      case SegmentKind::multi: break;
    }
    path = step.rest;
  }
  return path.empty();
}

std::string common_path(const Pattern& p1, const Pattern& p2) {
  const auto& s1 = p1.segments;
  const auto& s2 = p2.segments;
  std::string out;
  std::size_t i = 0;
  for (; i < s1.size() && i < s2.size(); ++i) {
    // A multi matches anything, so the other pattern decides the rest of the path.
    if (s1[i].kind == SegmentKind::multi) {
      write_examples(out, s2, i);
      break;
    }
    if (s2[i].kind == SegmentKind::multi) {
      write_examples(out, s1, i);
      break;
    }
    write_example(out, s1[i].kind == SegmentKind::wildcard ? s2[i] : s1[i]);
  }
  if (path_matches(p1, out) && path_matches(p2, out)) return out;
  return {};
}

std::string difference_path(const Pattern& p1, const Pattern& p2) {
  const auto& s1 = p1.segments;
  const auto& s2 = p2.segments;
  std::string out;
  std::size_t i = 0;
  bool done = false;
  for (; i < s1.size() && i < s2.size() && !done; ++i) {
    const Segment& a = s1[i];
    const Segment& b = s2[i];
    if (a.kind == SegmentKind::multi) {
      // An empty rest (a trailing slash) is something no literal or single wildcard
      // matches; against {$}, which wants exactly that, use a non-empty rest instead.
      out.push_back('/');
      if (b.kind == SegmentKind::end_slash) out += a.text.empty() ? "x" : a.text;
      done = true;
    } else if (a.kind == SegmentKind::wildcard && b.kind == SegmentKind::literal) {
      // Anything but b's literal: prefer the wildcard's own name.
      out.push_back('/');
      out += a.text != b.text ? a.text : escape_segment(b.text) + "x";
    } else {
      write_example(out, a);
    }
  }
  if (!done) write_examples(out, s1, i);
  if (path_matches(p1, out) && !path_matches(p2, out)) return out;
  return {};
}

std::string describe_conflict(const Pattern& p1, const Pattern& p2) {
  Relationship m = compare_methods(p1, p2);
  Relationship pr = compare_paths(p1, p2);
  Relationship r = combine(m, pr);
  const std::string& a = p1.str;
  const std::string& b = p2.str;
  if (r == Relationship::equivalent) return fmt::format("{} matches the same requests as {}", a, b);
  if (pr == Relationship::overlaps) {
    std::string msg = fmt::format("{} and {} both match some paths", a, b);
    if (std::string common = common_path(p1, p2); !common.empty()) msg += ", like " + quote(common);
    msg += ".\nBut neither is more specific than the other.";
    if (std::string d = difference_path(p1, p2); !d.empty()) {
      msg += fmt::format("\n{} matches {}, but {} doesn't.", a, quote(d), b);
    }
    if (std::string d = difference_path(p2, p1); !d.empty()) {
      msg += fmt::format("\n{} matches {}, but {} doesn't.", b, quote(d), a);
    }
    return msg;
  }
  if (m == Relationship::more_general && pr == Relationship::more_specific) {
    return fmt::format("{} matches more methods than {}, but has a more specific path pattern", a, b);
  }
  if (m == Relationship::more_specific && pr == Relationship::more_general) {
    return fmt::format("{} matches fewer methods than {}, but has a more general path pattern", a, b);
  }
  return fmt::format("{} and {} do not conflict (methods {}, paths {})", a, b, to_string(m), to_string(pr));
}

}  // namespace nethttp::detail
