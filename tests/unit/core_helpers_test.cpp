// The text helpers the router, file server and middleware share (src/core/): path cleaning
// (url_path.hpp), percent-decoding and -encoding and HTML escaping (escape.hpp), and
// Accept-Encoding weights (header_list.hpp), and random hex identifiers (random_hex.hpp).

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <vector>

#include "core/escape.hpp"
#include "core/header_list.hpp"
#include "core/random_hex.hpp"
#include "core/url_path.hpp"
#include "nethttp/request.hpp"

namespace nethttp::detail {
namespace {

// ---- url_path -------------------------------------------------------------------------------

TEST(CoreCleanPath, MatchesGoPathClean) {
  struct Case {
    std::string_view in, want;
  };
  for (const Case& c : {
           // Already clean (Go's path_test.go cleantests, then ours).
           Case{"", "."},
           Case{"abc", "abc"},
           Case{"abc/def", "abc/def"},
           Case{".", "."},
           Case{"..", ".."},
           Case{"../..", "../.."},
           Case{"../../abc", "../../abc"},
           Case{"/abc", "/abc"},
           Case{"/", "/"},
           // Trailing slashes go.
           Case{"abc/", "abc"},
           Case{"./", "."},
           Case{"../", ".."},
           Case{"/abc/", "/abc"},
           // Doubled slashes collapse.
           Case{"abc//def//ghi", "abc/def/ghi"},
           Case{"//abc", "/abc"},
           Case{"//abc//", "/abc"},
           Case{"//a//b/", "/a/b"},
           // "." elements go.
           Case{"abc/./def", "abc/def"},
           Case{"/./abc/def", "/abc/def"},
           Case{"abc/.", "abc"},
           // ".." removes the element before it.
           Case{"abc/def/ghi/../jkl", "abc/def/jkl"},
           Case{"abc/def/../ghi/../jkl", "abc/jkl"},
           Case{"abc/def/../..", "."},
           Case{"/a/./b/../c", "/a/c"},
           // ".." above the root stays at the root; a relative path keeps leading "..".
           Case{"/..", "/"},
           Case{"/../../a", "/a"},
           Case{"/abc/def/../../..", "/"},
           Case{"a/../..", ".."},
           Case{"abc/def/../../..", ".."},
           Case{"../a/b/../../..", "../.."},
           Case{"abc/def/../../../ghi/jkl/../../../mno", "../../mno"},
           Case{"abc/../../././../def", "../../def"},
           Case{"abc//./../def", "def"},
           // Not "." or "..": ordinary elements.
           Case{"/.../a", "/.../a"},
           Case{"/a/..b/.c", "/a/..b/.c"},
           // Escapes are not decoded: "%2e%2e" is an element, "%2F" a byte within one.
           Case{"/%2e%2e/a", "/%2e%2e/a"},
           Case{"/a%2Fb/..", "/"},
           Case{"/a%2F..%2Fb", "/a%2F..%2Fb"},
       }) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(clean_path(c.in), c.want);
  }
}

TEST(CoreCleanPath, CanonicalPathRootsAndKeepsTrailingSlash) {
  struct Case {
    std::string_view in, want;
  };
  for (const Case& c : {
           Case{"", "/"},  // clean_path says "."
           Case{"/", "/"},
           Case{"abc", "/abc"},
           Case{"a/b/", "/a/b/"},
           Case{".", "/"},
           Case{"..", "/"},
           Case{"../a", "/a"},
           Case{"/abc", "/abc"},
           Case{"/abc/", "/abc/"},
           Case{"//", "/"},
           Case{"///a", "/a"},
           Case{"/a//b", "/a/b"},
           Case{"/a/b//", "/a/b/"},
           Case{"/a/./b", "/a/b"},
           Case{"/./", "/"},
           Case{"/.", "/"},
           Case{"/a/.", "/a"},  // no trailing slash in p: none in the result
           Case{"/a/./", "/a/"},
           Case{"/a/../b", "/b"},
           Case{"/a/..", "/"},
           Case{"/a/../", "/"},
           Case{"/a/b/..", "/a"},
           Case{"/a/b/../", "/a/"},
           Case{"/..", "/"},
           Case{"/../a", "/a"},
           Case{"/../../a/", "/a/"},
           Case{"/abc/def/../../..", "/"},
           Case{"/abc//./../def", "/def"},
           Case{"/...", "/..."},
           Case{"/a/..b/.c", "/a/..b/.c"},
           // Escapes are not decoded: "%2e%2e" is an ordinary element, as in Go.
           Case{"/%2e%2e/a", "/%2e%2e/a"},
           Case{"/a%2F..%2Fb", "/a%2F..%2Fb"},
           Case{"/a%2F/", "/a%2F/"},
       }) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(canonical_path(c.in), c.want);
    EXPECT_EQ(is_canonical_path(c.in), c.in == c.want);
  }
}

