// mime::set_type: adding and overriding extensions, validation, what file_server() sends,
// and lookups racing with additions. Extensions are made up (or restored) so the built-in
// table other tests check is unchanged.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fs/mime.hpp"
#include "nethttp/file_server.hpp"
#include "nethttp/mime.hpp"
#include "nethttp/testing.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

TEST(MimeSetType, AddsAnExtensionWithOrWithoutTheDot) {
  EXPECT_EQ(mime::type_for("a.nhtadd"), "application/octet-stream");
  mime::set_type(".nhtadd", "application/x-nethttp-add");
  EXPECT_EQ(mime::type_for("a.nhtadd"), "application/x-nethttp-add");
  EXPECT_EQ(mime::type_for("/dir/B.NHTADD"), "application/x-nethttp-add");  // case ignored
  mime::set_type("NhtAdd2", "application/x-nethttp-add2");
  EXPECT_EQ(mime::type_for("x.nhtadd2"), "application/x-nethttp-add2");
  EXPECT_EQ(mime::type_for("a.nhtadd"), "application/x-nethttp-add");  // earlier one kept
}

TEST(MimeSetType, OverridesABuiltInTypeAndCanRestoreIt) {
  ASSERT_EQ(mime::type_for("photo.jxl"), "image/jxl");
  mime::set_type(".jxl", "image/x-nethttp-jxl");
  EXPECT_EQ(mime::type_for("photo.jxl"), "image/x-nethttp-jxl");
  EXPECT_EQ(mime::type_for("photo.png"), "image/png");  // the rest of the table unchanged
  mime::set_type(".jxl", "image/jxl", false);
  EXPECT_EQ(mime::type_for("photo.jxl"), "image/jxl");
}

TEST(MimeSetType, TextTypesGetUtf8CharsetAsInGo) {
  mime::set_type(".nhttext", "text/x-nethttp");
  EXPECT_EQ(mime::type_for("a.nhttext"), "text/x-nethttp; charset=utf-8");
  mime::set_type(".nhtlatin", "text/x-nethttp; charset=iso-8859-1");
  EXPECT_EQ(mime::type_for("a.nhtlatin"), "text/x-nethttp; charset=iso-8859-1");
}

TEST(MimeSetType, CompressibleIsGuessedOrGiven) {
  mime::set_type(".nhtjson", "application/x-nethttp+json");
  EXPECT_TRUE(detail::find_mime("a.nhtjson")->compressible);
  EXPECT_TRUE(detail::is_compressible("application/x-nethttp+json"));
  mime::set_type(".nhtbin", "application/x-nethttp-bin");
  EXPECT_FALSE(detail::find_mime("a.nhtbin")->compressible);
  mime::set_type(".nhtbig", "application/x-nethttp-big", true);
  EXPECT_TRUE(detail::is_compressible("application/x-nethttp-big"));
}

TEST(MimeSetType, RejectsBadInput) {
  for (std::string_view bad : {"", ".", "a/b", "a.b", "a b", "12345678901234567", ".x\n", "é"}) {
    EXPECT_THROW(mime::set_type(bad, "application/x-y"), std::invalid_argument) << bad;
  }
  EXPECT_THROW(mime::set_type(".nhtbad", ""), std::invalid_argument);
  EXPECT_THROW(mime::set_type(".nhtbad", "text/plain\r\nX-Injected: 1"), std::invalid_argument);
  EXPECT_EQ(mime::type_for("a.nhtbad"), "application/octet-stream");  // nothing was added
}

TEST(MimeSetType, FileServerSendsTheSetType) {
  test::TempDir dir("nethttp-mime");
  std::ofstream(dir.path() / "site.nhtmanifest") << "{}";
  mime::set_type(".nhtmanifest", "application/manifest+json");
  Handler files = file_server(dir.path().string());
  Request r("GET", "/site.nhtmanifest");
  auto rec = testing::serve(files, r);
  EXPECT_EQ(rec->code(), 200);
  EXPECT_EQ(rec->header_map().get("Content-Type"), "application/manifest+json");
  EXPECT_EQ(rec->body(), "{}");
}

// Lookups from several threads while another adds types: each sees a complete entry (run
// under TSan by ./dev sanitize tsan).
TEST(MimeSetType, LookupsRaceWithAdditions) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        std::string type = mime::type_for("a.nhtrace");
        EXPECT_TRUE(type == "application/octet-stream" || type.starts_with("application/x-race-")) << type;
        EXPECT_EQ(mime::type_for("a.css"), "text/css; charset=utf-8");
      }
    });
  }
  for (int i = 0; i < 200; ++i) mime::set_type(".nhtrace", "application/x-race-" + std::to_string(i));
  stop.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(mime::type_for("a.nhtrace"), "application/x-race-199");
}

}  // namespace
}  // namespace nethttp
