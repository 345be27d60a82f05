// Directory listings: escaping, sorting, hidden names, symlinks, and the handler's use.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "fs/dir_listing.hpp"
#include "nethttp/file_server.hpp"
#include "nethttp/testing.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

namespace fs = std::filesystem;

TEST(DirListing, EscapePathSegment) {
  EXPECT_EQ(detail::escape_path_segment("a b"), "a%20b");
  EXPECT_EQ(detail::escape_path_segment("x?y#z%"), "x%3Fy%23z%25");
  EXPECT_EQ(detail::escape_path_segment("javascript:alert(1)"), "javascript%3Aalert%281%29");
  EXPECT_EQ(detail::escape_path_segment("\"><script>"), "%22%3E%3Cscript%3E");
  EXPECT_EQ(detail::escape_path_segment("ü"), "%C3%BC");
  EXPECT_EQ(detail::escape_path_segment("A-Z_a.z~0"), "A-Z_a.z~0");
}

class Listing : public ::testing::Test {
 protected:
  Listing() {
    fs::path d = base_ / "root" / "files";
    fs::create_directories(d / "subdir");
    for (std::string name :
         {"b.txt", "a.txt", "<img src=x onerror=alert(1)>.html", "x y&z.txt", ".secret", "javascript:alert(1)"}) {
      std::ofstream(d / name) << "x";
    }
    fs::create_symlink("../../outside", d / "escape_link");
    fs::create_directories(base_ / "outside");
  }
  test::TempDir tmp_{"nethttp-fsl"};  // removed with everything in it
  fs::path base_ = tmp_.path();
};

TEST_F(Listing, ReadDirectorySortsHidesAndNeverFollowsLinks) {
  UniqueFd fd(::open((base_ / "root" / "files").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  detail::DirectoryContents c = detail::read_directory(std::move(fd), false);
  ASSERT_EQ(c.error, 0);
  std::vector<std::string> names;
  for (auto& e : c.entries) names.push_back(e.name + (e.is_dir ? "/" : ""));
  EXPECT_EQ(names, (std::vector<std::string>{"<img src=x onerror=alert(1)>.html", "a.txt", "b.txt", "escape_link",
                                             "javascript:alert(1)", "subdir/", "x y&z.txt"}));
  UniqueFd fd2(::open((base_ / "root" / "files").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  detail::DirectoryContents all = detail::read_directory(std::move(fd2), true);
  EXPECT_EQ(all.entries.size(), 8u);
}

TEST_F(Listing, ReadDirectoryFailsOnAFile) {
  std::ofstream(base_ / "plain") << "x";
  UniqueFd fd(::open((base_ / "plain").c_str(), O_RDONLY | O_CLOEXEC));
  detail::DirectoryContents c = detail::read_directory(std::move(fd), false);
  EXPECT_EQ(c.error, ENOTDIR);
}

TEST_F(Listing, HandlerRendersEscapedSortedLinks) {
  FileServerOptions o;
  o.list_directories = true;
  Handler h = file_server((base_ / "root").string(), o);
  Request r("GET", "/files/");
  auto rec = testing::serve(h, r);
  ASSERT_EQ(rec->code(), 200);
  std::string body = rec->body();
  EXPECT_EQ(rec->header_map().get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(body.find("<title>Index of /files/</title>"), std::string::npos);
  EXPECT_EQ(body.find("<img"), std::string::npos) << body;
  EXPECT_NE(body.find("<a href=\"./%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.html\">"
                      "&lt;img src=x onerror=alert(1)&gt;.html</a>"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("<a href=\"./x%20y%26z.txt\">x y&amp;z.txt</a>"), std::string::npos);
  EXPECT_NE(body.find("<a href=\"./javascript%3Aalert%281%29\">"), std::string::npos);
  EXPECT_NE(body.find("<a href=\"./subdir/\">subdir/</a>"), std::string::npos);
  EXPECT_EQ(body.find(".secret"), std::string::npos);
  EXPECT_LT(body.find("a.txt"), body.find("b.txt"));
  // The listed escape link itself still does not lead out.
  Request out("GET", "/files/escape_link/");
  EXPECT_EQ(testing::serve(h, out)->code(), 404);
}

TEST_F(Listing, TitleIsEscaped) {
  fs::create_directories(base_ / "root" / "<b>");
  FileServerOptions o;
  o.list_directories = true;
  Handler h = file_server((base_ / "root").string(), o);
  Request r("GET", "/%3Cb%3E/");
  auto rec = testing::serve(h, r);
  ASSERT_EQ(rec->code(), 200);
  EXPECT_NE(rec->body().find("Index of /&lt;b&gt;/"), std::string::npos);
  EXPECT_EQ(rec->body().find("<b>"), std::string::npos);
}

}  // namespace
}  // namespace nethttp
