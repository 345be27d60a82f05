#pragma once
// OutputQueue: a connection's pending output, in order: byte runs gathered into one writev,
// and file ranges sent with sendfile. Segment objects and their buffers are reused, so a
// warm queue allocates nothing.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/response_writer.hpp"

namespace nethttp::detail {

class TlsStream;

class OutputQueue {
 public:
  enum class Result {
    drained,  ///< everything was handed to the kernel
    blocked,  ///< the socket is full; wait for writability
    yielded,  ///< the budget ran out with the socket still writable
    failed,   ///< the peer is gone or the file shrank: close the connection
  };

  /// append copies bytes to the end of the queue.
  void append(std::string_view bytes);
  /// tail returns the buffer at the end of the queue, for serialising into it directly.
  std::string& tail();
  /// note_appended accounts for n bytes written into tail() directly.
  void note_appended(std::size_t n) noexcept { buffered_ += n; }
  /// append_file queues a file range.
  void append_file(FileSlice slice);
  [[nodiscard]] bool empty() const noexcept { return head_ == count_; }
  /// buffered_bytes counts queued bytes held in memory (not file ranges).
  [[nodiscard]] std::size_t buffered_bytes() const noexcept { return buffered_; }
  /// file_slices counts queued file ranges; each may hold a descriptor open.
  [[nodiscard]] std::size_t file_slices() const noexcept { return files_; }
  /// write_to sends as much as the socket takes, up to budget bytes; written reports how
  /// many went out.
  Result write_to(int fd, std::size_t budget, std::size_t& written);
  /// write_to, for a TLS connection (tls/tls_output.cpp): small pieces are coalesced and
  /// file ranges read through the loop's staging buffer (or sent with SSL_sendfile under
  /// kernel TLS).
  Result write_to(TlsStream& tls, std::size_t budget, std::size_t& written);
  /// clear drops everything (releasing file references) but keeps buffers.
  void clear() noexcept;
  /// shrink releases buffers that grew large, keeping the small ones for reuse.
  void shrink() noexcept;

 private:
  struct Segment {
    std::string bytes;     // used when file.file is null
    std::size_t sent = 0;  // bytes of `bytes` already written
    FileSlice file;        // remaining range, when non-null
  };
  Segment& push_segment();
  void pop_front() noexcept;
  /// gather copies the queue's front into stage (reading file ranges) until it is full or a
  /// file cannot be read; returns the bytes staged (tls/tls_output.cpp).
  std::size_t gather(std::span<char> stage, bool ktls);
  /// consume_front takes n sent bytes off the front.
  void consume_front(std::size_t n);

  std::vector<Segment> segments_;  // [head_, count_) are live
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::size_t buffered_ = 0;
  std::size_t files_ = 0;
};

}  // namespace nethttp::detail
