// Fuzz target: bytes in through a whole Connection, responses out.
//
// A real detail::Connection on a real LoopContext serves one end of a socketpair, with a
// real ServeMux in front of file_server() on a temporary root. The harness plays the event
// loop by hand, on one thread: it writes the input to the other end in pieces, tells the
// connection its socket became readable or writable, reads everything the connection
// wrote, and at the end either half-closes (EOF) or fires the connection's deadline
// (timeouts), until the connection closes. No threads and no poll(2), so an input runs in
// microseconds and replays exactly.
//
// The first input bytes choose the configuration: the loop's read-buffer size (1 byte to
// 64 KiB, so the parser and scanners see every split), max_output_bytes (backpressure),
// max_pipelined, the request limits, a small socket send buffer, how the input is cut into
// writes, and how the connection ends. The rest is the client's byte stream.
//
// Invariants checked on the client's view of the output:
//   - it parses as a sequence of HTTP/1.1 responses with sound framing (Content-Length,
//     chunked, no body for HEAD/1xx/204/304, close-delimited only for HTTP/1.0);
//   - one verdict per request: every request the handler saw got exactly one response, in
//     order (the harness stamps each with X-Fuzz-Seq), and at most one more response,
//     from the connection itself (400, 408, 413, 431...), comes last;
//   - no response after a close: a response saying `Connection: close` is the last bytes;
//   - no file outside the root: the marker of a file beside the root (reachable only by
//     traversal or an escaping symlink) never appears;
//   - the connection closes once the client has half-closed and the deadlines have fired,
//     and every descriptor it opened is closed again.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http/connection.hpp"
#include "http/loop_context.hpp"
#include "nethttp/file_server.hpp"
#include "nethttp/headers.hpp"
#include "nethttp/helpers.hpp"
#include "nethttp/logger.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "reactor/event_loop.hpp"
#include "support/server_hooks.hpp"

namespace {

namespace fs = std::filesystem;
using namespace nethttp;
using namespace nethttp::detail;

// kSecret is the content of the files beside the root. Its NUL keeps it out of every echo a
// client can provoke (paths and header values cannot hold a NUL, and /echo answers with
// filler), so seeing it means a file outside the root was served: libFuzzer learns the
// string from the comparison below, and found the earlier NUL-free marker echoed in a
// redirect's Location.
constexpr char kSecretBytes[] = "OUTSIDE\0THE-ROOT-7f3a9c";
constexpr std::string_view kSecret{kSecretBytes, sizeof kSecretBytes - 1};  // the NUL included

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz_connection invariant broken: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void write_file(const fs::path& p, std::string_view content) {
  FILE* f = std::fopen(p.c_str(), "wb");
  if (f == nullptr) fail("cannot create fixture file", p.native());
  std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
}

// Fixture is the temporary tree, built once per process:
//   base/outside/secret.txt       the marker that must never be served
//   base/root/                    the file server's root: files, a directory with an index,
//                                 a precompressed sibling, a dotfile, symlinks in and out
struct Fixture {
  fs::path base;
  fs::path root;

  Fixture() {
    char tmpl[] = "/tmp/nethttp-fuzz-conn-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) fail("mkdtemp");
    base = tmpl;
    root = base / "root";
    fs::create_directories(base / "outside");
    fs::create_directories(root / "sub" / "deeper");
    fs::create_directories(root / "dir");
    fs::create_directories(root / ".well-known");
    write_file(base / "outside" / "secret.txt", kSecret);
    write_file(base / "secret.txt", kSecret);
    write_file(root / "index.html", "<!doctype html><title>root</title>\n");
    write_file(root / "a.txt", "alpha\n");
    write_file(root / "a.txt.gz", "not really gzip, but a sibling\n");
    write_file(root / "empty.txt", "");
    write_file(root / ".env", "dotfile\n");
    write_file(root / ".well-known" / "security.txt", "Contact: x\n");
    write_file(root / "sub" / "index.html", "<p>sub</p>\n");
    write_file(root / "sub" / "b.css", "b { color: red }\n");
    write_file(root / "sub" / "deeper" / "c.js", "console.log(1)\n");
    write_file(root / "dir" / "file.json", "{}\n");
    std::string big;
    for (int i = 0; i < 3000; ++i) big += "0123456789abcdef"[i % 16];
    write_file(root / "big.bin", big);
    fs::create_symlink("a.txt", root / "link-in");
    fs::create_symlink("../outside/secret.txt", root / "link-out");
    fs::create_symlink("/etc/hostname", root / "link-abs");
    fs::create_symlink("../outside", root / "dir-out");
  }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
};

// Seen is what the handler saw, request by request, for the checks on the output.
struct Seen {
  bool head = false;
  bool http10 = false;
  bool threw = false;  // the connection answers 500 itself, without the handler's headers
};

struct App {
  Fixture fixture;
  std::vector<Seen> seen;
  Handler handler;

