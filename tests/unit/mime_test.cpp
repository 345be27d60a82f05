// File extension to Content-Type.

#include "fs/mime.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace nethttp::detail {
namespace {

TEST(Mime, TableIsSortedUniqueLowerCaseAndLargeEnough) {
  auto table = mime_table();
  EXPECT_GE(table.size(), 60u);
  for (std::size_t i = 0; i < table.size(); ++i) {
    SCOPED_TRACE(table[i].extension);
    if (i > 0) {
      EXPECT_LT(table[i - 1].extension, table[i].extension);
    }
    for (char c : table[i].extension) EXPECT_FALSE(c >= 'A' && c <= 'Z');
    EXPECT_EQ(table[i].extension.find('.'), std::string_view::npos);
    EXPECT_NE(table[i].content_type.find('/'), std::string_view::npos);
  }
}

TEST(Mime, CommonWebTypes) {
  struct Case {
    std::string_view name, want;
  };
  for (const Case& c : {
           Case{"index.html", "text/html; charset=utf-8"},
           Case{"a.htm", "text/html; charset=utf-8"},
           Case{"style.css", "text/css; charset=utf-8"},
           Case{"app.js", "text/javascript; charset=utf-8"},
           Case{"mod.mjs", "text/javascript; charset=utf-8"},
           Case{"data.json", "application/json; charset=utf-8"},
           Case{"app.js.map", "application/json; charset=utf-8"},
           Case{"logo.svg", "image/svg+xml; charset=utf-8"},
           Case{"a.png", "image/png"},
           Case{"a.jpg", "image/jpeg"},
           Case{"a.jpeg", "image/jpeg"},
           Case{"a.gif", "image/gif"},
           Case{"a.webp", "image/webp"},
           Case{"a.avif", "image/avif"},
           Case{"favicon.ico", "image/x-icon"},
           Case{"f.woff", "font/woff"},
           Case{"f.woff2", "font/woff2"},
           Case{"f.ttf", "font/ttf"},
           Case{"f.otf", "font/otf"},
           Case{"m.wasm", "application/wasm"},
           Case{"notes.txt", "text/plain; charset=utf-8"},
           Case{"feed.xml", "application/xml; charset=utf-8"},
           Case{"doc.pdf", "application/pdf"},
           Case{"v.mp4", "video/mp4"},
           Case{"v.webm", "video/webm"},
           Case{"a.mp3", "audio/mpeg"},
           Case{"a.ogg", "audio/ogg"},
           Case{"a.wav", "audio/wav"},
           Case{"a.zip", "application/zip"},
           Case{"a.tar.gz", "application/gzip"},
           Case{"t.csv", "text/csv; charset=utf-8"},
           Case{"README.md", "text/markdown; charset=utf-8"},
           Case{"site.webmanifest", "application/manifest+json; charset=utf-8"},
       }) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(content_type_for(c.name), c.want);
  }
}

TEST(Mime, CaseInsensitiveExtension) {
  EXPECT_EQ(content_type_for("PHOTO.JPG"), "image/jpeg");
  EXPECT_EQ(content_type_for("Index.HtMl"), "text/html; charset=utf-8");
}

TEST(Mime, UnknownOrMissingExtensionIsOctetStream) {
  for (std::string_view name : {"Makefile", "file.unknownext", "file.", "dir.d/file", "/a/b/c", "",
                                "x.averyveryverylongextensionname", ".hidden"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(content_type_for(name), kDefaultContentType);
  }
}

TEST(Mime, ExtensionComesFromTheLastSegmentOnly) {
  EXPECT_EQ(content_type_for("/dir.html/readme"), kDefaultContentType);
  EXPECT_EQ(content_type_for("/dir.html/readme.txt"), "text/plain; charset=utf-8");
}

TEST(Mime, TextTypesCarryUtf8Charset) {
  for (const MimeEntry& e : mime_table()) {
    SCOPED_TRACE(e.extension);
    if (e.content_type.starts_with("text/")) {
      EXPECT_TRUE(e.content_type.ends_with("; charset=utf-8"));
    }
  }
}

TEST(Mime, Compressible) {
  EXPECT_TRUE(is_compressible("text/html; charset=utf-8"));
  EXPECT_TRUE(is_compressible("TEXT/PLAIN"));
  EXPECT_TRUE(is_compressible("text/javascript; charset=utf-8"));
  EXPECT_TRUE(is_compressible("application/json"));
  EXPECT_TRUE(is_compressible("image/svg+xml; charset=utf-8"));
  EXPECT_TRUE(is_compressible("application/wasm"));
  EXPECT_FALSE(is_compressible("image/png"));
  EXPECT_FALSE(is_compressible("font/woff2"));
  EXPECT_FALSE(is_compressible("application/gzip"));
  EXPECT_FALSE(is_compressible("application/octet-stream"));
  EXPECT_FALSE(is_compressible(""));
}

}  // namespace
}  // namespace nethttp::detail
