// file_server() at the handler level (ResponseRecorder, no sockets): path safety, redirects,
// index files, dotfiles, error statuses, headers, conditionals and ranges on real files.

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <system_error>
#include <utility>

#include "nethttp/file_server.hpp"
#include "nethttp/testing.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

namespace fs = std::filesystem;
using Hdrs = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Site is a temporary document root (base/root) with a file outside it (base/outside.txt).
class Site {
 public:
  Site() {
    fs::create_directories(root());
    write("../outside.txt", "OUTSIDE");
    write("index.html", "<h1>home</h1>\n");
    write("hello.txt", "hello, world\n");
    write("noext", "raw bytes");
    write("docs/index.html", "<h1>docs</h1>\n");
    write("docs/page.html", "<p>page</p>\n");
    write("a b/c d.txt", "spaced\n");
    fs::create_directories(root() / "empty");
    write(".env", "SECRET=1\n");
    write(".git/config", "[core]\n");
    write(".well-known/security.txt", "Contact: mailto:x@example.com\n");
    write("sub/.hidden", "hidden\n");
    fs::create_symlink("../outside.txt", root() / "link_out");
    fs::create_symlink("/etc/passwd", root() / "link_abs");
    fs::create_symlink("hello.txt", root() / "link_in");
    fs::create_directory_symlink("docs", root() / "link_docs");
    if (::mkfifo((root() / "fifo").c_str(), 0644) != 0) throw std::runtime_error("mkfifo failed");
    write("noperm.txt", "nope\n");
    fs::permissions(root() / "noperm.txt", fs::perms::none);
  }
  [[nodiscard]] fs::path root() const { return base_ / "root"; }
  void write(const std::string& rel, std::string_view content) const {
    fs::path p = root() / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }

 private:
  test::TempDir tmp_{"nethttp-fsh"};  // removed with everything in it
  fs::path base_ = tmp_.path();
};

std::unique_ptr<testing::ResponseRecorder> request(const Handler& h, std::string_view method, std::string_view target,
                                                   Hdrs headers = {}) {
  Request r(method, target);
  for (auto& [n, v] : headers) r.headers().add(n, v);
  return testing::serve(h, r);
}

std::unique_ptr<testing::ResponseRecorder> get(const Handler& h, std::string_view target, Hdrs headers = {}) {
  return request(h, "GET", target, headers);
}

std::string header(const testing::ResponseRecorder& rec, std::string_view name) {
  return std::string(rec.header_map().get(name));
}

class FileServerHandler : public ::testing::Test {
 protected:
  Site site;
  Handler h = file_server(site.root().string());
};

