// Fuzz target: MultipartParser, the push parser streamed uploads go through.
//
// The input (through FuzzedDataProvider) gives a boundary, limits, split points and a body.
// Checked:
//   - no crash, leak or sanitizer report on any body;
//   - split invariance: parsing the body in the fuzzed pieces reports exactly the same
//     parts (headers, names, filenames, bytes), ends and error as parsing it whole;
//   - every data callback is non-empty and inside a part; at most max_parts parts begin;
//   - a body that parsed without error and finished has seen its close delimiter;
//   - MultipartForm (fields collected, files streamed) is split-invariant too (error,
//     values, file transcript), stays within max_fields and max_value_bytes, is empty after
//     an error, and reports a framing error only where the bare parser met the same one.

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

struct FormTrace {
  nethttp::MultipartFormError error;
  std::vector<nethttp::FormValues::Pair> values;
  std::string files;  // B<name|filename> D<bytes> E
};

FormTrace run_form(std::string_view boundary, const nethttp::MultipartFormLimits& limits, std::string_view body,
                   const std::vector<std::size_t>& cuts) {
  FormTrace t;
  nethttp::MultipartForm form(boundary, limits);
  std::string pending;
  bool in_file = false;
  form.on_file_begin = [&](const nethttp::MultipartPart& part) {
    check(!in_file, "file begins inside a file");
    check(part.is_file() && !part.name.empty(), "a plain or nameless part handed on as a file");
    in_file = true;
    t.files += "B<" + part.name + "|" + part.filename + ">";
  };
  form.on_file_data = [&](std::string_view d) {
    check(in_file && !d.empty(), "file data outside a file, or empty");
    pending.append(d);
  };
  form.on_file_end = [&] {
    check(in_file, "file end outside a file");
    in_file = false;
    t.files += "D<" + pending + ">E";
    pending.clear();
  };
  std::size_t at = 0;
  for (std::size_t cut : cuts) {
    if (cut < at || cut > body.size()) continue;
    t.error = form.feed(body.substr(at, cut - at));
    at = cut;
    if (!t.error.ok()) break;
  }
  if (t.error.ok()) t.error = form.feed(body.substr(at));
  if (t.error.ok()) t.error = form.finish();
  check(t.error.multipart == nethttp::MultipartError::None || t.error.form == nethttp::FormError::None,
        "two errors at once");
  std::size_t bytes = 0;
  for (const auto& pair : form.values()) {
    t.values.push_back(pair);
    bytes += pair.first.size() + pair.second.size();
  }
  check(t.values.size() <= limits.max_fields, "more fields than max_fields");
  check(bytes <= limits.max_value_bytes, "more value bytes than max_value_bytes");
  if (!t.error.ok()) check(t.values.empty(), "values left after an error");
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
  // The collector on the same input, with limits derived from the parser's (no new input
  // is consumed, so the corpus keeps its meaning).
  nethttp::MultipartFormLimits form_limits;
  form_limits.parts = limits;
  form_limits.max_fields = 1 + limits.max_header_bytes % 4;
  form_limits.max_value_bytes = limits.max_header_bytes / 2;
  const FormTrace form_whole = run_form(boundary, form_limits, body, {});
  const FormTrace form_split = run_form(boundary, form_limits, body, cuts);
  check(form_whole.error == form_split.error, "the form's error depends on how the body is split");
  if (form_whole.error.ok()) {
    check(form_whole.values == form_split.values, "the form's values depend on how the body is split");
    check(form_whole.files == form_split.files, "the form's files depend on how the body is split");
  }
  if (form_whole.error.multipart != nethttp::MultipartError::None) {
    check(form_whole.error.multipart == whole.error, "the form met a framing error the parser did not");
  }
  if (whole.error == nethttp::MultipartError::None) {
    check(form_whole.error.multipart == nethttp::MultipartError::None, "the form failed where the parser did not");
  }
  // Whatever the boundary claims to be, multipart_boundary must not crash.
  (void)nethttp::multipart_boundary("multipart/form-data; boundary=" + boundary);
  return 0;
}
