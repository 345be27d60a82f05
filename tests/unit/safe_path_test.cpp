// Path safety: request path cleaning, and opening beneath a root with openat2 and with the
// fallback walk, against a real temporary tree with symlinks that try to escape.

#include "fs/safe_path.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace nethttp::detail {
namespace {

namespace fs = std::filesystem;

TEST(CleanRequestPath, NormalPaths) {
  struct Case {
    std::string_view path, want;
  };
  for (const Case& c : {Case{"/", "."}, Case{"", "."}, Case{"/a", "a"}, Case{"/a/b.txt", "a/b.txt"}, Case{"/a/", "a"},
                        Case{"//a//b//", "a/b"}, Case{"/./a/./b", "a/b"}, Case{"/a b/ü.txt", "a b/ü.txt"},
                        Case{"/a..b/c...", "a..b/c..."}}) {
    SCOPED_TRACE(c.path);
    CleanPath got = clean_request_path(c.path, false, true);
    EXPECT_EQ(got.verdict, PathVerdict::ok);
    EXPECT_EQ(got.relative, c.want);
  }
}

TEST(CleanRequestPath, TraversalAndBackslashesAreBadRequests) {
  // What arrives after the core's percent-decoding: "%2e%2e" is "..", "%2f" is "/", "%5c" "\".
  using namespace std::string_view_literals;
  for (std::string_view p : {"/.."sv, "/../etc/passwd"sv, "/a/../../b"sv, "/a/.."sv, ".."sv, "/a/b/../c"sv,
                             "/..\\..\\x"sv, "/a\\b"sv, "\\"sv, "/.%2e/x/../y"sv, "/a\0b"sv}) {
    SCOPED_TRACE(p);
    CleanPath got = clean_request_path(p, false, true);
    EXPECT_EQ(got.verdict, PathVerdict::bad_request);
    EXPECT_TRUE(got.relative.empty());
  }
  // Even when dotfiles are allowed.
  EXPECT_EQ(clean_request_path("/a/../b", true, true).verdict, PathVerdict::bad_request);
  // ".." after a hidden segment is still a 400, not a 404.
  EXPECT_EQ(clean_request_path("/.git/../x", false, true).verdict, PathVerdict::bad_request);
}

TEST(CleanRequestPath, Dotfiles) {
  for (std::string_view p :
       {"/.env", "/.git/config", "/a/.hidden", "/a/.well-known/x", "/.well-known/.secret", "/...", "/.well-knownx"}) {
    SCOPED_TRACE(p);
    EXPECT_EQ(clean_request_path(p, false, true).verdict, PathVerdict::hidden);
  }
  EXPECT_EQ(clean_request_path("/.well-known/acme-challenge/t", false, true).relative, ".well-known/acme-challenge/t");
  EXPECT_EQ(clean_request_path("/.well-known/x", false, false).verdict, PathVerdict::hidden);
  CleanPath allowed = clean_request_path("/.git/config", true, false);
  EXPECT_EQ(allowed.verdict, PathVerdict::ok);
  EXPECT_EQ(allowed.relative, ".git/config");
}

// Tree is a temporary directory: base/root is the served root, base/outside.txt lies
// outside it, and symlinks inside root point in both directions.
class Tree {
 public:
  Tree() {
    fs::path root = base_ / "root";
    fs::create_directories(root / "sub" / "deeper");
    write(base_ / "outside.txt", "OUTSIDE");
    write(root / "a.txt", "A");
    write(root / "sub" / "b.txt", "B");
    write(root / "sub" / "deeper" / "c.txt", "C");
    fs::create_symlink("sub/b.txt", root / "link_in");
    fs::create_directory_symlink("sub", root / "link_dir");
    fs::create_symlink("../a.txt", root / "sub" / "link_parent");
    fs::create_symlink("deeper/../../a.txt", root / "sub" / "link_zigzag");
    fs::create_symlink("../outside.txt", root / "link_out");
    fs::create_symlink("../../outside.txt", root / "sub" / "link_out2");
    fs::create_symlink((base_ / "outside.txt").string(), root / "link_abs");
    fs::create_symlink("/etc/passwd", root / "link_passwd");
    fs::create_directory_symlink("..", root / "link_up");
    fs::create_directory_symlink(".", root / "link_self");
    fs::create_symlink("loop2", root / "loop1");
    fs::create_symlink("loop1", root / "loop2");
    fs::create_symlink("missing", root / "dangling");
    root_.reset(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_) throw std::runtime_error("open root failed");
  }
  [[nodiscard]] int root() const { return root_.get(); }

