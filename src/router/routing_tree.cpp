#include "router/routing_tree.hpp"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>

#include "router/path_clean.hpp"

namespace nethttp::detail {

namespace {

char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// compare_host orders a request host (any case) against a stored, lower-case host.
int compare_host(std::string_view request_host, std::string_view stored) noexcept {
  std::size_t n = std::min(request_host.size(), stored.size());
  for (std::size_t i = 0; i < n; ++i) {
    // Unsigned, as std::string orders the stored hosts: a signed char would put a non-ASCII
    // host before "h.com" here and after it in hosts_, and the binary search would miss.
    const auto a = static_cast<unsigned char>(ascii_lower(request_host[i]));
    const auto b = static_cast<unsigned char>(stored[i]);
    if (a != b) return a < b ? -1 : 1;
  }
  if (request_host.size() == stored.size()) return 0;
  return request_host.size() < stored.size() ? -1 : 1;
}

// segment_hash mixes the segment eight bytes at a time (every byte counts). Literal children
// of a busy node (say, one per API resource) are found by hash first: one short pass over
// the segment and integer comparisons, then a single string comparison to confirm.
std::uint64_t segment_hash(std::string_view s) noexcept {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    h = (h ^ word) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  std::uint64_t tail = 0;
  for (; i < s.size(); ++i) tail = (tail << 8) | static_cast<unsigned char>(s[i]);
  h = (h ^ tail) * 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 29);
}

// kLinearChildren: up to this many literal children, comparing the strings directly beats
// hashing the segment first.
constexpr std::size_t kLinearChildren = 4;

}  // namespace

struct RoutingTree::Node {
  struct Child {
    std::uint64_t hash;  // segment_hash(key)
    std::string key;     // unescaped literal
    std::unique_ptr<Node> node;
  };
  static bool before(const Child& c, std::uint64_t h) noexcept { return c.hash < h; }

  const Route* route = nullptr;     // set when a pattern ends here
  std::vector<Child> literals;      // sorted by hash
  std::unique_ptr<Node> wildcard;   // {name}
  std::unique_ptr<Node> multi;      // {name...} or trailing '/'; always a leaf
  std::unique_ptr<Node> end_slash;  // {$}; always a leaf

  [[nodiscard]] const Node* literal(std::string_view key) const noexcept {
    if (literals.size() <= kLinearChildren) {
      for (const Child& c : literals) {
        if (c.key == key) return c.node.get();
      }
      return nullptr;
    }
    std::uint64_t h = segment_hash(key);
    auto it = std::lower_bound(literals.begin(), literals.end(), h, before);
    for (; it != literals.end() && it->hash == h; ++it) {
      if (it->key == key) return it->node.get();
    }
    return nullptr;
  }

  Node& add_literal(const std::string& key) {
    std::uint64_t h = segment_hash(key);
    auto it = std::lower_bound(literals.begin(), literals.end(), h, before);
    for (auto same = it; same != literals.end() && same->hash == h; ++same) {
      if (same->key == key) return *same->node;
    }
    it = literals.insert(it, Child{h, key, std::make_unique<Node>()});
    return *it->node;
  }
};

struct RoutingTree::MethodLevel {
  struct Entry {
    std::string method;
    std::unique_ptr<Node> node;
  };
  std::vector<Entry> methods;  // a handful at most, so a linear scan is fastest
  std::unique_ptr<Node> any_method;

  [[nodiscard]] const Node* find(std::string_view method) const noexcept {
    for (const Entry& e : methods) {
      if (e.method == method) return e.node.get();
    }
    return nullptr;
  }

  Node& add(const std::string& method) {
    if (method.empty()) {
      if (!any_method) any_method = std::make_unique<Node>();
      return *any_method;
    }
    for (Entry& e : methods) {
      if (e.method == method) return *e.node;
    }
    methods.push_back(Entry{method, std::make_unique<Node>()});
    return *methods.back().node;
  }
};

struct RoutingTree::HostEntry {
  std::string host;  // lower case
  std::unique_ptr<MethodLevel> level;
};

RoutingTree::RoutingTree() : any_host_(std::make_unique<MethodLevel>()) {}
RoutingTree::~RoutingTree() = default;
RoutingTree::RoutingTree(RoutingTree&&) noexcept = default;
RoutingTree& RoutingTree::operator=(RoutingTree&&) noexcept = default;