// Every string over {'/', '.', 'a'} up to length 8: clean_path's result is clean;
// canonical_path is clean_path of the rooted path plus the trailing-slash rule, is
// idempotent, and agrees with is_canonical_path (ServeMux's allocation-free check).
TEST(CoreCleanPath, RulesHoldExhaustively) {
  std::vector<std::string> all{""};
  std::size_t begin = 0;
  for (int len = 1; len <= 8; ++len) {
    std::size_t end = all.size();
    for (std::size_t i = begin; i < end; ++i) {
      for (char c : {'/', '.', 'a'}) all.push_back(all[i] + c);
    }
    begin = end;
  }
  ASSERT_EQ(all.size(), 9841u);  // 1 + 3 + ... + 3^8
  for (const std::string& p : all) {
    std::string clean = clean_path(p);
    ASSERT_EQ(clean_path(clean), clean) << '"' << p << '"';
    ASSERT_EQ(clean.find("//"), std::string::npos) << p;
    ASSERT_TRUE(clean == "/" || !clean.ends_with('/')) << p;
    ASSERT_EQ(clean.starts_with('/'), p.starts_with('/')) << p;

    std::string canonical = canonical_path(p);
    std::string want = clean_path("/" + p);
    if (p.ends_with('/') && want != "/") want.push_back('/');
    ASSERT_EQ(canonical, want) << '"' << p << '"';
    ASSERT_EQ(is_canonical_path(p), canonical == p) << '"' << p << "\" cleans to \"" << canonical << '"';
    ASSERT_TRUE(is_canonical_path(canonical)) << p;
    ASSERT_EQ(canonical_path(canonical), canonical) << p;
    ASSERT_EQ(canonical.front(), '/');
    ASSERT_EQ(canonical.find("//"), std::string::npos) << p;
  }
}

TEST(CoreUrlPath, HasSchemeOrHost) {
  for (std::string_view url : {"https://x/", "http://a.b/c?d", "mailto:a@b", "a+b-c.d:x", "//host/p", "//"}) {
    EXPECT_TRUE(has_scheme_or_host(url)) << url;
  }
  // Paths, relative references and a colon after / ? # or a non-scheme byte are not schemes.
  for (std::string_view url : {"", "/", "/a:b", "a/b:c", "?x:y", "#f:g", ":x", "1a:b", "a b:c", "./a:b", "/a//b"}) {
    EXPECT_FALSE(has_scheme_or_host(url)) << url;
  }
}

// ---- escape: percent-decoding ---------------------------------------------------------------

