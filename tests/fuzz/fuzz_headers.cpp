// Fuzz target: the header-value parsers the file server trusts.
//
// The input (through FuzzedDataProvider) gives a content size, an ETag, a modification
// time and a few header values. Checked:
//   - parse_range: a satisfiable result has 1..kMaxRanges non-empty ranges inside the
//     content, adding up to at most its size; nothing is satisfiable in empty content;
//     content_range() formats what the range says;
//   - parse_qvalue, coding_weight and accepted_codings stay in range and agree with one
//     another; trim_ows trims;
//   - parse_http_date: a parsed date formats and parses back to itself;
//   - etag_matches_list: "*" matches, a strong match is also a weak one, a tag matches a
//     list holding only itself;
//   - evaluate_preconditions and if_range_allows on a Request carrying the headers: no
//     crash, and without any conditional header the answer is "proceed".

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

#include "core/header_list.hpp"
#include "fs/accept_encoding.hpp"
#include "fs/conditional.hpp"
#include "fs/http_date.hpp"
#include "fs/range.hpp"
#include "nethttp/request.hpp"

namespace {

using namespace nethttp;
using namespace nethttp::detail;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_headers invariant broken: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void check_range(std::string_view header, std::uint64_t size) {
  const RangeRequest rr = parse_range(header, size);
  if (rr.outcome != RangeOutcome::satisfiable) {
    if (!rr.ranges.empty()) fail("ranges listed for an unsatisfiable or ignored Range", header);
    if (header.empty() && rr.outcome != RangeOutcome::none && rr.outcome != RangeOutcome::ignored) {
      fail("an empty Range header is unsatisfiable", header);
    }
    return;
  }
  if (size == 0) fail("a satisfiable range in empty content", header);
  if (rr.ranges.empty() || rr.ranges.size() > kMaxRanges) fail("satisfiable with no or too many ranges", header);
  std::uint64_t total = 0;
  for (const ByteRange& r : rr.ranges) {
    if (r.length == 0 || r.start >= size || r.length > size - r.start) fail("a range outside the content", header);
    total += r.length;
    const std::string cr = content_range(r, size);
    const std::string want =
        "bytes " + std::to_string(r.start) + "-" + std::to_string(r.start + r.length - 1) + "/" + std::to_string(size);
    if (cr != want) fail("content_range is wrong", cr);
  }
  if (total > size) fail("ranges add up to more than the content", header);
}

void check_codings(std::string_view ae) {
  const int gz = coding_weight(ae, {"gzip", "x-gzip"});
  const int br = coding_weight(ae, {"br"});
  if (gz < -1 || gz > 1000 || br < -1 || br > 1000) fail("coding_weight out of range", ae);
  const CodingPreference pref = accepted_codings(ae);
  if (pref.count > 2) fail("more than two codings", ae);
  bool has_gz = false, has_br = false;
  for (std::size_t i = 0; i < pref.count; ++i) {
    const std::string_view c = pref.order[i].coding;
    if (c == "gzip") {
      if (has_gz) fail("gzip listed twice", ae);
      has_gz = true;
    } else if (c == "br") {
      if (has_br) fail("br listed twice", ae);
      has_br = true;
    } else {
      fail("an unknown coding", ae);
    }
  }
  if (has_gz != (gz > 0) || has_br != (br > 0)) fail("accepted_codings disagrees with coding_weight", ae);
  if (pref.count == 2) {
    const int first = pref.order[0].coding == "br" ? br : gz;
    const int second = pref.order[1].coding == "br" ? br : gz;
    if (first < second || (first == second && pref.order[0].coding != "br"))
      fail("codings out of preference order", ae);
  }
  const std::string_view t = trim_ows(ae);
  if (!t.empty() && (t.front() == ' ' || t.front() == '\t' || t.back() == ' ' || t.back() == '\t'))
    fail("trim_ows left whitespace", ae);
  const int q = parse_qvalue(ae);
  if (q < -1 || q > 1000) fail("parse_qvalue out of range", ae);
}

void check_date(std::string_view s) {
  const std::optional<std::time_t> t = parse_http_date(s);
  if (!t) return;
  if (*t < 0) return;  // before 1970: formatting is not promised
  const std::string back = format_http_date(*t);
  const std::optional<std::time_t> again = parse_http_date(back);
  if (!again || *again != *t) fail("a parsed date does not round-trip", std::string(s) + " -> " + back);
}

void check_etags(std::string_view list, std::string_view etag) {
  const bool strong = etag_matches_list(list, etag, true);
  const bool weak = etag_matches_list(list, etag, false);
  if (strong && !weak) fail("a strong match that is not a weak match", std::string(list) + " vs " + std::string(etag));
  if (!etag_matches_list("*", etag, true)) fail("\"*\" does not match", etag);
  // A well-formed strong tag matches a list of only itself.
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"' &&
      etag.substr(1, etag.size() - 2).find_first_of("\"\x7f") == std::string_view::npos) {
    bool plain = true;
    for (char c : etag.substr(1, etag.size() - 2)) plain = plain && static_cast<unsigned char>(c) >= 0x21;
    if (plain && !etag_matches_list(etag, etag, true)) fail("a tag does not match itself", etag);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  const std::uint8_t size_kind = fdp.ConsumeIntegral<std::uint8_t>();
  std::uint64_t content_size = 0;
  switch (size_kind & 3) {
    case 0: content_size = fdp.ConsumeIntegralInRange<std::uint64_t>(0, 64); break;
    case 1: content_size = fdp.ConsumeIntegralInRange<std::uint64_t>(0, 100000); break;
    case 2: content_size = fdp.ConsumeIntegral<std::uint64_t>(); break;
    default: content_size = UINT64_MAX - fdp.ConsumeIntegralInRange<std::uint64_t>(0, 3); break;
  }
  const bool has_mtime = (size_kind & 4) != 0;
  const std::time_t mtime = static_cast<std::time_t>(fdp.ConsumeIntegralInRange<std::int64_t>(0, 4102444800));
  const std::string etag = fdp.ConsumeRandomLengthString(64);
  const std::string range = fdp.ConsumeRandomLengthString(256);
  const std::string ae = fdp.ConsumeRandomLengthString(256);
  const std::string if_match = fdp.ConsumeRandomLengthString(128);
  const std::string if_none_match = fdp.ConsumeRandomLengthString(128);
  const std::string date = fdp.ConsumeRandomLengthString(64);
  const std::string if_range = fdp.ConsumeRandomLengthString(64);
  const std::uint8_t present = fdp.ConsumeIntegral<std::uint8_t>();
  const std::string method = (present & 64) ? "POST" : (present & 128) ? "HEAD" : "GET";

  check_range(range, content_size);
  check_codings(ae);
  check_date(date);
  check_etags(if_match, etag);
  check_etags(if_none_match, etag);

  Request r(method, "/f");
  const Validators v{etag, has_mtime ? std::optional<std::time_t>(mtime) : std::nullopt};
  if (evaluate_preconditions(r, v) != Precondition::proceed) fail("no conditional header, yet not proceed", etag);
  if (!if_range_allows(r, v)) fail("no If-Range, yet the range is refused", etag);
  if (present & 1) r.headers().add("If-Match", if_match);
  if (present & 2) r.headers().add("If-None-Match", if_none_match);
  if (present & 4) r.headers().add("If-Modified-Since", date);
  if (present & 8) r.headers().add("If-Unmodified-Since", date);
  if (present & 16) r.headers().add("If-Range", if_range);
  if (present & 32) r.headers().add("If-None-Match", etag);  // a second line of a list field
  (void)evaluate_preconditions(r, v);
  (void)if_range_allows(r, v);
  // A date that is the modification time: If-Modified-Since alone says "not modified".
  if (has_mtime && method == "GET") {
    Request exact("GET", "/f");
    exact.headers().add("If-Modified-Since", format_http_date(mtime));
    if (evaluate_preconditions(exact, v) != Precondition::not_modified)
      fail("If-Modified-Since of the mtime is not 304", format_http_date(mtime));
  }
  return 0;
}
