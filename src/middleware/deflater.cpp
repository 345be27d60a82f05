#include "middleware/deflater.hpp"

#include <new>
#include <stdexcept>
#include <vector>

namespace nethttp::detail {

namespace {
// windowBits 15 plus 16 asks zlib for a gzip header and trailer instead of zlib's own.
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kMemLevel = 8;
// A couple of idle streams per thread covers a loop's concurrent compressed responses in
// the common case without holding much memory.
constexpr std::size_t kCachePerThread = 2;

thread_local std::vector<std::unique_ptr<Deflater>> cache;
}  // namespace

Deflater::Deflater(int level) : level_(level) {
  int rc = deflateInit2(&zs_, level, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY);
  if (rc == Z_MEM_ERROR) throw std::bad_alloc();
  if (rc != Z_OK) throw std::invalid_argument("gzip: cannot initialise zlib at this level");
}

Deflater::~Deflater() { deflateEnd(&zs_); }

void Deflater::compress(std::string_view in, int flush, std::string& out) {
  zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));  // zlib never writes input
  zs_.avail_in = static_cast<uInt>(in.size());
  // Loop until zlib has taken all input and, for a flush, emitted everything: it signals
  // that by leaving output space unused.
  for (;;) {
    std::size_t old = out.size();
    std::size_t room = std::max<std::size_t>(in.size() / 2 + 64, 16 * 1024);
    out.resize(old + room);
    zs_.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    zs_.avail_out = static_cast<uInt>(room);
    int rc = deflate(&zs_, flush);
    out.resize(old + (room - zs_.avail_out));
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("gzip: deflate failed");
    if (zs_.avail_in == 0 && zs_.avail_out != 0) break;
  }
}

void Deflater::reset() noexcept { deflateReset(&zs_); }

std::unique_ptr<Deflater> Deflater::acquire(int level) {
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if ((*it)->level() == level) {
      std::unique_ptr<Deflater> d = std::move(*it);
      cache.erase(it);
      return d;
    }
  }
  return std::make_unique<Deflater>(level);
}

void Deflater::release(std::unique_ptr<Deflater> d) noexcept {
  if (!d) return;
  d->reset();
  if (cache.size() < kCachePerThread) {
    try {
      cache.push_back(std::move(d));
    } catch (...) {  // out of memory: just free it
    }
  }
}

}  // namespace nethttp::detail
