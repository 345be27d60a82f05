// The per-loop open-file cache: hits share descriptors, revalidation notices changes,
// negative entries, LRU bound, and descriptors outliving eviction.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "fs/open_file_cache.hpp"
#include "nethttp/file_server.hpp"
#include "nethttp/testing.hpp"
#include "support/temp_dir.hpp"

namespace nethttp::detail {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class CacheTest : public ::testing::Test {
 protected:
  CacheTest() {
    write("a.txt", "AAAA");
    write("b.txt", "BBBB");
    write("c.txt", "CCCC");
    root_.reset(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  }
  void write(const std::string& name, std::string_view content) { std::ofstream(dir_ / name) << content; }
  static std::string read(const OpenedFile& f) {
    std::string out(64, '\0');
    ssize_t n = ::pread(f.fd->get(), out.data(), out.size(), 0);
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
  }

  test::TempDir tmp_{"nethttp-fso"};  // removed with everything in it
  fs::path dir_ = tmp_.path();
  UniqueFd root_;
  OpenFileCache::Clock::time_point t0 = OpenFileCache::Clock::now();
};

TEST_F(CacheTest, HitsShareTheDescriptor) {
  OpenFileCache cache(8, 1000ms);
  OpenedFile first = cache.get(root_.get(), "a.txt", t0);
  OpenedFile second = cache.get(root_.get(), "a.txt", t0 + 10ms);
  ASSERT_TRUE(first.is_regular());
  EXPECT_EQ(first.fd, second.fd);
  EXPECT_EQ(read(second), "AAAA");
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(CacheTest, RevalidationNoticesReplacementAfterTheInterval) {
  OpenFileCache cache(8, 100ms);
  OpenedFile before = cache.get(root_.get(), "a.txt", t0);
  // Replace by rename, as deploy tools do: a new inode under the same name.
  write("a.txt.new", "NEW CONTENT");
  fs::rename(dir_ / "a.txt.new", dir_ / "a.txt");
  // Within the interval the cached (old) file is trusted.
  EXPECT_EQ(cache.get(root_.get(), "a.txt", t0 + 50ms).fd, before.fd);
  OpenedFile after = cache.get(root_.get(), "a.txt", t0 + 150ms);
  EXPECT_NE(after.fd, before.fd);
  EXPECT_EQ(read(after), "NEW CONTENT");
  // The old descriptor still reads the old file, as an in-flight response would.
  EXPECT_EQ(read(before), "AAAA");
}

TEST_F(CacheTest, UnchangedFileKeepsItsDescriptorAfterRevalidation) {
  OpenFileCache cache(8, 0ms);  // check on every request
  OpenedFile first = cache.get(root_.get(), "b.txt", t0);
  EXPECT_EQ(cache.get(root_.get(), "b.txt", t0 + 1ms).fd, first.fd);
}

TEST_F(CacheTest, NegativeEntriesAndTheirRevalidation) {
  OpenFileCache cache(8, 100ms);
  OpenedFile missing = cache.get(root_.get(), "late.txt", t0);
  EXPECT_EQ(missing.error, ENOENT);
  EXPECT_EQ(cache.size(), 1u);
  write("late.txt", "LATE");
  EXPECT_EQ(cache.get(root_.get(), "late.txt", t0 + 50ms).error, ENOENT);  // trusted
  OpenedFile found = cache.get(root_.get(), "late.txt", t0 + 150ms);
  ASSERT_TRUE(found.is_regular());
  EXPECT_EQ(read(found), "LATE");
}

TEST_F(CacheTest, DeletedFileBecomesMissing) {
  OpenFileCache cache(8, 0ms);
  ASSERT_TRUE(cache.get(root_.get(), "c.txt", t0).is_regular());
  fs::remove(dir_ / "c.txt");
  EXPECT_EQ(cache.get(root_.get(), "c.txt", t0 + 1ms).error, ENOENT);
}

TEST_F(CacheTest, LeastRecentlyUsedIsEvictedAndItsDescriptorSurvives) {
  OpenFileCache cache(2, 1000ms);
  OpenedFile a = cache.get(root_.get(), "a.txt", t0);
  cache.get(root_.get(), "b.txt", t0);
  cache.get(root_.get(), "a.txt", t0);  // a is now the most recent
  cache.get(root_.get(), "c.txt", t0);  // evicts b
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.get(root_.get(), "a.txt", t0).fd, a.fd);
  OpenedFile b2 = cache.get(root_.get(), "b.txt", t0);  // reopened (and evicts c)
  EXPECT_EQ(read(b2), "BBBB");
  EXPECT_EQ(cache.size(), 2u);
  // A descriptor handed out before eviction stays open for its holder.
  OpenFileCache tiny(1, 1000ms);
  OpenedFile held = tiny.get(root_.get(), "a.txt", t0);
  tiny.get(root_.get(), "b.txt", t0);
  EXPECT_EQ(read(held), "AAAA");
}

TEST_F(CacheTest, EscapesAreNotServedFromTheCache) {
  fs::create_symlink("/etc/passwd", dir_ / "evil");
  OpenFileCache cache(8, 0ms);
  OpenedFile f = cache.get(root_.get(), "evil", t0);
  EXPECT_FALSE(f.ok());
  EXPECT_TRUE(f.error == EXDEV || f.error == ELOOP);
  EXPECT_FALSE(cache.get(root_.get(), "evil", t0 + 1ms).ok());  // revalidation reopens safely
}

TEST_F(CacheTest, InactiveEntriesExpire) {
  // nginx's open_file_cache inactive=: an entry nobody asked for within inactive is dropped
  // (its descriptor closed) at the next sweep, which any get() may run.
  OpenFileCache cache(8, 100ms, 300ms);
  std::weak_ptr<const UniqueFd> a = cache.get(root_.get(), "a.txt", t0).fd;
  cache.get(root_.get(), "b.txt", t0 + 200ms);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(a.expired());
  cache.get(root_.get(), "b.txt", t0 + 350ms);  // a unused for 350 ms
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(a.expired()) << "the inactive entry's descriptor is still open";
}

TEST_F(CacheTest, SweepDropsDeletedAndReplacedFilesNobodyAsksFor) {
  OpenFileCache cache(8, 100ms, 60s);
  std::weak_ptr<const UniqueFd> a = cache.get(root_.get(), "a.txt", t0).fd;
  std::weak_ptr<const UniqueFd> b = cache.get(root_.get(), "b.txt", t0).fd;
  std::weak_ptr<const UniqueFd> c = cache.get(root_.get(), "c.txt", t0).fd;
  fs::remove(dir_ / "a.txt");
  write("b.txt.new", "NEW");
  fs::rename(dir_ / "b.txt.new", dir_ / "b.txt");
  cache.get(root_.get(), "c.txt", t0 + 50ms);  // within valid: nothing is checked
  EXPECT_FALSE(a.expired());
  cache.get(root_.get(), "c.txt", t0 + 150ms);  // a sweep: a and b changed, c did not
  EXPECT_TRUE(a.expired()) << "a deleted file is still held open";
  EXPECT_TRUE(b.expired()) << "a replaced file is still held open";
  EXPECT_FALSE(c.expired());
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(read(cache.get(root_.get(), "b.txt", t0 + 160ms)), "NEW");
}

TEST_F(CacheTest, LoopCachesArePerThreadAndPerOwner) {
  auto owner1 = std::make_shared<int>(1);
  auto owner2 = std::make_shared<int>(2);
  OpenFileCache& c1 = loop_cache(owner1, 4, 1000ms);
  EXPECT_EQ(&loop_cache(owner1, 4, 1000ms), &c1);
  EXPECT_NE(&loop_cache(owner2, 4, 1000ms), &c1);
  OpenFileCache* other_thread = nullptr;
  std::thread([&] { other_thread = &loop_cache(owner1, 4, 1000ms); }).join();
  EXPECT_NE(other_thread, &c1);
}

TEST_F(CacheTest, HandlerPicksUpAChangedFile) {
  FileServerOptions o;
  o.open_file_cache_valid = 0ms;
  Handler h = file_server(dir_.string(), o);
  Request r("GET", "/a.txt");
  EXPECT_EQ(testing::serve(h, r)->body(), "AAAA");
  write("a.txt.new", "changed");
  fs::rename(dir_ / "a.txt.new", dir_ / "a.txt");
  EXPECT_EQ(testing::serve(h, r)->body(), "changed");
  fs::remove(dir_ / "a.txt");
  EXPECT_EQ(testing::serve(h, r)->code(), 404);
}

}  // namespace
}  // namespace nethttp::detail
