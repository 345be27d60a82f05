#pragma once
// Deflater: RAII owner of a zlib deflate stream producing gzip, reused per thread.

#include <zlib.h>

#include <memory>
#include <string>
#include <string_view>

namespace nethttp::detail {

/// Deflater compresses into gzip format (RFC 1952). Setting one up allocates about 256 KiB
/// (window plus hash tables at the default memLevel), so finished streams are kept in a
/// small per-thread cache and reset instead of freed: see acquire()/release(). Not
/// thread-safe; a Deflater belongs to one response at a time.
class Deflater {
 public:
  /// Deflater initialises a gzip stream at level (-1..9). Throws std::bad_alloc when zlib
  /// cannot allocate, std::invalid_argument for a bad level.
  explicit Deflater(int level);
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  /// compress feeds in to the stream with flush (Z_NO_FLUSH, Z_SYNC_FLUSH or Z_FINISH) and
  /// appends the output to out.
  void compress(std::string_view in, int flush, std::string& out);
  /// reset starts a new gzip member, keeping the memory.
  void reset() noexcept;
  [[nodiscard]] int level() const noexcept { return level_; }

  /// acquire returns a reset Deflater for level, from this thread's cache when possible.
  static std::unique_ptr<Deflater> acquire(int level);
  /// release puts d back in this thread's cache (or frees it when the cache is full).
  static void release(std::unique_ptr<Deflater> d) noexcept;

 private:
  z_stream zs_{};
  int level_;
};

}  // namespace nethttp::detail