TEST(CorePercentDecode, Table) {
  struct Case {
    std::string_view in;
    bool plus_as_space;
    bool ok;
    std::string_view want;  // when ok
  };
  using namespace std::string_view_literals;
  for (const Case& c : {
           Case{"", false, true, ""},
           Case{"/", false, true, "/"},
           Case{"plain/path", false, true, "plain/path"},
           Case{"a%20b", false, true, "a b"},
           Case{"%2F", false, true, "/"},
           Case{"a%2fb", false, true, "a/b"},
           Case{"%41b%63", false, true, "Abc"},
           Case{"100%25", false, true, "100%"},
           Case{"%C3%BC", false, true, "\xC3\xBC"},
           Case{"%00", false, true, "\0"sv},  // decoded; Request::set_target refuses it
           Case{"a+b", false, true, "a+b"},   // '+' is a space only in form data
           Case{"a+b", true, true, "a b"},
           Case{"%2B+", true, true, "+ "},
           Case{"%zz", false, false, ""},
           Case{"%zz", true, false, ""},
           Case{"a%4", false, false, ""},
           Case{"a%", false, false, ""},
           Case{"%", false, false, ""},
           Case{"%g0", false, false, ""},
           Case{"%0g", false, false, ""},
           Case{"ok%20then%zz", false, false, ""},
       }) {
    SCOPED_TRACE(::testing::PrintToString(std::string(c.in)) + (c.plus_as_space ? " plus_as_space" : ""));
    std::string out = "kept:";
    ASSERT_EQ(append_percent_decoded(out, c.in, c.plus_as_space), c.ok);
    EXPECT_EQ(out, c.ok ? "kept:" + std::string(c.want) : "kept:") << "appends; unchanged on failure";

    std::array<char, 32> buf{};
    std::size_t n = percent_decode_to(c.in, buf, c.plus_as_space);
    if (c.ok) {
      EXPECT_EQ(std::string_view(buf.data(), n), c.want);
    } else {
      EXPECT_EQ(n, kMalformedEscape);
    }

    std::string pub = "cleared first";
    EXPECT_EQ(nethttp::percent_decode(c.in, pub, c.plus_as_space), c.ok);
    EXPECT_EQ(pub, c.ok ? c.want : "") << "out is cleared first, and left empty on failure";
  }
}

TEST(CorePercentDecode, EscapedByte) {
  struct Case {
    std::string_view in;
    int want;
  };
  for (const Case& c : {Case{"%41", 0x41}, Case{"%2f/rest", 0x2F}, Case{"%FF", 0xFF}, Case{"%00", 0}, Case{"%4", -1},
                        Case{"%", -1}, Case{"", -1}, Case{"41", -1}, Case{"%zz", -1}, Case{"%4G", -1}, Case{"+", -1}}) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(escaped_byte(c.in), c.want);
  }
}

// ---- escape: percent-encoding and HTML ------------------------------------------------------

TEST(CoreEscape, RedirectLocation) {
  struct Case {
    std::string_view in, want;
  };
  using namespace std::string_view_literals;
  for (const Case& c : {
           Case{"", ""}, Case{"/", "/"}, Case{"/a/b?x=1&y=%2F#f", "/a/b?x=1&y=%2F#f"},  // already escaped: unchanged
           Case{"/a b", "/a%20b"}, Case{"/x\r\nSet-Cookie: a", "/x%0D%0ASet-Cookie:%20a"}, Case{"/\x7F", "/%7F"},
           Case{"/\0"sv, "/%00"}, Case{"/\xC3\xBC", "/%C3%BC"},
           Case{"/<a>\"'", "/<a>\"'"},  // HTML specials are the HTML escaper's job
       }) {
    SCOPED_TRACE(::testing::PrintToString(std::string(c.in)));
    EXPECT_EQ(escape_redirect_location(c.in), c.want);
  }
}

TEST(CoreEscape, Html) {
  struct Case {
    std::string_view in, want;
  };
  for (const Case& c : {
           Case{"", ""},
           Case{"plain", "plain"},
           Case{"a<b>&\"c'", "a&lt;b&gt;&amp;&#34;c&#39;"},
           Case{"<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
           Case{"&amp;", "&amp;amp;"},  // not idempotent: escape once
           Case{"/a%20b?x=1", "/a%20b?x=1"},
           Case{"\xC3\xBC", "\xC3\xBC"},
       }) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(escape_html(c.in), c.want);
    std::string out = "<p>";
    append_html_escaped(out, c.in);
    EXPECT_EQ(out, "<p>" + std::string(c.want));
  }
}

// ---- header_list ----------------------------------------------------------------------------

TEST(CoreHeaderList, TrimOws) {
  EXPECT_EQ(trim_ows(""), "");
  EXPECT_EQ(trim_ows(" \t "), "");
  EXPECT_EQ(trim_ows(" \tgzip ; q=1\t "), "gzip ; q=1");
  EXPECT_EQ(trim_ows("x"), "x");
}