TEST_F(FileServerHandler, ServesAFileWithItsHeaders) {
  auto rec = get(h, "/hello.txt");
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(rec->body(), "hello, world\n");
  EXPECT_EQ(header(*rec, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(header(*rec, "Content-Length"), "13");
  EXPECT_EQ(header(*rec, "Accept-Ranges"), "bytes");
  EXPECT_EQ(header(*rec, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(*rec, "Vary"), "Accept-Encoding");  // text is compressible
  EXPECT_TRUE(header(*rec, "Cache-Control").empty());
  std::string etag = header(*rec, "ETag");
  EXPECT_TRUE(etag.size() > 2 && etag.front() == '"' && etag.back() == '"') << etag;
  EXPECT_FALSE(etag.starts_with("W/"));
  EXPECT_EQ(header(*rec, "Last-Modified").size(), 29u);
  EXPECT_TRUE(header(*rec, "Last-Modified").ends_with(" GMT"));
}

TEST_F(FileServerHandler, UnknownExtensionIsOctetStream) {
  auto rec = get(h, "/noext");
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(header(*rec, "Content-Type"), "application/octet-stream");
  EXPECT_TRUE(header(*rec, "Vary").empty());
}

TEST_F(FileServerHandler, HeadSendsHeadersOnly) {
  auto rec = request(h, "HEAD", "/hello.txt");
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(header(*rec, "Content-Length"), "13");
  EXPECT_EQ(rec->body(), "");
}

TEST_F(FileServerHandler, OtherMethodsAre405) {
  for (std::string_view m : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    SCOPED_TRACE(m);
    auto rec = request(h, m, "/hello.txt");
    EXPECT_EQ(rec->code(), 405);
    EXPECT_EQ(header(*rec, "Allow"), "GET, HEAD");
  }
}

TEST_F(FileServerHandler, IndexFileAndDirectoryRedirects) {
  auto root = get(h, "/");
  EXPECT_EQ(root->code(), 200);
  EXPECT_EQ(root->body(), "<h1>home</h1>\n");
  EXPECT_EQ(header(*root, "Content-Type"), "text/html; charset=utf-8");

  auto docs = get(h, "/docs/");
  EXPECT_EQ(docs->code(), 200);
  EXPECT_EQ(docs->body(), "<h1>docs</h1>\n");

  auto no_slash = get(h, "/docs?x=1&y=2");
  EXPECT_EQ(no_slash->code(), 301);
  EXPECT_EQ(header(*no_slash, "Location"), "./docs/?x=1&y=2");

  auto index_by_name = get(h, "/docs/index.html?q");
  EXPECT_EQ(index_by_name->code(), 301);
  EXPECT_EQ(header(*index_by_name, "Location"), "./?q");

  auto file_slash = get(h, "/hello.txt/");
  EXPECT_EQ(file_slash->code(), 301);
  EXPECT_EQ(header(*file_slash, "Location"), "../hello.txt");

  auto spaced = get(h, "/a%20b");
  EXPECT_EQ(spaced->code(), 301);
  EXPECT_EQ(header(*spaced, "Location"), "./a%20b/");
}

TEST_F(FileServerHandler, DirectoryWithoutIndexIs404UnlessListed) {
  EXPECT_EQ(get(h, "/empty/")->code(), 404);
  EXPECT_EQ(get(h, "/a%20b/")->code(), 404);
  FileServerOptions o;
  o.list_directories = true;
  Handler listing = file_server(site.root().string(), o);
  auto rec = get(listing, "/a%20b/");
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(header(*rec, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(rec->body().find("<a href=\"./c%20d.txt\">c d.txt</a>"), std::string::npos) << rec->body();
}

TEST_F(FileServerHandler, TraversalIsRefused) {
  // Paths as the core hands them over, already percent-decoded.
  for (std::string_view target :
       {"/../outside.txt", "/%2e%2e/outside.txt", "/..%2foutside.txt", "/docs/../../outside.txt",
        "/docs/%2e%2e/%2e%2e/outside.txt", "/..%5coutside.txt", "/docs%5c..%5c..%5coutside.txt"}) {
    SCOPED_TRACE(target);
    auto rec = get(h, target);
    EXPECT_EQ(rec->code(), 400);
    EXPECT_EQ(rec->body().find("OUTSIDE"), std::string::npos);
  }
  // Double slashes are collapsed, never read as a root.
  auto dbl = get(h, "//hello.txt");
  EXPECT_EQ(dbl->code(), 200);
  EXPECT_EQ(dbl->body(), "hello, world\n");
}

TEST_F(FileServerHandler, SymlinksInsideServedOutsideRefused) {
  auto in = get(h, "/link_in");
  EXPECT_EQ(in->code(), 200);
  EXPECT_EQ(in->body(), "hello, world\n");
  auto dir = get(h, "/link_docs/page.html");
  EXPECT_EQ(dir->code(), 200);
  EXPECT_EQ(dir->body(), "<p>page</p>\n");
  for (std::string_view target : {"/link_out", "/link_abs"}) {
    SCOPED_TRACE(target);
    auto rec = get(h, target);
    EXPECT_EQ(rec->code(), 404);
    EXPECT_EQ(rec->body(), "404 page not found\n");
  }
}

TEST_F(FileServerHandler, DotfilesHiddenByDefault) {
  for (std::string_view target : {"/.env", "/.git/config", "/.git/", "/sub/.hidden", "/.nonexistent"}) {
    SCOPED_TRACE(target);
    EXPECT_EQ(get(h, target)->code(), 404);
  }
  auto wk = get(h, "/.well-known/security.txt");
  EXPECT_EQ(wk->code(), 200);
  EXPECT_EQ(wk->body(), "Contact: mailto:x@example.com\n");

  FileServerOptions o;
  o.allow_dotfiles = true;
  Handler open = file_server(site.root().string(), o);
  auto env = get(open, "/.env");
  EXPECT_EQ(env->code(), 200);
  EXPECT_EQ(env->body(), "SECRET=1\n");

  FileServerOptions strict;
  strict.allow_well_known = false;
  EXPECT_EQ(get(file_server(site.root().string(), strict), "/.well-known/security.txt")->code(), 404);
}

TEST_F(FileServerHandler, MissingAndNonRegularFilesAre404) {
  EXPECT_EQ(get(h, "/nope.txt")->code(), 404);
  EXPECT_EQ(get(h, "/hello.txt/child")->code(), 404);  // ENOTDIR
  EXPECT_EQ(get(h, "/fifo")->code(), 404);             // opened non-blocking, refused after fstat
  EXPECT_EQ(get(h, "/nope/deeper/x.css")->code(), 404);
}

// served_status serves target as an unprivileged user when running as root, since root
// reads mode-000 files regardless; the child writes the status back through a pipe.
int served_status(const Handler& h, std::string_view target) {
  if (::geteuid() != 0) return get(h, target)->code();
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  pid_t pid = ::fork();
  if (pid == 0) {
    int code = -1;
    if (::setgid(65534) == 0 && ::setuid(65534) == 0) code = get(h, target)->code();
    ssize_t n = ::write(write_end.get(), &code, sizeof code);
    ::_exit(n == sizeof code ? 0 : 1);
  }
  write_end.reset();
  int code = -1;
  if (::read(read_end.get(), &code, sizeof code) != sizeof code) code = -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return code;
}

TEST_F(FileServerHandler, PermissionDeniedIs403) {
  FileServerOptions o;
  o.open_file_cache_entries = 0;
  Handler uncached = file_server(site.root().string(), o);
  EXPECT_EQ(served_status(uncached, "/noperm.txt"), 403);
  EXPECT_EQ(served_status(uncached, "/hello.txt"), 200);
}

TEST_F(FileServerHandler, RootThatIsAFileThrows) {
  EXPECT_THROW(file_server((site.root() / "hello.txt").string()), std::system_error);
  try {
    file_server((site.root() / "hello.txt").string());
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOTDIR);
  }
}

// A missing root is Go's behaviour, not a crash: one warning naming the directory, 404s,
// and the files once the directory is created.
TEST_F(FileServerHandler, MissingRootWarnsServes404ThenPicksUpTheDirectory) {
  fs::path later = site.root() / "public";
  ::testing::internal::CaptureStderr();
  Handler missing_root = file_server(later.string());
  std::string warning = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(warning.find("\"" + later.string() + "\" does not exist"), std::string::npos) << warning;
  EXPECT_NE(warning.find("mkdir -p " + later.string()), std::string::npos) << warning;

  ::testing::internal::CaptureStderr();
  EXPECT_EQ(get(missing_root, "/")->code(), 404);
  EXPECT_EQ(get(missing_root, "/hello.txt")->body(), "404 page not found\n");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");  // warned once, not per request

  site.write("public/hello.txt", "late\n");
  auto rec = get(missing_root, "/hello.txt");
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(rec->body(), "late\n");
  EXPECT_EQ(get(missing_root, "/missing.txt")->code(), 404);
}

TEST_F(FileServerHandler, RequireRootThrowsForAMissingRoot) {
  FileServerOptions o;
  o.require_root = true;
  try {
    file_server((site.root() / "missing").string(), o);
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
}

TEST_F(FileServerHandler, CacheControlOption) {
  FileServerOptions o;
  o.cache_control = "public, max-age=60";
  Handler cc = file_server(site.root().string(), o);
  auto rec = get(cc, "/hello.txt");
  EXPECT_EQ(header(*rec, "Cache-Control"), "public, max-age=60");
  std::string etag = header(*rec, "ETag");
  auto nm = get(cc, "/hello.txt", {{"If-None-Match", etag}});
  EXPECT_EQ(nm->code(), 304);
  EXPECT_EQ(header(*nm, "Cache-Control"), "public, max-age=60");
  auto missing = get(cc, "/missing");
  EXPECT_EQ(missing->code(), 404);
  EXPECT_TRUE(header(*missing, "Cache-Control").empty());
}

TEST_F(FileServerHandler, ConditionalRequests) {
  auto first = get(h, "/hello.txt");
  std::string etag = header(*first, "ETag");
  std::string modified = header(*first, "Last-Modified");

  auto inm = get(h, "/hello.txt", {{"If-None-Match", etag}});
  EXPECT_EQ(inm->code(), 304);
  EXPECT_EQ(inm->body(), "");
  EXPECT_EQ(header(*inm, "ETag"), etag);
  EXPECT_EQ(header(*inm, "Last-Modified"), modified);
  EXPECT_EQ(header(*inm, "Vary"), "Accept-Encoding");
  EXPECT_TRUE(header(*inm, "Content-Type").empty());
  EXPECT_TRUE(header(*inm, "Content-Length").empty());

  EXPECT_EQ(get(h, "/hello.txt", {{"If-None-Match", "\"nope\", " + etag}})->code(), 304);
  EXPECT_EQ(get(h, "/hello.txt", {{"If-None-Match", "W/" + etag}})->code(), 304);
  EXPECT_EQ(get(h, "/hello.txt", {{"If-None-Match", "*"}})->code(), 304);
  EXPECT_EQ(get(h, "/hello.txt", {{"If-None-Match", "\"nope\""}})->code(), 200);
  EXPECT_EQ(get(h, "/hello.txt", {{"If-Modified-Since", modified}})->code(), 304);
  EXPECT_EQ(get(h, "/hello.txt", {{"If-Modified-Since", "Thu, 01 Jan 1970 00:00:01 GMT"}})->code(), 200);
  EXPECT_EQ(get(h, "/hello.txt", {{"If-Match", etag}})->code(), 200);
  auto im = get(h, "/hello.txt", {{"If-Match", "\"nope\""}});
  EXPECT_EQ(im->code(), 412);
  EXPECT_EQ(get(h, "/hello.txt", {{"If-Match", "W/" + etag}})->code(), 412);
  EXPECT_EQ(get(h, "/hello.txt", {{"If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:01 GMT"}})->code(), 412);
  EXPECT_EQ(get(h, "/hello.txt", {{"If-Unmodified-Since", modified}})->code(), 200);
  auto head304 = request(h, "HEAD", "/hello.txt", {{"If-None-Match", etag}});
  EXPECT_EQ(head304->code(), 304);
}

TEST_F(FileServerHandler, ETagChangesWhenTheFileChanges) {
  FileServerOptions o;
  o.open_file_cache_valid = std::chrono::milliseconds(0);
  Handler fresh = file_server(site.root().string(), o);
  std::string before = header(*get(fresh, "/hello.txt"), "ETag");
  site.write("hello.txt", "hello, world, longer now\n");
  auto after = get(fresh, "/hello.txt", {{"If-None-Match", before}});
  EXPECT_EQ(after->code(), 200);
  EXPECT_EQ(after->body(), "hello, world, longer now\n");
  EXPECT_NE(header(*after, "ETag"), before);
}

TEST_F(FileServerHandler, Ranges) {
  auto one = get(h, "/hello.txt", {{"Range", "bytes=0-4"}});
  EXPECT_EQ(one->code(), 206);
  EXPECT_EQ(one->body(), "hello");
  EXPECT_EQ(header(*one, "Content-Range"), "bytes 0-4/13");
  EXPECT_EQ(header(*one, "Content-Length"), "5");
  EXPECT_EQ(header(*one, "Content-Type"), "text/plain; charset=utf-8");

  auto suffix = get(h, "/hello.txt", {{"Range", "bytes=-6"}});
  EXPECT_EQ(suffix->code(), 206);
  EXPECT_EQ(suffix->body(), "world\n");
  auto open = get(h, "/hello.txt", {{"Range", "bytes=7-"}});
  EXPECT_EQ(open->body(), "world\n");
  EXPECT_EQ(header(*open, "Content-Range"), "bytes 7-12/13");

  auto bad = get(h, "/hello.txt", {{"Range", "bytes=13-"}});
  EXPECT_EQ(bad->code(), 416);
  EXPECT_EQ(header(*bad, "Content-Range"), "bytes */13");

  auto invalid = get(h, "/hello.txt", {{"Range", "bytes=5-1"}});
  EXPECT_EQ(invalid->code(), 200);
  EXPECT_EQ(invalid->body(), "hello, world\n");

  auto abusive = get(h, "/hello.txt", {{"Range", "bytes=0-,0-,0-"}});
  EXPECT_EQ(abusive->code(), 200);
  EXPECT_EQ(abusive->body(), "hello, world\n");

  auto head = request(h, "HEAD", "/hello.txt", {{"Range", "bytes=0-4"}});
  EXPECT_EQ(head->code(), 206);
  EXPECT_EQ(header(*head, "Content-Length"), "5");
  EXPECT_EQ(head->body(), "");
}

TEST_F(FileServerHandler, IfRange) {
  std::string etag = header(*get(h, "/hello.txt"), "ETag");
  std::string modified = header(*get(h, "/hello.txt"), "Last-Modified");
  auto fresh = get(h, "/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", etag}});
  EXPECT_EQ(fresh->code(), 206);
  EXPECT_EQ(fresh->body(), "hello");
  auto by_date = get(h, "/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", modified}});
  EXPECT_EQ(by_date->code(), 206);
  auto stale = get(h, "/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", "\"stale\""}});
  EXPECT_EQ(stale->code(), 200);
  EXPECT_EQ(stale->body(), "hello, world\n");
  auto stale_date = get(h, "/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", "Thu, 01 Jan 1970 00:00:01 GMT"}});
  EXPECT_EQ(stale_date->code(), 200);
  // A stale If-Range also turns an unsatisfiable range into the full 200.
  EXPECT_EQ(get(h, "/hello.txt", {{"Range", "bytes=99-"}, {"If-Range", "\"stale\""}})->code(), 200);
}

