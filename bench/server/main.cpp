// nethttp-bench-server: what the peer benchmark harness expects of a candidate.
//
//   nethttp-bench-server --listen 127.0.0.1:PORT --root DIR [--threads N]
//                        [--tls-cert FILE --tls-key FILE]
//
// With --tls-cert and --tls-key the --listen address is served over TLS (HTTPS) instead
// of cleartext, with the library's default TLS settings (bench/tls_peers.sh).
//
// GET /plaintext answers "Hello, World!" (text/plain); /static/<file> serves DIR/<file>
// with file_server() below strip_prefix("/static"). Nothing is logged, so the numbers
// measure the server, not the terminal.
//
// Server-sent event fan-out (bench/sse_fanout.py), on when any --sse-* flag is given:
//   --sse-event-bytes N (4096)  --sse-interval-ms N (50)  --sse-slow-reader drop|close (drop)
// GET /events subscribes to the feed, GET /sse-stats reports its counters (sse_feed.hpp).
//   --output-high-water N and --write-timeout-ms N set those ServerConfig fields.
//   --sndbuf BYTES and --rcvbuf BYTES set send_buffer_bytes and receive_buffer_bytes.

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "nethttp/file_server.hpp"
#include "nethttp/helpers.hpp"
#include "nethttp/server.hpp"
#include "sse_feed.hpp"

namespace {

int usage(int code) {
  std::fprintf(
      code == 0 ? stdout : stderr,
      "usage: nethttp-bench-server --listen HOST:PORT --root DIR [--threads N]\n"
      "                            [--tls-cert FILE --tls-key FILE]  (serve --listen over TLS)\n"
      "                            [--sse-event-bytes N] [--sse-interval-ms N] [--sse-slow-reader drop|close]\n"
      "                            [--output-high-water BYTES] [--write-timeout-ms N]\n"
      "                            [--sndbuf BYTES] [--rcvbuf BYTES]\n");
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  nethttp::ServerConfig config;
  config.threads = 1;
  config.logger = nethttp::null_logger();
  std::string root;
  nethttp::TlsCertificate cert;
  bool sse = false;
  bench::SseFeedOptions sse_options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") return usage(0);
    if (i + 1 >= argc) return usage(2);
    std::string value = argv[++i];
    if (arg == "--listen") {
      config.listen = value;
    } else if (arg == "--root") {
      root = value;
    } else if (arg == "--tls-cert") {
      cert.cert_file = value;
    } else if (arg == "--tls-key") {
      cert.key_file = value;
    } else if (arg == "--threads") {
      config.threads = static_cast<unsigned>(std::stoul(value));
    } else if (arg == "--sse-event-bytes") {
      sse = true;
      sse_options.event_bytes = std::stoul(value);
    } else if (arg == "--sse-interval-ms") {
      sse = true;
      sse_options.interval = std::chrono::milliseconds(std::stoul(value));
    } else if (arg == "--sse-slow-reader") {
      sse = true;
      if (value != "drop" && value != "close") return usage(2);
      sse_options.slow_reader =
          value == "drop" ? nethttp::SlowReaderPolicy::DropEvents : nethttp::SlowReaderPolicy::Close;
    } else if (arg == "--output-high-water") {
      config.output_high_water = std::stoul(value);
    } else if (arg == "--write-timeout-ms") {
      config.write_timeout = std::chrono::milliseconds(std::stoul(value));
    } else if (arg == "--sndbuf") {
      config.send_buffer_bytes = std::stoi(value);  // listen() refuses sizes out of range
    } else if (arg == "--rcvbuf") {
      config.receive_buffer_bytes = std::stoi(value);
    } else {
      std::fprintf(stderr, "nethttp-bench-server: unknown flag \"%s\"\n", argv[i - 1]);
      return usage(2);
    }
  }
  if (root.empty() || cert.cert_file.empty() != cert.key_file.empty()) return usage(2);
  if (!cert.cert_file.empty()) {
    config.listen_tls = {config.listen};
    config.listen.clear();
    config.tls.certificates = {cert};
  }

  nethttp::Handler files;
  try {
    files = nethttp::strip_prefix("/static", nethttp::file_server(root));
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "nethttp-bench-server: cannot serve %s: %s\n", root.c_str(), e.code().message().c_str());
    return 1;
  }
  std::unique_ptr<bench::SseFeed> feed;
  if (sse) feed = std::make_unique<bench::SseFeed>(sse_options);
  nethttp::Handler app = [files, &feed](nethttp::ResponseWriter& w, nethttp::Request& r) {
    if (feed && r.path() == "/events") {
      feed->subscribe(w, r);
    } else if (feed && r.path() == "/sse-stats") {
      w.headers().set("Content-Type", "application/json");
      w.write(feed->stats_json());
    } else if (r.path() == "/plaintext") {
      w.headers().set("Content-Type", "text/plain");
      w.write("Hello, World!");
    } else if (r.path().starts_with("/static/")) {
      files.serve(w, r);
    } else {
      nethttp::error(w, "404 page not found", nethttp::Status::NotFound);
    }
  };

  nethttp::Server server(config, app);
  nethttp::ShutdownOnSignals on_signal(server, std::chrono::seconds(5));
  if (std::error_code ec = server.listen()) {
    std::fprintf(stderr, "nethttp-bench-server: cannot listen on %s: %s\n",
                 config.listen_tls.empty() ? config.listen.c_str() : config.listen_tls.front().c_str(),
                 ec.message().c_str());
    return 1;
  }
  if (std::error_code ec = server.serve()) {
    std::fprintf(stderr, "nethttp-bench-server: %s\n", ec.message().c_str());
    return 1;
  }
  return 0;
}
