#pragma once
// Patterns for ServeMux routing: parsing "[METHOD ][HOST]/[PATH]" and comparing two patterns.
//
// A pattern's path is kept as a list of segments whose shape simplifies every algorithm
// below (the same representation Go's pattern.go uses):
//   "/a/b"           literal "a", literal "b"
//   "/a/{id}"        literal "a", wildcard "id"
//   "/a/"            literal "a", anonymous multi         (a trailing slash matches a subtree)
//   "/a/{rest...}"   literal "a", multi "rest"
//   "/a/{$}"         literal "a", end_slash               (only "/a/" itself)
//
// Two patterns are compared segment by segment. Each pair of segments is equivalent,
// more general, more specific or disjoint, and the pairs combine: more general in one place
// and more specific in another means the patterns overlap, so neither wins and the second
// one registered is rejected (a conflict). Methods combine the same way: no method is more
// general than any method, and GET is more general than HEAD because it also serves HEAD.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nethttp::detail {

/// SegmentKind is what one pattern segment matches.
enum class SegmentKind : std::uint8_t {
  literal,    ///< one path segment equal to text (both unescaped)
  wildcard,   ///< {name}: any one segment, but never the trailing slash
  multi,      ///< {name...} or a trailing '/': the rest of the path, possibly empty
  end_slash,  ///< {$}: the trailing slash and nothing after it
};

/// Segment is one piece of a pattern's path.
struct Segment {
  SegmentKind kind = SegmentKind::literal;
  /// text is the unescaped literal or the wildcard name; "" for end_slash and for the
  /// anonymous multi of a trailing slash.
  std::string text;
  friend bool operator==(const Segment&, const Segment&) = default;
};

/// Pattern is a parsed ServeMux pattern. Immutable once parsed.
struct Pattern {
  std::string str;                ///< as registered, for messages and Request::pattern()
  std::string method;             ///< "" matches every method
  std::string host;               ///< "" matches every host; stored in lower case
  std::vector<Segment> segments;  ///< never empty

  [[nodiscard]] const Segment& last() const noexcept { return segments.back(); }
  [[nodiscard]] bool ends_in_multi() const noexcept { return last().kind == SegmentKind::multi; }
};

/// parse_pattern parses "[METHOD ][HOST]/[PATH]". The method is separated from the rest by
/// spaces or tabs and must be an HTTP token; the host is everything before the first '/';
/// each path segment is a literal (unescaped, so "%61" is "a") or exactly one of {name},
/// {name...} (last segment only) and {$} (last only). Names are identifiers (ASCII letters,
/// digits, '_', not starting with a digit) and distinct. A pattern with a method other than
/// CONNECT must have a clean path, since request paths are cleaned before matching.
/// Throws std::invalid_argument with a message like `at offset 4: bad wildcard name "1x"`.
Pattern parse_pattern(std::string_view s);

/// Relationship is how the requests matched by p1 relate to those matched by p2.
enum class Relationship {
  equivalent,     ///< exactly the same requests
  more_general,   ///< p1 matches everything p2 does, and more
  more_specific,  ///< p2 matches everything p1 does, and more
  disjoint,       ///< no request matches both
  overlaps,       ///< some requests match both, but neither contains the other
};

/// to_string names r ("more_specific").
std::string_view to_string(Relationship r) noexcept;
/// inverse is the relationship of p2 to p1 when p1 has r to p2.
Relationship inverse(Relationship r) noexcept;
/// compare_methods relates the method parts alone.
Relationship compare_methods(const Pattern& p1, const Pattern& p2) noexcept;
/// compare_paths relates the path parts alone.
Relationship compare_paths(const Pattern& p1, const Pattern& p2) noexcept;
/// compare relates method and path together (hosts are not considered).
Relationship compare(const Pattern& p1, const Pattern& p2) noexcept;

/// conflicts reports whether some request matches both patterns while neither takes
/// precedence: same host, and equivalent or overlapping. A pattern with a host never
/// conflicts with one without (the host wins), nor with one for another host.
bool conflicts(const Pattern& p1, const Pattern& p2) noexcept;

/// takes_precedence reports whether p1 wins over p2 for the requests both match: p1 has a
/// host and p2 has none, or they have the same host and p1 is more specific.
bool takes_precedence(const Pattern& p1, const Pattern& p2) noexcept;

/// describe_conflict explains why two conflicting patterns conflict, with example paths
/// when their paths overlap (Go's describeConflict).
std::string describe_conflict(const Pattern& p1, const Pattern& p2);

/// path_matches reports whether the path part of p matches the escaped request path
/// (method and host are ignored). The reference semantics the routing tree must agree with.
bool path_matches(const Pattern& p, std::string_view path);

/// quote_pattern renders s in double quotes with quotes, backslashes and control bytes
/// escaped, so messages show exactly which bytes were given (Go's %q).
std::string quote_pattern(std::string_view s);

/// common_path returns a path both patterns match, or "" if it finds none.
std::string common_path(const Pattern& p1, const Pattern& p2);
/// difference_path returns a path p1 matches and p2 does not, or "" if it finds none.
std::string difference_path(const Pattern& p1, const Pattern& p2);

}  // namespace nethttp::detail
