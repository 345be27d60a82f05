#include "workers/buffering_writer.hpp"

#include <stdexcept>

namespace nethttp::detail {

void BufferedResponse::replay(ResponseWriter& w) {
  w.headers() = std::move(headers);
  if (status != 0) w.write_header(status);
  for (Segment& s : body) {
    bool ok = s.is_file ? w.send_file(std::move(s.file)) : w.write(s.data);
    if (!ok) break;  // client gone (or a bodyless status): the rest would be dropped too
  }
  for (auto& fn : on_finish) w.on_finish(std::move(fn));
}

void BufferingWriter::write_header(int status) {
  if (out_.status == 0) out_.status = status;
}

bool BufferingWriter::write(std::string_view data) {
  if (out_.status == 0) out_.status = 200;
  if (data.empty()) return true;
  if (out_.body.empty() || out_.body.back().is_file) out_.body.emplace_back();
  out_.body.back().data.append(data);
  bytes_ += data.size();
  return true;
}

bool BufferingWriter::flush() {
  if (out_.status == 0) out_.status = 200;
  return true;
}

bool BufferingWriter::send_file(FileSlice slice) {
  if (out_.status == 0) out_.status = 200;
  if (!slice.file || !slice.file->valid()) return false;
  bytes_ += slice.length;
  BufferedResponse::Segment s;
  s.file = std::move(slice);
  s.is_file = true;
  out_.body.push_back(std::move(s));
  return true;
}

DeferredResponse BufferingWriter::defer() {
  throw std::logic_error("defer() is not supported in a handler run by offload()");
}

void BufferingWriter::on_finish(std::function<void(const ResponseStats&)> fn) {
  out_.on_finish.push_back(std::move(fn));
}

}  // namespace nethttp::detail