  App() {
    auto mux = std::make_shared<ServeMux>();
    mux->handle("/", file_server(fixture.root.string()));
    FileServerOptions listing;
    listing.list_directories = true;
    listing.allow_dotfiles = true;
    listing.open_file_cache_entries = 0;
    listing.spa_fallback = true;
    mux->handle("/raw/", strip_prefix("/raw", file_server(fixture.root.string(), listing)));
    mux->handle_func("POST /echo", [](ResponseWriter& w, Request& r) {
      // As many bytes as the body (not the body itself: see kSecret).
      w.headers().set("Content-Type", "application/octet-stream");
      w.write(std::string(r.body().size(), 'e'));
    });
    mux->handle_func("/stream/{n}", [](ResponseWriter& w, Request& r) {
      // Three flushed pieces: chunked for HTTP/1.1, close-delimited for HTTP/1.0.
      for (int i = 0; i < 3; ++i) {
        w.write(r.path_value("n"));
        w.flush();
      }
    });
    mux->handle_func("GET /close", [](ResponseWriter& w, Request&) {
      w.headers().set("Connection", "close");
      w.write("bye");
    });
    mux->handle_func("/status/{code}", [](ResponseWriter& w, Request& r) {
      std::string_view c = r.path_value("code");
      int code = 0;
      for (char ch : c.substr(0, 3)) code = code * 10 + (ch >= '0' && ch <= '9' ? ch - '0' : 0);
      if (code < 200 || code > 599) code = 200;
      w.write_header(code);
      w.write("status body");
    });
    mux->handle_func("GET /throw", [](ResponseWriter&, Request&) -> void { throw std::runtime_error("boom"); });
    handler = Handler([this, mux](ResponseWriter& w, Request& r) {
      w.headers().set("X-Fuzz-Seq", std::to_string(seen.size()));
      seen.push_back(Seen{r.method() == "HEAD", r.version() == HttpVersion{1, 0}});
      try {
        mux->serve(w, r);
      } catch (...) {
        seen.back().threw = true;
        throw;
      }
    });
  }
};

App& app() {
  static App* a = new App();  // lives for the process; the fixture is removed at exit
  static const bool cleanup = [] {
    std::atexit([] { delete a; });
    return true;
  }();
  (void)cleanup;
  return *a;
}

int count_fds() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d) != nullptr) ++n;
    ::closedir(d);
  }
  return n;
}

// Reader is a cursor over the client's received bytes.
struct Reader {
  std::string_view in;
  std::size_t at = 0;

  bool line(std::string_view& out) {
    std::size_t e = in.find("\r\n", at);
    if (e == std::string_view::npos) return false;
    out = in.substr(at, e - at);
    at = e + 2;
    return true;
  }
};

std::uint64_t parse_decimal(std::string_view s, bool& ok) {
  ok = !s.empty() && s.size() <= 18;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') ok = false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::uint64_t parse_hex(std::string_view s, bool& ok) {
  ok = !s.empty() && s.size() <= 15;
  std::uint64_t v = 0;
  for (char c : s) {
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (d < 0) {
      ok = false;
      return 0;
    }
    v = v * 16 + static_cast<std::uint64_t>(d);
  }
  return v;
}

