#pragma once
// The representation-serving core shared by serve_content(), serve_file() and
// file_server(): preconditions, ranges, multipart/byteranges and the body.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fs/range.hpp"
#include "nethttp/request.hpp"
#include "nethttp/response_writer.hpp"

namespace nethttp::detail {

/// Body is where a representation's bytes come from: a slice of an open file (sent with
/// send_file) when file.file is set, else memory (sent with write).
struct Body {
  FileSlice file;
  std::string_view memory;
  [[nodiscard]] std::uint64_t size() const noexcept { return file.file ? file.length : memory.size(); }
};

/// serve_representation answers r with body. The caller has already put the
/// representation's headers in w.headers() (Content-Type, ETag, Last-Modified, ...);
/// etag and last_modified (seconds) are the validators, as sent. Evaluates preconditions
/// (304 keeps ETag, Last-Modified, Cache-Control and Vary; 412), then Range for GET and
/// HEAD (206, multipart 206, 416; see parse_range), then sends 200 with the whole body.
/// Sets Content-Length and Accept-Ranges; HEAD gets headers only.
void serve_representation(ResponseWriter& w, const Request& r, const Body& body, const std::string& etag,
                          std::optional<std::time_t> last_modified);

/// random_boundary returns 32 random hex digits for a multipart boundary.
std::string random_boundary();

/// MultipartPlan is the exact layout of a multipart/byteranges body: the text before each
/// part's bytes and the closing delimiter, and the total length they add up to.
struct MultipartPlan {
  std::vector<std::string> part_headers;
  std::string trailer;
  std::uint64_t content_length = 0;
};

/// plan_multipart lays out ranges of content of size bytes as multipart/byteranges
/// (RFC 9110 section 14.6) with boundary; each part carries content_type (if not empty)
/// and its Content-Range.
MultipartPlan plan_multipart(const std::vector<ByteRange>& ranges, std::uint64_t size, std::string_view content_type,
                             std::string_view boundary);

}  // namespace nethttp::detail