void RoutingTree::add(const Route& route) {
  const Pattern& p = route.pattern;
  MethodLevel* level = any_host_.get();
  if (!p.host.empty()) {
    auto it = std::lower_bound(hosts_.begin(), hosts_.end(), p.host,
                               [](const HostEntry& e, const std::string& h) { return e.host < h; });
    if (it == hosts_.end() || it->host != p.host) {
      it = hosts_.insert(it, HostEntry{p.host, std::make_unique<MethodLevel>()});
    }
    level = it->level.get();
  }
  Node* n = &level->add(p.method);
  for (const Segment& seg : p.segments) {
    std::unique_ptr<Node>* slot = nullptr;
    switch (seg.kind) {
      case SegmentKind::literal: n = &n->add_literal(seg.text); continue;
      case SegmentKind::wildcard: slot = &n->wildcard; break;
      case SegmentKind::multi: slot = &n->multi; break;
      case SegmentKind::end_slash: slot = &n->end_slash; break;
    }
    if (!*slot) *slot = std::make_unique<Node>();
    n = slot->get();
  }
  SegmentKind last = p.last().kind;
  if (last == SegmentKind::multi || last == SegmentKind::end_slash) {
    if (slash_patterns_.size() <= p.segments.size()) slash_patterns_.resize(p.segments.size() + 1);
    slash_patterns_[p.segments.size()] = true;
  }
  // Two patterns ending at the same node would be equivalent, which registration rejects.
  assert(n->route == nullptr);
  n->route = &route;
}

const RoutingTree::MethodLevel* RoutingTree::find_host(std::string_view host) const noexcept {
  if (hosts_.empty()) return nullptr;
  auto it = std::lower_bound(hosts_.begin(), hosts_.end(), host,
                             [](const HostEntry& e, std::string_view h) { return compare_host(h, e.host) > 0; });
  return it != hosts_.end() && compare_host(host, it->host) == 0 ? it->level.get() : nullptr;
}

const Route* RoutingTree::match(std::string_view host, std::string_view method, std::string_view path,
                                bool extra_slash) const {
  SegmentUnescaper unescaper;
  if (!host.empty()) {
    // A pattern naming the host wins over every host-less pattern; if none of them
    // matches, the host-less ones get their turn.
    if (const MethodLevel* level = find_host(host)) {
      if (const Route* r = match_method_and_path(*level, method, path, extra_slash, unescaper)) return r;
    }
  }
  return match_method_and_path(*any_host_, method, path, extra_slash, unescaper);
}

const Route* RoutingTree::match_method_and_path(const MethodLevel& level, std::string_view method,
                                                std::string_view path, bool extra_slash, SegmentUnescaper& unescaper) {
  if (const Node* n = level.find(method)) {
    if (const Route* r = match_path(*n, path, extra_slash, unescaper)) return r;
  }
  if (method == "HEAD") {
    // GET patterns serve HEAD too, but an explicit HEAD pattern (tried above) is more specific.
    if (const Node* n = level.find("GET")) {
      if (const Route* r = match_path(*n, path, extra_slash, unescaper)) return r;
    }
  }
  if (level.any_method) return match_path(*level.any_method, path, extra_slash, unescaper);
  return nullptr;
}

const Route* RoutingTree::match_path(const Node& n, std::string_view path, bool extra_slash,
                                     SegmentUnescaper& unescaper) {
  PathStep step = next_step(path, extra_slash);
  switch (step.kind) {
    case PathStep::Kind::end: return n.route;
    case PathStep::Kind::trailing_slash:
      // {$} is exactly this; a multi matches it as an empty rest; a single wildcard never
      // matches a trailing slash.
      if (n.end_slash) return n.end_slash->route;
      return n.multi ? n.multi->route : nullptr;
    case PathStep::Kind::segment: break;
  }
  // The unescaped key lives in the unescaper only until the next decode, which is fine:
  // it is needed for this lookup alone.
  if (const Node* c = n.literal(step.escaped ? unescaper.decode(step.segment) : step.segment)) {
    if (const Route* r = match_path(*c, step.rest, step.rest_extra_slash, unescaper)) return r;
  }
  if (n.wildcard) {
    if (const Route* r = match_path(*n.wildcard, step.rest, step.rest_extra_slash, unescaper)) return r;
  }
  return n.multi ? n.multi->route : nullptr;
}

void RoutingTree::matching_methods(std::string_view host, std::string_view path, bool extra_slash,
                                   std::vector<std::string>& out) const {
  SegmentUnescaper unescaper;
  bool get = false;
  auto collect = [&](const MethodLevel& level) {
    for (const MethodLevel::Entry& e : level.methods) {
      if (match_path(*e.node, path, extra_slash, unescaper)) {
        out.push_back(e.method);
        get = get || e.method == "GET";
      }
    }
  };
  if (!host.empty()) {
    if (const MethodLevel* level = find_host(host)) collect(*level);
  }
  collect(*any_host_);
  if (get) out.emplace_back("HEAD");
}

}  // namespace nethttp::detail
