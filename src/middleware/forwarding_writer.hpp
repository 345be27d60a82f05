#pragma once
// ForwardingWriter: a ResponseWriter that passes every call to another one. Middleware that
// needs to change one behaviour (defer() for timeout_handler, the body for gzip) derives
// from it and overrides just that. It lives on the stack of one handler call, like the
// writer it wraps.

#include "nethttp/response_writer.hpp"

namespace nethttp::detail {

class ForwardingWriter : public ResponseWriter {
 public:
  explicit ForwardingWriter(ResponseWriter& inner) noexcept : inner_(inner) {}

  Headers& headers() override { return inner_.headers(); }
  void write_header(int status) override { inner_.write_header(status); }
  using ResponseWriter::write_header;
  bool write(std::string_view data) override { return inner_.write(data); }
  using ResponseWriter::write;
  bool flush() override { return inner_.flush(); }
  bool send_file(FileSlice slice) override { return inner_.send_file(std::move(slice)); }
  DeferredResponse defer() override { return inner_.defer(); }
  [[nodiscard]] int status() const noexcept override { return inner_.status(); }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept override { return inner_.bytes_written(); }
  void on_finish(std::function<void(const ResponseStats&)> fn) override { inner_.on_finish(std::move(fn)); }
  [[nodiscard]] std::size_t buffered_bytes() const noexcept override { return inner_.buffered_bytes(); }
  [[nodiscard]] bool congested() const noexcept override { return inner_.congested(); }
  void on_writable(std::function<void(ResponseWriter&)> fn) override { inner_.on_writable(std::move(fn)); }
  bool switch_protocols(std::shared_ptr<detail::Takeover> takeover) override {
    return inner_.switch_protocols(std::move(takeover));
  }

 protected:
  ResponseWriter& inner() noexcept { return inner_; }

 private:
  ResponseWriter& inner_;
};

}  // namespace nethttp::detail
