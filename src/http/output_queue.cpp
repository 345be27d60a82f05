#include "http/output_queue.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

#include "http/send_file.hpp"

namespace nethttp::detail {

namespace {
constexpr std::size_t kMaxIov = 64;
constexpr std::size_t kFileSlice = 512 * 1024;  // per sendfile call, so one download can't hog a loop
}  // namespace

OutputQueue::Segment& OutputQueue::push_segment() {
  if (count_ == segments_.size() && head_ > 0) {
    // A stream that never quite drains (a producer refilling behind a slow client) must
    // reuse the segments already sent instead of growing the vector without end.
    std::rotate(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(head_),
                segments_.begin() + static_cast<std::ptrdiff_t>(count_));
    count_ -= head_;
    head_ = 0;
  }
  if (count_ == segments_.size()) segments_.emplace_back();
  Segment& s = segments_[count_++];
  s.bytes.clear();
  s.sent = 0;
  s.file = {};
  return s;
}

void OutputQueue::append(std::string_view bytes) {
  if (bytes.empty()) return;
  tail().append(bytes);
  buffered_ += bytes.size();
}

std::string& OutputQueue::tail() {
  // Append to the last byte run unless part of it is already sent: a run that keeps growing
  // while it is written would never be released, however little of it is left unsent.
  if (count_ > head_ && !segments_[count_ - 1].file.file && segments_[count_ - 1].sent == 0) {
    return segments_[count_ - 1].bytes;
  }
  return push_segment().bytes;
}

void OutputQueue::append_file(FileSlice slice) {
  if (slice.length == 0) return;
  push_segment().file = std::move(slice);
  ++files_;
}

void OutputQueue::pop_front() noexcept {
  Segment& s = segments_[head_];
  if (s.file.file) {
    s.file = {};
    --files_;
  }
  ++head_;
  if (head_ == count_) head_ = count_ = 0;
}

void OutputQueue::clear() noexcept {
  for (std::size_t i = head_; i < count_; ++i) segments_[i].file = {};
  head_ = count_ = 0;
  buffered_ = 0;
  files_ = 0;
}

void OutputQueue::shrink() noexcept {
  if (!empty()) return;
  // Keep the usual small buffers warm (pooled exchanges then allocate nothing per
  // response); give back only what one large response left behind.
  constexpr std::size_t kKeepBytes = 64 * 1024;
  constexpr std::size_t kKeepSegments = 8;
  if (segments_.size() > kKeepSegments) segments_.resize(kKeepSegments);
  for (Segment& s : segments_) {
    if (s.bytes.capacity() > kKeepBytes) std::string().swap(s.bytes);
  }
}

OutputQueue::Result OutputQueue::write_to(int fd, std::size_t budget, std::size_t& written) {
  written = 0;
  while (!empty()) {
    if (written >= budget) return Result::yielded;
    Segment& front = segments_[head_];
    if (front.file.file) {
      auto want = static_cast<std::size_t>(std::min<std::uint64_t>(front.file.length, kFileSlice));
      std::size_t sent = 0;
      SendFileStatus st = send_file_range(fd, front.file.file->get(), front.file.offset, want, sent);
      front.file.offset += sent;
      front.file.length -= sent;
      written += sent;
      if (front.file.length == 0) pop_front();
      if (st == SendFileStatus::would_block) return Result::blocked;
      if (st != SendFileStatus::ok) return Result::failed;
      continue;
    }
    // Gather consecutive byte segments into one writev.
    iovec iov[kMaxIov];
    std::size_t n = 0, total = 0;
    std::size_t i = head_;
    for (; i < count_ && n < kMaxIov; ++i) {
      Segment& s = segments_[i];
      if (s.file.file) break;
      iov[n].iov_base = s.bytes.data() + s.sent;
      iov[n].iov_len = s.bytes.size() - s.sent;
      total += iov[n].iov_len;
      ++n;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = n;
    // writev, without SIGPIPE when the peer is gone. When a file range comes next (a
    // response header before its sendfile body), ask the kernel to hold a partial segment
    // so the header and the start of the body leave in one packet; sendfile's last chunk
    // pushes it out.
    int flags = MSG_NOSIGNAL;
#ifdef MSG_MORE
    if (i < count_ && segments_[i].file.file) flags |= MSG_MORE;
#endif
    ssize_t rc;
    do {
      rc = ::sendmsg(fd, &msg, flags);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return errno == EAGAIN ? Result::blocked : Result::failed;
    auto left = static_cast<std::size_t>(rc);
    written += left;
    buffered_ -= left;
    while (left > 0) {
      Segment& s = segments_[head_];
      std::size_t avail = s.bytes.size() - s.sent;
      if (left < avail) {
        s.sent += left;
        left = 0;
      } else {
        left -= avail;
        pop_front();
      }
    }
    if (static_cast<std::size_t>(rc) < total) return Result::blocked;
  }
  return Result::drained;
}

}  // namespace nethttp::detail
