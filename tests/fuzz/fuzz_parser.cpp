// Fuzz target: RequestParser (llhttp, HeaderScanner, ChunkScanner) alone, fast, against
// itself. The first byte picks the limits, serve_connect (its top bit) and a split step;
// the rest is a byte stream of pipelined requests. It is parsed whole, one byte at a time
// and in pieces of the chosen step (the connection's read boundaries can fall anywhere),
// and checked:
//   - every split gives the same verdict: the same error (but see the one known exception
//     below), the same requests with the same method, target, body, path, host and number
//     of header fields;
//   - methods and field names are tokens, field values hold no CR, LF or NUL, and no body
//     exceeds max_body_bytes.
// fuzz_connection covers the same code through a whole Connection; this target trades that
// depth for ~100x the executions per second.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/header_list.hpp"
#include "http/request_parser.hpp"
#include "nethttp/error.hpp"
#include "nethttp/request.hpp"
#include "support/parser_feed.hpp"

namespace {

using namespace nethttp;
using namespace nethttp::detail;

[[noreturn]] void fail(const char* what, std::size_t step, int whole_error = 0, int split_error = 0) {
  std::fprintf(stderr, "fuzz_parser invariant broken: %s (step %zu; errors whole %d, split %d)\n", what, step,
               whole_error, split_error);
  std::abort();
}

using Outcome = nethttp::test::ParsedPieces;

// feed parses input in pieces of at most step bytes, collecting complete requests.
Outcome feed(std::string_view input, std::size_t step, const ParserLimits& limits) {
  return nethttp::test::parse_in_pieces(input, step, limits);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 8192) return -1;
  const std::uint8_t opt = data[0];
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  ParserLimits limits;
  if (opt & 1) {
    limits.max_uri_bytes = 64;
    limits.max_header_bytes = 256;
    limits.max_body_bytes = 64;
    limits.max_chunk_extension_bytes = 16;
  }
  limits.serve_connect = (opt & 0x80) != 0;  // CONNECT's authority-form targets too
  const std::size_t step = 2 + (opt >> 1) % 13;

  const Outcome whole = feed(in, in.size() + 1, limits);
  for (std::size_t s : {std::size_t{1}, step}) {
    const Outcome split = feed(in, s, limits);
    // Known, reported with issue 10: llhttp hands over the target and header spans only when
    // they end or when execute() returns, so a limit (414, 431) crossed before a malformed
    // byte is seen when the bytes arrive in small reads, and the malformed byte's 400 when
    // they arrive at once ("GET /" + 75 x 'a' + NUL with max_uri_bytes 64). Both are an error
    // and a close; only this pair of verdicts is tolerated.
    const auto size_limit = [](Error e) { return e == Error::UriTooLong || e == Error::HeadersTooLarge; };
    const bool known_limit_race = (whole.error == Error::BadRequest && size_limit(split.error)) ||
                                  (split.error == Error::BadRequest && size_limit(whole.error));
    if (split.error != whole.error && !known_limit_race) {
      fail("a split changed the error", s, static_cast<int>(whole.error), static_cast<int>(split.error));
    }
    if (split.requests.size() != whole.requests.size()) fail("a split changed the number of requests", s);
    for (std::size_t i = 0; i < whole.requests.size(); ++i) {
      const Request& a = whole.requests[i];
      const Request& b = split.requests[i];
      if (a.method() != b.method() || a.target() != b.target() || a.body() != b.body() ||
          a.headers().size() != b.headers().size() || a.path() != b.path() || a.host() != b.host()) {
        fail("a split changed a request", s);
      }
    }
  }
  for (const Request& r : whole.requests) {
    if (!is_token(r.method())) fail("a method that is not a token", 0);
    if (r.body().size() > limits.max_body_bytes) fail("a body over max_body_bytes", 0);
    for (HeaderField f : r.headers()) {
      if (!is_token(f.name)) fail("a field name that is not a token", 0);
      if (f.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
        fail("CR, LF or NUL in a value", 0);
    }
  }
  return 0;
}
