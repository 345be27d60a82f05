// Fuzz target: MultipartParser, the push parser streamed uploads go through.
//
// The input (through FuzzedDataProvider) gives a boundary, limits, split points and a body.
// Checked:
//   - no crash, leak or sanitizer report on any body;
//   - split invariance: parsing the body in the fuzzed pieces reports exactly the same
//     parts (headers, names, filenames, bytes), ends and error as parsing it whole;
//   - every data callback is non-empty and inside a part; at most max_parts parts begin;
//   - a body that parsed without error and finished has seen its close delimiter.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/multipart.hpp"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

struct Trace {
  std::string events;  // a transcript: B<name|filename|type> D<bytes> E
  nethttp::MultipartError error = nethttp::MultipartError::None;
  std::size_t parts = 0;
  bool done = false;
};

Trace run(std::string_view boundary, nethttp::MultipartLimits limits, std::string_view body,
          const std::vector<std::size_t>& cuts) {
  Trace t;
  nethttp::MultipartParser p(boundary, limits);
  bool in_part = false;
  std::string pending;  // data is joined so that different splits compare equal
  auto flush = [&] {
    if (!pending.empty()) t.events += "D<" + pending + ">";
    pending.clear();
  };
  p.on_part_begin = [&](const nethttp::MultipartPart& part) {
    check(!in_part, "part begins inside a part");
    in_part = true;
    ++t.parts;
    check(t.parts <= limits.max_parts, "more parts than max_parts");
    t.events += "B<" + part.name + "|" + part.filename + "|" + part.content_type + "|" +
                std::to_string(part.headers.size()) + ">";
  };
  p.on_part_data = [&](std::string_view d) {
    check(in_part, "data outside a part");
    check(!d.empty(), "empty data callback");
    pending.append(d);
  };
  p.on_part_end = [&] {
    check(in_part, "end outside a part");
    in_part = false;
    flush();
    t.events += "E";
  };
  std::size_t at = 0;
  for (std::size_t cut : cuts) {
    if (cut < at || cut > body.size()) continue;
    t.error = p.feed(body.substr(at, cut - at));
    at = cut;
    if (t.error != nethttp::MultipartError::None) break;
  }
  if (t.error == nethttp::MultipartError::None) t.error = p.feed(body.substr(at));
  if (t.error == nethttp::MultipartError::None) t.error = p.finish();
  flush();
  t.done = p.done();
  if (t.error == nethttp::MultipartError::None) check(t.done, "finished without the close delimiter");
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::string boundary = in.ConsumeRandomLengthString(16);
  if (boundary.empty()) boundary = "b";
  nethttp::MultipartLimits limits;
  limits.max_parts = in.ConsumeIntegralInRange<std::size_t>(1, 8);
  limits.max_header_bytes = in.ConsumeIntegralInRange<std::size_t>(1, 512);
  std::vector<std::size_t> cuts;
  const std::size_t ncuts = in.ConsumeIntegralInRange<std::size_t>(0, 6);
  for (std::size_t i = 0; i < ncuts; ++i) cuts.push_back(in.ConsumeIntegralInRange<std::size_t>(0, 4096));
  std::sort(cuts.begin(), cuts.end());
  const std::string body = in.ConsumeRemainingBytesAsString();

  const Trace whole = run(boundary, limits, body, {});
  const Trace split = run(boundary, limits, body, cuts);
  check(whole.error == split.error, "the error depends on how the body is split");
  if (whole.error == nethttp::MultipartError::None) {
    check(whole.events == split.events, "the parts depend on how the body is split");
  }
  // Whatever the boundary claims to be, multipart_boundary must not crash.
  (void)nethttp::multipart_boundary("multipart/form-data; boundary=" + boundary);
  return 0;
}