TEST_F(FileServerHandler, SpaFallback) {
  EXPECT_EQ(get(h, "/app/settings")->code(), 404);
  FileServerOptions o;
  o.spa_fallback = true;
  Handler spa = file_server(site.root().string(), o);
  for (std::string_view target : {"/app/settings", "/app/settings/", "/deep/link/here"}) {
    SCOPED_TRACE(target);
    auto rec = get(spa, target);
    EXPECT_EQ(rec->code(), 200);
    EXPECT_EQ(rec->body(), "<h1>home</h1>\n");
    EXPECT_EQ(header(*rec, "Content-Type"), "text/html; charset=utf-8");
  }
  EXPECT_EQ(get(spa, "/missing.js")->code(), 404);  // has an extension
  EXPECT_EQ(get(spa, "/.secret")->code(), 404);     // dotfiles stay hidden
  EXPECT_EQ(get(spa, "/link_out")->code(), 404);    // a refused escape is not "missing"
  EXPECT_EQ(get(spa, "/hello.txt")->body(), "hello, world\n");
}

TEST_F(FileServerHandler, CustomIndexFile) {
  site.write("docs/default.htm", "<p>default</p>\n");
  FileServerOptions o;
  o.index_file = "default.htm";
  Handler custom = file_server(site.root().string(), o);
  EXPECT_EQ(get(custom, "/docs/")->body(), "<p>default</p>\n");
  EXPECT_EQ(get(custom, "/docs/index.html")->code(), 200);  // no longer the index: served as is
  EXPECT_EQ(get(custom, "/docs/default.htm")->code(), 301);
}

TEST_F(FileServerHandler, PathWithoutLeadingSlashAsAfterStripPrefix) {
  Request r("GET", "/static/hello.txt");
  r.set_path("hello.txt", "hello.txt");
  auto rec = testing::serve(h, r);
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(rec->body(), "hello, world\n");
  r.set_path("", "");
  EXPECT_EQ(testing::serve(h, r)->body(), "<h1>home</h1>\n");
}

}  // namespace
}  // namespace nethttp
