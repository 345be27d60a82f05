#pragma once
// TempDir: a scratch directory for tests that serve files, removed when the test ends.

#include <filesystem>
#include <string_view>

namespace nethttp::test {

/// TempDir creates a fresh directory under the system's temporary directory and removes it,
/// with everything in it, in its destructor, so a failing assertion leaves nothing behind.
/// The constructor throws std::runtime_error when it cannot create the directory.
class TempDir {
 public:
  /// prefix names the directory ("nethttp-fsw" makes /tmp/nethttp-fsw-XXXXXX).
  explicit TempDir(std::string_view prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  /// write creates or replaces path()/relative with content, creating missing parent
  /// directories, and returns the file's path.
  std::filesystem::path write(const std::filesystem::path& relative, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace nethttp::test
