#pragma once
/// \file nethttp.hpp
/// The umbrella header: everything a program serving HTTP with nethttp needs.
///
/// \code
/// #include <nethttp/nethttp.hpp>
///
/// int main() {
///   nethttp::ServeMux mux;
///   mux.handle("GET /hello/{name}", [](nethttp::ResponseWriter& w, nethttp::Request& r) {
///     w.write("hello, ");
///     w.write(r.path_value("name"));
///   });
///   nethttp::Server server({.listen = ":8080"}, mux);
///   nethttp::ShutdownOnSignals stop(server, std::chrono::seconds(10));
///   return server.listen_and_serve() ? 1 : 0;
/// }
/// \endcode

#include "nethttp/cookie.hpp"
#include "nethttp/deferred.hpp"
#include "nethttp/error.hpp"
#include "nethttp/error_writer.hpp"
#include "nethttp/event_stream.hpp"
#include "nethttp/file_server.hpp"
#include "nethttp/form.hpp"
#include "nethttp/handler.hpp"
#include "nethttp/headers.hpp"
#include "nethttp/health.hpp"
#include "nethttp/helpers.hpp"
#include "nethttp/json_writer.hpp"
#include "nethttp/logger.hpp"
#include "nethttp/metrics.hpp"
#include "nethttp/middleware.hpp"
#include "nethttp/request.hpp"
#include "nethttp/response_writer.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "nethttp/status.hpp"
#include "nethttp/unique_fd.hpp"
#include "nethttp/upgrade.hpp"
#include "nethttp/version.hpp"
#include "nethttp/worker_pool.hpp"
