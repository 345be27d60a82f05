#pragma once
// Exchange: the memory one connection needs only while it is busy — the request being
// parsed, the response being built, queued output and unparsed pipelined input. Loops pool
// them, so an idle keep-alive connection holds none (see ServerConfig docs for the bound).

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "http/output_queue.hpp"
#include "http/request_parser.hpp"
#include "http/response.hpp"
#include "nethttp/request.hpp"

namespace nethttp::detail {

struct Exchange {
  Request request;
  ParseScratch scratch;
  ResponseImpl response;
  OutputQueue out;
  /// pending_input holds received bytes not parsed yet (a pipelined request waiting behind a
  /// deferred or backpressured response).
  std::string pending_input;
  /// finished holds on_finish callbacks of responses whose bytes are still queued.
  std::vector<std::pair<std::function<void(const ResponseStats&)>, ResponseStats>> finished;
  /// on_deferred_timeout is the handler's set_timeout callback, if any.
  std::function<void(ResponseWriter&)> on_deferred_timeout;

  /// trim drops memory a single huge request left behind, before pooling.
  void trim() noexcept {
    constexpr std::size_t kKeep = 64 * 1024;
    if (pending_input.capacity() > kKeep) std::string().swap(pending_input);
    if (request.mutable_body().capacity() > kKeep) std::string().swap(request.mutable_body());
    out.shrink();
  }
};

}  // namespace nethttp::detail
