#pragma once
// Conditional requests (RFC 9110 section 13): entity-tag comparison and the precondition
// evaluation order of section 13.2.2.

#include <ctime>
#include <optional>
#include <string_view>

#include "nethttp/request.hpp"

namespace nethttp::detail {

/// Validators describe the selected representation: its entity-tag exactly as sent in
/// ETag (quotes and any "W/" included; empty when there is none) and its modification
/// time in whole seconds (nullopt when unknown).
struct Validators {
  std::string_view etag;
  std::optional<std::time_t> last_modified;
};

/// Precondition is the result of evaluating a request's preconditions.
enum class Precondition {
  proceed,       ///< serve normally (Range and If-Range still to be looked at)
  not_modified,  ///< 304
  failed,        ///< 412
};

/// etag_matches_list reports whether the list (an If-Match or If-None-Match value: "*" or
/// comma-separated entity-tags) matches etag. Strong comparison requires both tags to be
/// strong; weak comparison ignores "W/". "*" matches any existing representation, which
/// the one being served always is; without a valid etag, only "*" matches.
/// A malformed member ends the scan (the members before it count).
bool etag_matches_list(std::string_view list, std::string_view etag, bool strong) noexcept;

/// evaluate_preconditions applies If-Match, If-Unmodified-Since, If-None-Match and
/// If-Modified-Since in RFC 9110 section 13.2.2's order. Several header lines of a list
/// field are combined; a date field with more than one line, an invalid date, or a date
/// condition on a representation without a modification time is ignored.
/// If-Modified-Since only applies to GET and HEAD, and is ignored when If-None-Match is present.
Precondition evaluate_preconditions(const Request& r, const Validators& v);

/// if_range_allows reports whether a Range header may be honoured: true when there is no
/// If-Range, or when its entity-tag matches etag by strong comparison, or its date equals
/// last_modified exactly (section 13.1.5). A weak tag or an unparseable value never matches.
bool if_range_allows(const Request& r, const Validators& v);

}  // namespace nethttp::detail
