#pragma once
/// \file testing.hpp
/// Test helpers, like Go's net/http/httptest: ResponseRecorder calls a handler without
/// sockets; TestServer runs a real Server on an ephemeral loopback port.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nethttp/handler.hpp"
#include "nethttp/server.hpp"

namespace nethttp::testing {

/// ResponseRecorder is a ResponseWriter that records what a handler does, for tests without
/// sockets (Go: httptest.ResponseRecorder). send_file() copies the file range into body().
/// Deferred completions run on the calling thread under the recorder's lock; use
/// wait_finished() to wait for one made on another thread.
class ResponseRecorder final : public ResponseWriter {
 public:
  ResponseRecorder();
  ~ResponseRecorder() override;

  /// @{ The ResponseWriter interface, recording instead of sending.
  Headers& headers() override;
  void write_header(int status) override;
  using ResponseWriter::write_header;
  bool write(std::string_view data) override;
  using ResponseWriter::write;
  bool flush() override;
  bool send_file(FileSlice slice) override;
  DeferredResponse defer() override;
  [[nodiscard]] int status() const noexcept override;
  [[nodiscard]] std::uint64_t bytes_written() const noexcept override;
  void on_finish(std::function<void(const ResponseStats&)> fn) override;
  /// @}

  /// code is the status written, 200 if the handler wrote a body without one, and 200 if it
  /// wrote nothing at all (as Go's recorder).
  [[nodiscard]] int code() const;
  /// header_map is the headers as they were when write_header ran (or now, before it).
  [[nodiscard]] const Headers& header_map() const;
  /// body is everything written.
  [[nodiscard]] std::string body() const;
  /// flushed reports whether flush() was called.
  [[nodiscard]] bool flushed() const;
  /// deferred reports whether the handler called defer().
  [[nodiscard]] bool deferred() const;
  /// finish marks a non-deferred response finished and runs the on_finish callbacks; call it
  /// after the handler returns (serve() below does).
  void finish();
  /// finished reports whether the response is complete.
  [[nodiscard]] bool finished() const;
  /// wait_finished waits up to timeout for a deferred response to finish.
  bool wait_finished(std::chrono::milliseconds timeout);

 private:
  class Target;
  friend class Target;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Headers headers_;
  Headers sent_headers_;
  int status_ = 0;
  bool wrote_header_ = false;
  std::string body_;
  bool flushed_ = false;
  bool deferred_ = false;
  bool finished_ = false;
  std::vector<std::function<void(const ResponseStats&)>> on_finish_;
  std::shared_ptr<Target> target_;
  void finish_locked();
};

/// serve calls h with a fresh recorder for r and finishes it unless the handler deferred.
std::unique_ptr<ResponseRecorder> serve(const Handler& h, Request& r);

/// test_config is a ServerConfig for tests: 127.0.0.1:0, one loop, no log output.
ServerConfig test_config();

/// TestServer runs a real Server on 127.0.0.1 at an ephemeral port, serving on a background
/// thread from construction until destruction (Go: httptest.NewServer). Throws
/// std::system_error if it cannot listen.
class TestServer {
 public:
  /// TestServer starts serving handler at once; config.listen is normally left as
  /// test_config() sets it (127.0.0.1, port 0).
  explicit TestServer(Handler handler, ServerConfig config = test_config());
  ~TestServer();  ///< shutdown with a 2 s deadline, then joins
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  /// port is the ephemeral port the server listens on.
  [[nodiscard]] std::uint16_t port() const noexcept { return server_.port(); }
  /// url is "http://127.0.0.1:PORT".
  [[nodiscard]] std::string url() const;
  /// server gives access to the running Server (stats(), shutdown()).
  [[nodiscard]] Server& server() noexcept { return server_; }

 private:
  Server server_;
  std::thread thread_;
};

}  // namespace nethttp::testing