TEST(CoreHeaderList, ParseQvalue) {
  struct Case {
    std::string_view in;
    int want;
  };
  for (const Case& c : {
           Case{"0", 0},
           Case{"0.", 0},
           Case{"0.000", 0},
           Case{"0.001", 1},
           Case{"0.05", 50},
           Case{"0.5", 500},
           Case{"0.999", 999},
           Case{"1", 1000},
           Case{"1.", 1000},
           Case{"1.000", 1000},
           // Malformed: not RFC 9110's grammar.
           Case{"", -1},
           Case{"2", -1},
           Case{"1.5", -1},
           Case{"1.001", -1},
           Case{"0.0001", -1},
           Case{".5", -1},
           Case{"abc", -1},
           Case{"0,5", -1},
           Case{" 0.5", -1},
           Case{"-0", -1},
           Case{"1e-1", -1},
           Case{"0.5x", -1},
       }) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(parse_qvalue(c.in), c.want);
  }
}

TEST(CoreHeaderList, CodingWeight) {
  struct Case {
    std::string_view header;
    int want;  // for {"gzip", "x-gzip"}
  };
  for (const Case& c : {
           Case{"", -1}, Case{"br, deflate", -1}, Case{"gzipx, xgzip", -1}, Case{"gzip", 1000}, Case{"GZip", 1000},
           Case{"x-gzip", 1000}, Case{"gzip;q=0", 0},  // refused
           Case{"gzip; q=0.0", 0}, Case{"gzip;q=0.001", 1}, Case{"gzip;Q=0.3", 300},
           Case{" deflate , gzip ; q=0.5 ", 500}, Case{",,gzip,,", 1000},
           Case{"gzip;level=1", 1000},  // other parameters are ignored
           Case{"gzip;level=1;q=0.3", 300}, Case{"*", 1000}, Case{"*;q=0.2", 200}, Case{"*;q=0", 0},
           Case{"gzip;q=0, *", 0},  // a named member beats "*", in either order
           Case{"*, gzip;q=0", 0},
           // Listed twice (or under its alias): the lowest weight counts, in any order.
           Case{"gzip;q=0.2, gzip;q=0.7", 200}, Case{"gzip;q=0.7, x-gzip;q=0.2", 200}, Case{"gzip, gzip;q=0", 0},
           Case{"gzip;q=0, gzip", 0}, Case{"*;q=0.5, *;q=0.1", 100},
           // A malformed q refuses: identity is always safe.
           Case{"gzip;q=abc", 0}, Case{"gzip;q=2", 0}, Case{"gzip;q=", 0}, Case{"gzip;q=0.0001", 0},
           Case{"gzip;q=1.5, *;q=0.4", 0}, Case{"*;q=abc", 0}, Case{"gzip;q=abc;q=1", 0},  // the first q counts
       }) {
    SCOPED_TRACE(c.header);
    EXPECT_EQ(coding_weight(c.header, {"gzip", "x-gzip"}), c.want);
  }
  EXPECT_EQ(coding_weight("gzip, br;q=0.9", {"br"}), 900);
  EXPECT_EQ(coding_weight("gzip, br;q=0.9", {}), -1) << "no names: only \"*\" could count";
  EXPECT_EQ(coding_weight("gzip, *;q=0.1", {}), 100);
}

// ---- random_hex -----------------------------------------------------------------------------

TEST(CoreRandomHex, LengthAlphabetAndVariety) {
  for (std::size_t digits : {0u, 1u, 15u, 16u, 17u, 32u, 40u}) {
    std::string s = random_hex(digits);
    ASSERT_EQ(s.size(), digits);
    EXPECT_EQ(s.find_first_not_of("0123456789abcdef"), std::string::npos) << s;
  }
  // Every digit position varies: each of 40 positions takes more than one value over 200
  // draws (a position stuck at one value fails with certainty; chance failure ~16^-199).
  std::vector<std::set<char>> seen(40);
  std::set<std::string> distinct;
  for (int i = 0; i < 200; ++i) {
    std::string s = random_hex(40);
    for (std::size_t p = 0; p < s.size(); ++p) seen[p].insert(s[p]);
    distinct.insert(s);
  }
  for (std::size_t p = 0; p < seen.size(); ++p) EXPECT_GT(seen[p].size(), 1u) << "position " << p;
  EXPECT_EQ(distinct.size(), 200u);
}

}  // namespace
}  // namespace nethttp::detail
