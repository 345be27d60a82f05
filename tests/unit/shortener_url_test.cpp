// The shortener example's URL validation (examples/shortener/url.hpp).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "../../examples/shortener/url.hpp"

namespace shortener {
namespace {

TEST(ShortenerUrl, AcceptsHttpAndHttpsUrlsWithAHost) {
  for (std::string_view url : {"http://example.org", "https://example.org/", "HTTPS://Example.ORG/a/b?c=d#e",
                               "http://127.0.0.1:8080/x", "https://sub-domain.example.co.uk/path%20with%20space",
                               "http://[::1]:8080/", "http://[2001:db8::1]/a", "http://localhost?q=1"}) {
    SCOPED_TRACE(url);
    EXPECT_EQ(validate_url(url), "");
  }
}

TEST(ShortenerUrl, RejectsWhatIsNotAnAbsoluteHttpUrl) {
  struct Case {
    std::string_view url, why;
  };
  for (const Case& c : {
           Case{"", "url is required"},
           Case{"example.org", "url must start with http:// or https://"},
           Case{"ftp://example.org/file", "url must start with http:// or https://"},
           Case{"javascript://alert(1)", "url must start with http:// or https://"},
           Case{"//example.org/", "url must start with http:// or https://"},
           Case{"http:///path", "url has no host"},
           Case{"http://", "url has no host"},
           Case{"http://:80/", "url has no host"},
           Case{"http://user:pw@example.org/", "url must not contain credentials"},
           Case{"http://example.org@evil.example/", "url must not contain credentials"},
           Case{"http://exa mple.org/", "url contains spaces, control or non-ASCII characters"},
           Case{"http://example.org/\x01", "url contains spaces, control or non-ASCII characters"},
           Case{"http://b\xc3\xbc"
                "cher.example/",
                "url contains spaces, control or non-ASCII characters"},
           Case{"http://exa_mple.org/", "url has an invalid host"},
           Case{"http://example..org/", "url has an invalid host"},
           Case{"http://.example.org/", "url has an invalid host"},
           Case{"http://example.org:/", "url has an invalid port"},
           Case{"http://example.org:0/", "url has an invalid port"},
           Case{"http://example.org:65536/", "url has an invalid port"},
           Case{"http://example.org:8o/", "url has an invalid port"},
           Case{"http://a:1:2/", "url has an invalid host"},
           Case{"http://[::1/", "url has a malformed IPv6 host"},
           Case{"http://[]/", "url has a malformed IPv6 host"},
           Case{"http://[::g]/", "url has a malformed IPv6 host"},
           Case{"http://[::1]x/", "url has a malformed IPv6 host"},
           Case{"http://[::1]:/", "url has an invalid port"},
       }) {
    SCOPED_TRACE(c.url);
    EXPECT_EQ(validate_url(c.url), c.why);
  }
}

TEST(ShortenerUrl, LengthLimitIsInclusive) {
  std::string prefix = "https://example.org/";
  std::string at_limit = prefix + std::string(kMaxUrlBytes - prefix.size(), 'a');
  EXPECT_EQ(validate_url(at_limit), "");
  EXPECT_EQ(validate_url(at_limit + "a"), "url is longer than 2048 bytes");
}

}  // namespace
}  // namespace shortener
