// OutputQueue::write_to for TLS connections: the queue's segments go through SSL_write.
// Pieces smaller than a record (a response header, a small body, the start of a file) are
// gathered into the loop's 64 KiB staging buffer, so they leave together; a large in-memory
// body is encrypted straight from its buffer. File ranges are read (pread) into the staging
// buffer 64 KiB at a time (four records a read, as nginx's 32 KiB output buffers make two),
// so a slow TLS download holds no memory of its own beyond OpenSSL's record buffer; when the
// kernel does TLS (kTLS) they are sent with SSL_sendfile instead.
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "http/output_queue.hpp"
#include "tls/tls_context.hpp"
#include "tls/tls_stream.hpp"

namespace nethttp::detail {

namespace {
constexpr std::size_t kFileSlice = 512 * 1024;   // per SSL_sendfile call, as for sendfile
constexpr std::size_t kMaxDirect = 256 * 1024;   // per SSL_write straight from a segment
constexpr std::size_t kRecordBytes = 16 * 1024;  // a full record's plaintext: worth sending uncopied
}  // namespace

OutputQueue::Result OutputQueue::write_to(TlsStream& tls, std::size_t budget, std::size_t& written) {
  written = 0;
  const std::span<char> stage = tls.loop().staging();
  const bool ktls = tls.ktls_send();
  // Bytes gathered into the staging buffer and not yet sent: always the queue's front. In
  // partial-write mode SSL_write sends one record per call, so a 64 KiB gather goes out
  // over several calls without being read again.
  std::span<const char> staged;
  while (!empty()) {
    if (written >= budget) return Result::yielded;
    Segment& front = segments_[head_];
    std::span<const char> out = staged;
    if (out.empty()) {
      if (front.file.file && ktls) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(front.file.length, kFileSlice));
        const ssize_t n = tls.send_file(front.file.file->get(), front.file.offset, want);
        if (n < 0) return errno == EAGAIN ? Result::blocked : Result::failed;
        front.file.offset += static_cast<std::uint64_t>(n);
        front.file.length -= static_cast<std::uint64_t>(n);
        written += static_cast<std::size_t>(n);
        if (front.file.length == 0) pop_front();
        continue;
      }
      if (!front.file.file && front.sent == front.bytes.size()) {  // an empty run
        pop_front();
        continue;
      }
      // What to hand SSL_write. After a -1/EAGAIN it must get the same first bytes again:
      // the queue only grows at its end, and this choice depends on its front alone, so it does.
      if (!front.file.file && front.bytes.size() - front.sent >= kRecordBytes) {
        out = std::span<const char>(front.bytes).subspan(front.sent);
        out = out.first(std::min(out.size(), kMaxDirect));
      } else {
        const std::size_t len = gather(stage, ktls);
        if (len == 0) return Result::failed;  // the file at the front is unreadable or truncated
        out = staged = std::span<const char>(stage.data(), len);
      }
    }
    const ssize_t n = tls.write(out.data(), out.size());
    if (n < 0) return errno == EAGAIN ? Result::blocked : Result::failed;
    const auto sent = static_cast<std::size_t>(n);
    written += sent;
    if (!staged.empty()) staged = staged.subspan(sent);
    consume_front(sent);
  }
  // Drained only when the stream has sent what it encrypted, too.
  switch (tls.flush()) {
    case TlsStream::Flush::done: return Result::drained;
    case TlsStream::Flush::blocked: return Result::blocked;
    case TlsStream::Flush::failed: return Result::failed;
  }
  return Result::failed;
}

std::size_t OutputQueue::gather(std::span<char> stage, bool ktls) {
  std::size_t len = 0;
  for (std::size_t i = head_; i < count_ && len < stage.size(); ++i) {
    Segment& s = segments_[i];
    const std::size_t room = stage.size() - len;
    if (s.file.file) {
      if (ktls) break;
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(s.file.length, room));
      ssize_t r;
      do {
        r = ::pread(s.file.file->get(), stage.data() + len, want, static_cast<off_t>(s.file.offset));
      } while (r < 0 && errno == EINTR);
      if (r <= 0) break;  // unreadable or truncated under us: fails when it is next, after what precedes it
      len += static_cast<std::size_t>(r);
      if (static_cast<std::size_t>(r) < want) break;
    } else {
      const std::size_t take = std::min(s.bytes.size() - s.sent, room);
      std::memcpy(stage.data() + len, s.bytes.data() + s.sent, take);
      len += take;
    }
  }
  return len;
}

void OutputQueue::consume_front(std::size_t n) {
  while (n > 0) {
    Segment& s = segments_[head_];
    if (s.file.file) {
      const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(s.file.length, n));
      s.file.offset += take;
      s.file.length -= take;
      n -= take;
      if (s.file.length == 0) pop_front();
    } else {
      const std::size_t take = std::min(s.bytes.size() - s.sent, n);
      s.sent += take;
      buffered_ -= take;
      n -= take;
      if (s.sent == s.bytes.size()) pop_front();
    }
  }
}

}  // namespace nethttp::detail
