#pragma once
/// \file health.hpp
/// Health-check handlers for load balancers and orchestrators.

#include "nethttp/handler.hpp"

namespace nethttp {

class Server;

/// healthz returns a liveness Handler: 200 with body "ok" whenever the process can answer.
Handler healthz();

/// readyz returns a readiness Handler for server: 200 "ok" while it serves, and 503
/// "shutting down" from the moment shutdown() or close() is called, so a load balancer
/// stops sending traffic while in-flight requests drain. server must outlive the Handler's
/// use (it does when the Handler is part of server's own handler).
Handler readyz(const Server& server);

}  // namespace nethttp
