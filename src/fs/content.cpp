// Serving one representation. The steps follow RFC 9110: preconditions in section 13.2.2's
// order, then If-Range and Range (section 14), so a stale If-Range turns a range request
// into a full 200 and a failed precondition wins over any range. Content-Length is always
// set before the status line, including for the multipart body, whose parts are laid out
// in advance; the part headers go out with write() and the part bytes with send_file(), so
// file content never passes through user space.

#include "fs/content.hpp"

#include <array>

#include "core/random_hex.hpp"
#include "fs/conditional.hpp"
#include "nethttp/handler.hpp"

namespace nethttp::detail {

namespace {

bool is_head(const Request& r) noexcept { return r.method() == "HEAD"; }
bool is_get_or_head(const Request& r) noexcept { return r.method() == "GET" || is_head(r); }

// send_range queues [start, start+length) of body; false once the client is gone.
bool send_range(ResponseWriter& w, const Body& body, std::uint64_t start, std::uint64_t length) {
  if (length == 0) return true;
  if (body.file.file) return w.send_file(FileSlice{body.file.file, body.file.offset + start, length});
  return w.write(body.memory.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(length)));
}

void not_modified(ResponseWriter& w) {
  // RFC 9110 section 15.4.5: a 304 carries the validators and caching fields a 200 would
  // (ETag, Last-Modified, Cache-Control, Vary, ...) but no representation metadata.
  Headers& h = w.headers();
  h.remove("Content-Type");
  h.remove("Content-Length");
  h.remove("Content-Encoding");
  h.remove("Content-Range");
  h.remove("Accept-Ranges");
  w.write_header(Status::NotModified);
}

}  // namespace

std::string random_boundary() {
  // Not a secret, but unpredictable so content cannot be crafted to contain it.
  return random_hex(32);
}

MultipartPlan plan_multipart(const std::vector<ByteRange>& ranges, std::uint64_t size, std::string_view content_type,
                             std::string_view boundary) {
  MultipartPlan plan;
  plan.part_headers.reserve(ranges.size());
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    std::string h;
    if (i > 0) h += "\r\n";
    h += "--";
    h += boundary;
    h += "\r\n";
    if (!content_type.empty()) {
      h += "Content-Type: ";
      h += content_type;
      h += "\r\n";
    }
    h += "Content-Range: ";
    h += content_range(ranges[i], size);
    h += "\r\n\r\n";
    plan.content_length += h.size() + ranges[i].length;
    plan.part_headers.push_back(std::move(h));
  }
  plan.trailer = "\r\n--";
  plan.trailer += boundary;
  plan.trailer += "--\r\n";
  plan.content_length += plan.trailer.size();
  return plan;
}

void serve_representation(ResponseWriter& w, const Request& r, const Body& body, const std::string& etag,
                          std::optional<std::time_t> last_modified) {
  Validators v{etag, last_modified};
  switch (evaluate_preconditions(r, v)) {
    case Precondition::not_modified: not_modified(w); return;
    case Precondition::failed:
      w.headers().remove("Accept-Ranges");
      error(w, "412 precondition failed", Status::PreconditionFailed);
      return;
    case Precondition::proceed: break;
  }

  const std::uint64_t size = body.size();
  Headers& h = w.headers();
  h.set("Accept-Ranges", "bytes");
  RangeRequest range;
  std::string_view range_header = r.header("Range");
  // Range is defined for GET (RFC 9110 section 14.2); HEAD mirrors GET's headers.
  if (!range_header.empty() && is_get_or_head(r) && if_range_allows(r, v)) {
    range = parse_range(range_header, size);
  }

  if (range.outcome == RangeOutcome::unsatisfiable) {
    h.set("Content-Range", "bytes */" + std::to_string(size));
    error(w, "416 range not satisfiable", Status::RangeNotSatisfiable);
    return;
  }

  if (range.outcome == RangeOutcome::satisfiable && range.ranges.size() == 1) {
    const ByteRange& br = range.ranges.front();
    h.set("Content-Range", content_range(br, size));
    h.set("Content-Length", std::to_string(br.length));
    w.write_header(Status::PartialContent);
    if (!is_head(r)) send_range(w, body, br.start, br.length);
    return;
  }

  if (range.outcome == RangeOutcome::satisfiable) {
    std::string boundary = random_boundary();
    std::string part_type(h.get("Content-Type"));
    MultipartPlan plan = plan_multipart(range.ranges, size, part_type, boundary);
    h.set("Content-Type", "multipart/byteranges; boundary=" + boundary);
    h.set("Content-Length", std::to_string(plan.content_length));
    h.remove("Content-Range");
    w.write_header(Status::PartialContent);
    if (is_head(r)) return;
    for (std::size_t i = 0; i < range.ranges.size(); ++i) {
      if (!w.write(plan.part_headers[i])) return;
      if (!send_range(w, body, range.ranges[i].start, range.ranges[i].length)) return;
    }
    w.write(plan.trailer);
    return;
  }

  h.set("Content-Length", std::to_string(size));
  w.write_header(Status::OK);
  if (!is_head(r)) send_range(w, body, 0, size);
}

}  // namespace nethttp::detail