 private:
  static void write(const fs::path& p, std::string_view s) { std::ofstream(p, std::ios::binary) << s; }
  test::TempDir tmp_{"nethttp-safe"};  // removed with everything in it
  fs::path base_ = tmp_.path();
  UniqueFd root_;
};

std::string read_all(int fd) {
  std::string out(64, '\0');
  ssize_t n = ::pread(fd, out.data(), out.size(), 0);
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::vector<OpenMethod> methods() {
  std::vector<OpenMethod> m{OpenMethod::walk};
  if (openat2_supported()) m.push_back(OpenMethod::openat2);
  return m;
}

TEST(OpenBeneath, Openat2ProbeAgreesWithOpenat2Itself) {
  // Whatever this kernel has, the probe must say what forcing openat2 finds: a file opened
  // when it is supported, ENOSYS when it is not.
  Tree t;
  const bool supported = openat2_supported();
  std::fprintf(stderr, "openat2 supported: %s\n", supported ? "yes" : "no");
  OpenResult r = open_beneath(t.root(), "a.txt", open_file_flags(), OpenMethod::openat2);
  if (supported) {
    EXPECT_TRUE(r.fd) << "the probe said yes but openat2 failed: errno " << r.error;
  } else {
    EXPECT_FALSE(r.fd);
    EXPECT_EQ(r.error, ENOSYS) << "the probe said no but openat2 answered";
  }
}

TEST(OpenBeneath, FilesAndSymlinksInsideTheRoot) {
  Tree t;
  struct Case {
    std::string_view path, want;
  };
  for (OpenMethod m : methods()) {
    for (const Case& c :
         {Case{"a.txt", "A"}, Case{"sub/b.txt", "B"}, Case{"sub/deeper/c.txt", "C"}, Case{"link_in", "B"},
          Case{"link_dir/b.txt", "B"}, Case{"sub/link_parent", "A"}, Case{"sub/link_zigzag", "A"},
          Case{"link_self/a.txt", "A"}, Case{"link_self/link_dir/deeper/c.txt", "C"}, Case{"link_dir/../a.txt", "A"},
          Case{"sub/deeper/../b.txt", "B"}}) {
      SCOPED_TRACE(fmt::format("{} via {}", c.path, m == OpenMethod::walk ? "walk" : "openat2"));
      OpenResult r = open_beneath(t.root(), c.path, open_file_flags(), m);
      ASSERT_TRUE(r.fd) << "errno " << r.error;
      EXPECT_EQ(read_all(r.fd.get()), c.want);
    }
  }
}

TEST(OpenBeneath, TheRootAndDirectories) {
  Tree t;
  for (OpenMethod m : methods()) {
    for (std::string_view p : {".", "", "sub", "link_dir", "link_self", "sub/deeper/.."}) {
      SCOPED_TRACE(p);
      OpenResult r = open_beneath(t.root(), p, O_RDONLY | O_DIRECTORY, m);
      ASSERT_TRUE(r.fd) << "errno " << r.error;
      struct stat st {};
      ASSERT_EQ(::fstat(r.fd.get(), &st), 0);
      EXPECT_TRUE(S_ISDIR(st.st_mode));
    }
  }
}

TEST(OpenBeneath, EscapesAreRefused) {
  Tree t;
  for (OpenMethod m : methods()) {
    for (std::string_view p :
         {"link_out", "sub/link_out2", "link_abs", "link_passwd", "link_up/outside.txt", "link_up", "../outside.txt",
          "sub/../../outside.txt", "link_dir/../../outside.txt", "/etc/passwd"}) {
      SCOPED_TRACE(fmt::format("{} via {}", p, m == OpenMethod::walk ? "walk" : "openat2"));
      OpenResult r = open_beneath(t.root(), p, open_file_flags(), m);
      EXPECT_FALSE(r.fd);
      EXPECT_TRUE(r.error == EXDEV || r.error == ELOOP) << "errno " << r.error;
    }
  }
}

TEST(OpenBeneath, LoopsMissingAndNotADirectory) {
  Tree t;
  for (OpenMethod m : methods()) {
    SCOPED_TRACE(m == OpenMethod::walk ? "walk" : "openat2");
    EXPECT_EQ(open_beneath(t.root(), "loop1", open_file_flags(), m).error, ELOOP);
    EXPECT_EQ(open_beneath(t.root(), "nope", open_file_flags(), m).error, ENOENT);
    EXPECT_EQ(open_beneath(t.root(), "sub/nope/x", open_file_flags(), m).error, ENOENT);
    EXPECT_EQ(open_beneath(t.root(), "dangling", open_file_flags(), m).error, ENOENT);
    EXPECT_EQ(open_beneath(t.root(), "a.txt/x", open_file_flags(), m).error, ENOTDIR);
    EXPECT_EQ(open_beneath(t.root(), "a.txt", O_RDONLY | O_DIRECTORY, m).error, ENOTDIR);
  }
}

TEST(OpenBeneath, AutomaticUsesWhatTheKernelHas) {
  Tree t;
  OpenResult ok = open_beneath(t.root(), "link_in", open_file_flags());
  ASSERT_TRUE(ok.fd);
  EXPECT_EQ(read_all(ok.fd.get()), "B");
  EXPECT_FALSE(open_beneath(t.root(), "link_out", open_file_flags()).fd);
}

}  // namespace
}  // namespace nethttp::detail