// check_output parses out as the responses to the requests in seen and checks the invariants.
void check_output(std::string_view out, const std::vector<Seen>& seen, bool conn_closed) {
  if (out.find(kSecret) != std::string_view::npos) fail("a file outside the root was served", out);
  Reader r{out};
  std::size_t next_seq = 0;
  bool saw_close = false;
  bool saw_unsequenced = false;
  while (r.at < out.size()) {
    if (saw_close) fail("bytes after a response that said Connection: close", out);
    if (saw_unsequenced) fail("a response after the connection's own final response", out);
    std::string_view status_line;
    if (!r.line(status_line)) fail("truncated status line", out);
    if (status_line.size() < 12 || status_line.substr(0, 9) != "HTTP/1.1 ") fail("bad status line", out);
    bool ok = false;
    const std::uint64_t status = parse_decimal(status_line.substr(9, 3), ok);
    if (!ok || status < 100 || status > 599) fail("bad status code", out);
    Headers h;
    for (;;) {
      std::string_view field;
      if (!r.line(field)) fail("truncated header", out);
      if (field.empty()) break;
      std::size_t colon = field.find(':');
      if (colon == std::string_view::npos || colon == 0) fail("malformed response header", out);
      std::string_view value = field.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      h.add(field.substr(0, colon), value);
    }
    if (status < 200) {
      if (status != 100) fail("unexpected 1xx", out);
      continue;  // 100 Continue: interim, no verdict
    }
    // Which request is this the verdict for?
    std::string_view seq_text = h.get("X-Fuzz-Seq");
    bool head = false, http10 = false;
    if (!seq_text.empty()) {
      const std::uint64_t seq = parse_decimal(seq_text, ok);
      if (!ok || seq != next_seq) fail("responses out of order, missing or repeated", out);
      if (seq >= seen.size()) fail("a response for a request the handler never saw", out);
      head = seen[seq].head;
      http10 = seen[seq].http10;
      ++next_seq;
    } else if (next_seq < seen.size() && seen[next_seq].threw) {
      if (status != 500) fail("a handler that threw did not get a 500", out);
      head = seen[next_seq].head;
      http10 = seen[next_seq].http10;
      ++next_seq;
    } else {
      saw_unsequenced = true;  // the connection's own verdict (parse error, timeout)
      if (!iequals(h.get("Connection"), "close")) fail("the connection's own error response keeps the connection", out);
    }
    if (iequals(h.get("Connection"), "close")) saw_close = true;
    // Body framing.
    const std::string_view te = h.get("Transfer-Encoding");
    const std::string_view cl = h.get("Content-Length");
    if (!te.empty() && !cl.empty()) fail("both Transfer-Encoding and Content-Length", out);
    const bool no_body = head || status == 204 || status == 304;
    if (!te.empty()) {
      if (te != "chunked") fail("unexpected Transfer-Encoding", out);
      if (http10) fail("chunked response to HTTP/1.0", out);
      if (no_body) continue;
      for (;;) {
        std::string_view size_line;
        if (!r.line(size_line)) fail("truncated chunk size", out);
        const std::uint64_t n = parse_hex(size_line, ok);
        if (!ok) fail("bad chunk size", out);
        if (n == 0) {
          std::string_view end;
          if (!r.line(end) || !end.empty()) fail("bad last chunk", out);
          break;
        }
        if (out.size() - r.at < n + 2 || out.substr(r.at + n, 2) != "\r\n") fail("truncated chunk", out);
        r.at += n + 2;
      }
    } else if (!cl.empty()) {
      const std::uint64_t n = parse_decimal(cl, ok);
      if (!ok) fail("bad Content-Length", out);
      if (no_body) continue;
      if (seq_text.empty() && r.at == out.size()) continue;  // error verdict to a HEAD request
      if (out.size() - r.at < n) fail("body shorter than Content-Length", out);
      r.at += n;
    } else if (!no_body) {
      // No length: the body runs to the close, which only HTTP/1.0 may need.
      if (!http10) fail("a response without framing", out);
      if (!conn_closed) fail("a close-delimited body on a connection that stayed open", out);
      r.at = out.size();
      saw_close = true;
    }
  }
  if (next_seq != seen.size()) fail("a request the handler saw got no response", out);
}

struct Options {
  std::size_t read_buffer = 64 * 1024;
  std::size_t max_output = 1024 * 1024;
  unsigned max_pipelined = 32;
  bool small_limits = false;
  bool small_sndbuf = false;
  bool end_with_eof = true;
  std::size_t piece = 0;  // 0: one write; else write in pieces of 1..piece bytes
};

Options decode_options(const std::uint8_t*& data, std::size_t& size) {
  Options o;
  if (size < 2) return o;
  const std::uint8_t a = data[0], b = data[1];
  data += 2;
  size -= 2;
  static constexpr std::size_t kReadBuffers[] = {64 * 1024, 1, 2, 3, 7, 16, 64, 4096};
  o.read_buffer = kReadBuffers[a & 7];
  o.max_output = (a & 8) ? 300 : 1024 * 1024;
  o.max_pipelined = (a & 16) ? 1 : 32;
  o.small_limits = (a & 32) != 0;
  o.small_sndbuf = (a & 64) != 0;
  o.end_with_eof = (a & 128) == 0;
  o.piece = b & 15;
  return o;
}

