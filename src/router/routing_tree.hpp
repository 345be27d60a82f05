#pragma once
// RoutingTree: the index ServeMux matches requests with, so a lookup never scans the routes.
//
// The first level branches on the host, the second on the method, and the levels below on
// successive path segments (the shape of Go's routing_tree.go). A path node has literal
// children (compared directly when few, else found by hash), at most one single-wildcard
// child, at most one multi-wildcard leaf and at most one {$} leaf.
//
// The "most specific wins" rule becomes an order of trial with backtracking: at each node a
// literal child is tried first, then the single wildcard, then the multi. Registration has
// already rejected every pair of patterns that overlap without one being more specific, so
// the first pattern found this way is the most specific one that matches. For example, with
//     /a/b/z
//     /a/{x}/c
// the path "/a/b/c" first follows literal "b", fails to find "c" there, backs up and
// matches /a/{x}/c. The same goes for the upper levels: a pattern naming the request's host
// is tried before host-less ones, and the request's own method before GET (for HEAD) before
// method-less patterns.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/handler.hpp"
#include "router/pattern.hpp"

namespace nethttp::detail {

class SegmentUnescaper;

/// Route is one registered pattern with its handler and where it was registered. Owned by
/// the ServeMux state; the tree only points at routes, which must outlive it.
struct Route {
  Pattern pattern;
  Handler handler;
  std::string location;  ///< "file:line" of the handle() call, for conflict messages
};

/// RoutingTree maps (host, method, path) to the most specific Route. Building it is not
/// thread-safe; once built, any number of threads may match concurrently (matching only
/// reads).
class RoutingTree {
 public:
  RoutingTree();
  ~RoutingTree();
  RoutingTree(RoutingTree&&) noexcept;
  RoutingTree& operator=(RoutingTree&&) noexcept;

  /// add indexes route. The caller has checked it conflicts with no route already added.
  void add(const Route& route);

  /// match returns the route for a request, or nullptr. host is the Host without its port
  /// ("" for none), compared case-insensitively; method is compared exactly; path is the
  /// escaped, clean request path. extra_slash matches path as if '/' were appended. Does
  /// not allocate for segments up to SegmentUnescaper::kInline bytes.
  [[nodiscard]] const Route* match(std::string_view host, std::string_view method, std::string_view path,
                                   bool extra_slash = false) const;

  /// has_slash_pattern reports whether some pattern ending in '/', {name...} or {$} has
  /// exactly `segments` segments. Only such a pattern can match "path/" exactly when "path"
  /// has segments - 1 slashes, so ServeMux skips its trailing-slash retry otherwise.
  [[nodiscard]] bool has_slash_pattern(std::size_t segments) const noexcept {
    return segments < slash_patterns_.size() && slash_patterns_[segments];
  }

  /// matching_methods appends to out (unsorted, possibly repeated) every method that
  /// patterns naming a method would accept for this host and path, plus HEAD when GET is
  /// among them. Method-less patterns are not consulted: ServeMux asks only after the
  /// request's own method found nothing, so none of them matches.
  void matching_methods(std::string_view host, std::string_view path, bool extra_slash,
                        std::vector<std::string>& out) const;

 private:
  struct Node;
  struct MethodLevel;
  struct HostEntry;
  [[nodiscard]] const MethodLevel* find_host(std::string_view host) const noexcept;
  static const Route* match_method_and_path(const MethodLevel& level, std::string_view method, std::string_view path,
                                            bool extra_slash, SegmentUnescaper& unescaper);
  static const Route* match_path(const Node& node, std::string_view path, bool extra_slash,
                                 SegmentUnescaper& unescaper);

  std::vector<HostEntry> hosts_;           // sorted by host (lower case)
  std::unique_ptr<MethodLevel> any_host_;  // patterns without a host; never null
  std::vector<bool> slash_patterns_;       // [n]: a pattern of n segments ends in '/' or {$}
};

}  // namespace nethttp::detail
