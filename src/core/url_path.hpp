#pragma once
// Lexical URL-path cleaning: one set of rules for ServeMux (match and redirect) and
// redirect(). clean_path is Go's path.Clean; canonical_path is Go's cleanPath (server.go),
// which is path.Clean for a request path; has_scheme_or_host tells redirect() which URLs
// are not paths at all.

#include <string>
#include <string_view>

namespace nethttp::detail {

/// clean_path returns the shortest path equivalent to p by purely lexical processing (Go's
/// path.Clean). It applies these rules until none applies:
///   1. repeated slashes collapse into one ("/a//b" is "/a/b");
///   2. each "." element goes ("/a/./b" is "/a/b");
///   3. each ".." element removes the non-".." element before it ("/a/b/.." is "/a");
///   4. ".." cannot climb above the root of a rooted path ("/../a" is "/a"), while a
///      relative path keeps its leading ".." ("a/../.." is "..").
/// The result has no trailing slash unless it is "/", and an empty result is ".", so ""
/// is "." and "a/.." is ".". Escapes are not decoded: "%2e%2e" and "%2F" are ordinary bytes
/// of an element, as in Go, which cleans the escaped path.
std::string clean_path(std::string_view p);

/// canonical_path is clean_path for a request path, as ServeMux matches and redirects it
/// (Go's cleanPath). Two edges differ, because a request path is always absolute and its
/// trailing slash is meaningful:
///   - p is rooted first: "" is "/" (not "."), "a/b" is "/a/b";
///   - a trailing slash survives when the result is not "/": "/a/b/" stays, "/a/./" is "/a/",
///     since patterns tell the subtree "/a/" from the leaf "/a" ("/a/." is still "/a").
std::string canonical_path(std::string_view p);

/// is_canonical_path reports whether canonical_path(p) == p, without allocating: p starts
/// with '/' and has no empty (but a last), "." or ".." element. It is ServeMux's per-request
/// check; canonical_path runs only for the rare request that needs a redirect.
bool is_canonical_path(std::string_view p) noexcept;

/// has_scheme_or_host reports whether url is absolute ("https://x/", "mailto:a") or
/// network-path relative ("//host/p"), i.e. must not be resolved against the request path.
bool has_scheme_or_host(std::string_view url) noexcept;

}  // namespace nethttp::detail