class Harness {
 public:
  explicit Harness(const Options& o) : opts_(o) {
    config_.logger = null_logger();
    config_.max_output_bytes = o.max_output;
    config_.max_pipelined = o.max_pipelined;
    if (o.small_limits) {
      config_.max_uri_bytes = 64;
      config_.max_header_bytes = 256;
      config_.max_body_bytes = 32;
    }
    ctx_ = std::make_unique<LoopContext>(loop_, config_, app().handler, *config_.logger, 0, hooks_);
    ctx_->read_buffer.resize(o.read_buffer);
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) fail("socketpair");
    client_ = sv[0];
    if (o.small_sndbuf) {
      int sz = 2048;
      ::setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
      ::setsockopt(client_, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    }
    sockaddr_in6 peer{};
    peer.sin6_family = AF_INET6;
    peer.sin6_addr = in6addr_loopback;
    peer.sin6_port = htons(40000);
    Connection* c = ctx_->add_connection(UniqueFd(sv[1]), peer);
    if (c == nullptr) fail("connection did not start");
    token_ = c->token();
  }

  ~Harness() {
    if (client_ >= 0) ::close(client_);
  }

  Connection* conn() { return ctx_->find(token_); }

  // run feeds input and ends the connection; returns whether it closed.
  bool run(std::string_view input) {
    std::size_t piece_seed = input.size();
    while (!input.empty()) {
      std::size_t n = input.size();
      if (opts_.piece != 0) n = std::min(n, 1 + (piece_seed = piece_seed * 1103515245 + 12345) % opts_.piece);
      ssize_t w = ::send(client_, input.data(), n, MSG_NOSIGNAL);
      if (w > 0) input.remove_prefix(static_cast<std::size_t>(w));
      const bool wrote = w > 0;
      const bool moved = turn(true);
      if (!wrote && !moved) break;  // both sides stuck: the server stopped reading for good
      if (conn() == nullptr) break;
    }
    for (int i = 0; i < 64 && conn() != nullptr && turn(true);) ++i;
    if (opts_.end_with_eof) {
      ::shutdown(client_, SHUT_WR);
      turn(true);
    }
    // Fire whatever deadline is armed (header, body, idle, linger...) until it closes.
    for (int i = 0; i < 8; ++i) {
      Connection* c = conn();
      if (c == nullptr) break;
      c->on_deadline(loop_.now_ms() + 24LL * 3600 * 1000 * (i + 1));
      settle_writers();
      drain();
      ctx_->collect_garbage();
    }
    drain();
    return conn() == nullptr;
  }

  const std::string& output() const { return out_; }
  int closed_count() const { return hooks_.closed; }

 private:
  // turn is one loop iteration for this connection: an event, queued write budgets, and
  // the client reading whatever arrived. Returns whether any bytes moved.
  bool turn(bool readable) {
    const std::size_t before = out_.size();
    if (Connection* c = conn()) c->on_event(PollEvent{token_, readable, true, false});
    settle_writers();
    drain();
    // Reading made room in the socket: the connection gets a writable edge.
    for (int i = 0; i < 1000; ++i) {
      Connection* c = conn();
      if (c == nullptr) break;
      const std::size_t mark = out_.size();
      c->on_event(PollEvent{token_, false, true, false});
      settle_writers();
      drain();
      if (out_.size() == mark) break;
    }
    ctx_->collect_garbage();
    return out_.size() != before;
  }

  void settle_writers() {
    for (int i = 0; i < 1000 && !ctx_->ready_writers.empty(); ++i) {
      std::vector<std::uint64_t> ready;
      ready.swap(ctx_->ready_writers);
      for (std::uint64_t t : ready) {
        if (Connection* c = ctx_->find(t)) c->on_write_budget();
      }
    }
  }

  void drain() {
    char buf[16384];
    for (;;) {
      ssize_t n = ::read(client_, buf, sizeof buf);
      if (n <= 0) return;
      out_.append(buf, static_cast<std::size_t>(n));
      if (out_.size() > (64u << 20)) fail("more than 64 MiB of output");
    }
  }

  Options opts_;
  ServerConfig config_;
  EventLoop loop_;
  test::FakeServerHooks hooks_;  // ids and the open-connection count
  std::unique_ptr<LoopContext> ctx_;
  int client_ = -1;
  std::uint64_t token_ = 0;
  std::string out_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  App& a = app();
  static const int baseline_fds = count_fds();
  const Options opts = decode_options(data, size);
  a.seen.clear();
  std::string out;
  {
    Harness h(opts);
    const bool closed = h.run(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!closed) fail("the connection outlived EOF and every deadline");
    if (h.closed_count() != 1) fail("the connection was not closed exactly once");
    check_output(h.output(), a.seen, closed);
  }
  // Per-loop open-file caches keep up to 128 descriptors each; beyond that is a leak.
  if (count_fds() > baseline_fds + 140) fail("descriptor leak");
  return 0;
}
