#pragma once
// feed_in_pieces and parse_in_pieces: drive a RequestParser the way a connection's reads do,
// in pieces of a chosen size, for the parser tests and fuzz_parser (header-only: the fuzz
// build links no test support library).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "http/request_parser.hpp"
#include "nethttp/error.hpp"
#include "nethttp/request.hpp"

namespace nethttp::test {

/// feed_in_pieces feeds input to parser in pieces of at most step bytes (step >= 1; a step
/// over input.size() feeds it whole), as reads from a socket arrive: what one execute()
/// leaves unparsed stays buffered and the next piece is appended to it. After every
/// execute() it calls on_status(status), which returns false to stop feeding; on
/// Status::complete on_status must call parser.next_message() (after reading the request),
/// on Status::headers resume or fail the body, as the connection does. Feeding also stops
/// at Status::error.
template <class OnStatus>
void feed_in_pieces(detail::RequestParser& parser, std::string_view input, std::size_t step, OnStatus&& on_status) {
  std::string pending;
  for (std::size_t pos = 0; pos < input.size(); pos += step) {
    pending.append(input.substr(pos, step));
    std::string_view rest = pending;
    for (;;) {
      std::size_t used = 0;
      const detail::RequestParser::Status st = parser.execute(rest, used);
      rest.remove_prefix(used);
      if (!on_status(st) || st == detail::RequestParser::Status::error) return;
      if (st == detail::RequestParser::Status::need_more) break;
      if (st == detail::RequestParser::Status::complete && rest.empty()) break;
    }
    pending.assign(rest);
  }
}

/// ParsedPieces is what parse_in_pieces collected: the complete requests, in order, and the
/// error that stopped parsing (Error::Ok when none did).
struct ParsedPieces {
  std::vector<Request> requests;
  Error error = Error::Ok;
};

/// parse_in_pieces parses input fed in pieces of at most step bytes (feed_in_pieces) with a
/// parser of its own whose events accept every request and stream no body.
inline ParsedPieces parse_in_pieces(std::string_view input, std::size_t step, const detail::ParserLimits& limits) {
  struct AcceptAll final : detail::ParserEvents {
    Error on_request_headers(Request&, bool) override { return Error::Ok; }
    void on_message_start() override {}
  } events;
  detail::RequestParser parser(limits, events);
  Request req;
  detail::ParseScratch scratch;
  parser.bind(&req, &scratch);
  ParsedPieces out;
  feed_in_pieces(parser, input, step, [&](detail::RequestParser::Status st) {
    if (st == detail::RequestParser::Status::error) out.error = parser.error();
    if (st == detail::RequestParser::Status::complete) {
      out.requests.push_back(req);
      parser.next_message();
    }
    return true;
  });
  return out;
}

}  // namespace nethttp::test
