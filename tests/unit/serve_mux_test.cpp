// ServeMux through ResponseRecorder: the examples of Go's ServeMux documentation, precedence
// and conflicts, invalid patterns, path values, and the 301/404/405/400 outcomes.

#include "nethttp/serve_mux.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "nethttp/testing.hpp"

namespace nethttp {
namespace {

// named answers with its own name, so a test sees which route ran.
Handler named(std::string name) {
  return [name = std::move(name)](ResponseWriter& w, Request&) { w.write(name); };
}

Handler echo_values(std::vector<std::string> names) {
  return [names = std::move(names)](ResponseWriter& w, Request& r) {
    std::string out;
    for (const std::string& n : names) out += fmt::format("{}=[{}] ", n, r.path_value(n));
    w.write(out);
  };
}

struct Outcome {
  int code = 0;
  std::string body, location, allow, content_type, pattern;
};

Outcome serve(const ServeMux& mux, std::string_view method, std::string_view target, std::string_view host = {}) {
  Request r(method, target);
  if (!host.empty()) r.set_host(host);
  auto rec = testing::serve(mux, r);
  const Headers& h = rec->header_map();
  return {rec->code(),
          rec->body(),
          std::string(h.get("Location")),
          std::string(h.get("Allow")),
          std::string(h.get("Content-Type")),
          std::string(r.pattern())};
}

// The examples of the "Patterns" section, registered together.
TEST(ServeMux, DocumentationPatternExamples) {
  ServeMux mux;
  for (std::string_view p :
       {"/index.html", "GET /static/", "example.com/", "example.com/{$}", "/b/{bucket}/o/{objectname...}"}) {
    mux.handle(p, named(std::string(p)));
  }
  struct Case {
    std::string_view method, host, target, want;
  };
  for (const Case& c : {
           Case{"GET", "", "/index.html", "/index.html"},
           Case{"POST", "other.org", "/index.html", "/index.html"},  // any host, any method
           Case{"GET", "", "/static/css/site.css", "GET /static/"},
           Case{"HEAD", "", "/static/", "GET /static/"},  // GET also matches HEAD
           Case{"GET", "example.com", "/anything/at/all", "example.com/"},
           Case{"DELETE", "example.com", "/x", "example.com/"},
           Case{"GET", "example.com", "/", "example.com/{$}"},
           Case{"GET", "example.com", "/index.html", "example.com/"},  // the host pattern wins
           Case{"GET", "example.com:8080", "/", "example.com/{$}"},    // the port is ignored
           Case{"GET", "", "/b/my-bucket/o/path/to/object", "/b/{bucket}/o/{objectname...}"},
       }) {
    SCOPED_TRACE(fmt::format("{} {} {}", c.method, c.host, c.target));
    Outcome o = serve(mux, c.method, c.target, c.host);
    EXPECT_EQ(o.code, 200);
    EXPECT_EQ(o.pattern, c.want);
    if (c.method != "HEAD") {
      EXPECT_EQ(o.body, c.want);
    }
  }
  // "GET /static/" answers only GET and HEAD: other methods get 405 naming those two.
  Outcome o = serve(mux, "POST", "/static/x");
  EXPECT_EQ(o.code, 405);
  EXPECT_EQ(o.allow, "GET, HEAD");
  // Without a host, "/" matches nothing here.
  EXPECT_EQ(serve(mux, "GET", "/").code, 404);
}

TEST(ServeMux, DocumentationPrecedenceExamples) {
  ServeMux mux;
  for (std::string_view p : {"/images/", "/images/thumbnails/", "/posts/", "/posts/{id}", "/posts/latest", "/"}) {
    mux.handle(p, named(std::string(p)));
  }
  ServeMux get_root;  // "GET /" conflicts with the subtrees above, so it gets its own mux
  get_root.handle("GET /", named("GET /"));
  get_root.handle("/", named("/"));
  struct Case {
    std::string_view method, target, want;
  };
  for (const Case& c : {
           Case{"GET", "/images/thumbnails/small/a.png", "/images/thumbnails/"},
           Case{"GET", "/images/thumbnails/", "/images/thumbnails/"},
           Case{"GET", "/images/full/a.png", "/images/"},
           Case{"GET", "/images/", "/images/"},
           Case{"GET", "/posts/latest", "/posts/latest"},
           Case{"GET", "/posts/17", "/posts/{id}"},
           Case{"GET", "/posts/17/comments", "/posts/"},
           Case{"GET", "/posts/", "/posts/"},
           Case{"GET", "/index.html", "/"},
       }) {
    SCOPED_TRACE(fmt::format("{} {}", c.method, c.target));
    Outcome o = serve(mux, c.method, c.target);
    EXPECT_EQ(o.code, 200);
    EXPECT_EQ(o.pattern, c.want);
  }
  for (const Case& c : {
           Case{"GET", "/index.html", "GET /"},
           Case{"POST", "/index.html", "/"},
           Case{"HEAD", "/", "GET /"},
           Case{"PUT", "/", "/"},
       }) {
    SCOPED_TRACE(fmt::format("{} {}", c.method, c.target));
    Outcome o = serve(get_root, c.method, c.target);
    EXPECT_EQ(o.code, 200);
    EXPECT_EQ(o.pattern, c.want);
  }
}

// The documentation's escaping examples: patterns and paths are unescaped segment by
// segment, so "/a%2Fb/100%25" has the segments "a/b" and "100%".
TEST(ServeMux, DocumentationEscapingExamples) {
  ServeMux escaped;
  escaped.handle("/a%2fb/", named("escaped"));
  EXPECT_EQ(serve(escaped, "GET", "/a%2Fb/100%25").body, "escaped");
  ServeMux plain;
  plain.handle("/a/b/", named("plain"));
  EXPECT_EQ(serve(plain, "GET", "/a%2Fb/100%25").code, 404);
  ServeMux letter;
  letter.handle("/%61", named("a"));  // "%61" is "a"
  EXPECT_EQ(serve(letter, "GET", "/a").body, "a");
  EXPECT_EQ(serve(letter, "GET", "/%61").body, "a");
  EXPECT_EQ(serve(letter, "GET", "/%2561").code, 404);
  // Go 1.21 took "/{" and "/a{x}" literally; 1.22 (and this mux) rejects them.
  EXPECT_THROW(letter.handle("/{", named("x")), std::invalid_argument);
  EXPECT_THROW(letter.handle("/a{x}", named("x")), std::invalid_argument);
}

TEST(ServeMux, ConflictingPatternsAreRejectedAtRegistration) {
  struct Case {
    std::string_view first, second, why;
  };
  for (const Case& c : {
           Case{"/posts/{id}", "/{resource}/latest", "both match some paths, like \"/posts/latest\""},
           Case{"GET /", "/index.html", "/index.html matches more methods than GET /, but has a more specific path"},
           Case{"GET /posts/{id}", "/posts/latest", "/posts/latest matches more methods than GET /posts/{id}"},
           Case{"/a", "/a", "matches the same requests as"},
           Case{"/{x}", "/{y}", "matches the same requests as"},
           Case{"/", "/{rest...}", "matches the same requests as"},
           Case{"/a/{x}/", "/a/{y}/{z...}", "matches the same requests as"},
           Case{"GET /foo", "HEAD /", "HEAD / matches fewer methods than GET /foo, but has a more general path"},
           Case{"example.com/a/{x}", "EXAMPLE.com/{y}/b", "both match some paths"},
           Case{"GET /items/{id}", "GET /items/{name}", "matches the same requests as"},
       }) {
    SCOPED_TRACE(fmt::format("{} then {}", c.first, c.second));
    ServeMux mux;
    const int first_line = __LINE__ + 1;
    mux.handle(c.first, named("first"));
    const int second_line = __LINE__ + 2;
    try {
      mux.handle(c.second, named("second"));
      ADD_FAILURE() << "no conflict reported";
    } catch (const std::invalid_argument& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(fmt::format("pattern \"{}\" (registered at ", c.second)), std::string::npos) << msg;
      EXPECT_NE(msg.find(fmt::format("conflicts with pattern \"{}\" (registered at ", c.first)), std::string::npos)
          << msg;
      EXPECT_NE(msg.find(fmt::format("serve_mux_test.cpp:{})", first_line)), std::string::npos) << msg;
      EXPECT_NE(msg.find(fmt::format("serve_mux_test.cpp:{})", second_line)), std::string::npos) << msg;
      EXPECT_NE(msg.find(c.why), std::string::npos) << msg;
    }
  }
}

TEST(ServeMux, RejectedRegistrationChangesNothing) {
  ServeMux mux;
  mux.handle("/a/{x}", named("a"));
  EXPECT_THROW(mux.handle("/{y}/b", named("b")), std::invalid_argument);
  EXPECT_EQ(serve(mux, "GET", "/z/b").code, 404);
  EXPECT_EQ(serve(mux, "GET", "/a/b").body, "a");
  mux.handle("/z/{y}", named("z"));  // a later, valid registration still works
  EXPECT_EQ(serve(mux, "GET", "/z/b").body, "z");
}

TEST(ServeMux, CompatiblePatternsCoexist) {
  struct Case {
    std::string_view p1, p2;
  };
  for (const Case& c : {
           Case{"GET /", "/"},
           Case{"/images/", "/images/thumbnails/"},
           Case{"/posts/{id}", "/posts/latest"},
           Case{"example.com/{x}", "/{x}"},
           Case{"example.com/a/{x}", "/{y}/b"},
           Case{"GET /x", "POST /x"},
           Case{"GET /x", "HEAD /x"},
           Case{"/{$}", "/"},
           Case{"/a/{x}", "/a/{x}/"},
           Case{"/files/{name}", "/files/{path...}"},
       }) {
    SCOPED_TRACE(fmt::format("{} and {}", c.p1, c.p2));
    ServeMux mux;
    EXPECT_NO_THROW(mux.handle(c.p1, named("1")));
    EXPECT_NO_THROW(mux.handle(c.p2, named("2")));
  }
}

TEST(ServeMux, InvalidPatternsAreRejectedWithReasons) {
  struct Case {
    std::string_view pattern, why;
  };
  for (const Case& c : {
           Case{"", "empty pattern"},
           Case{"noslash", "host/path missing /"},
           Case{"BAD(METHOD) /", "invalid method \"BAD(METHOD)\""},
           Case{"/b_{bucket}", "bad wildcard segment (must start with '{')"},
           Case{"/{id", "bad wildcard segment (must end with '}')"},
           Case{"/{9lives}", "bad wildcard name \"9lives\""},
           Case{"/{}", "empty wildcard"},
           Case{"/{rest...}/more", "{...} wildcard not at end"},
           Case{"/{$}/more", "{$} not at end"},
           Case{"/{id}/{id}", "duplicate wildcard name \"id\""},
           Case{"GET /a/../b", "non-CONNECT pattern with unclean path can never match"},
           Case{"{host}/x", "host contains '{'"},
       }) {
    SCOPED_TRACE(c.pattern);
    ServeMux mux;
    const int line = __LINE__ + 2;
    try {
      mux.handle(c.pattern, named("x"));
      ADD_FAILURE() << "accepted";
    } catch (const std::invalid_argument& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(fmt::format("parsing \"{}\"", c.pattern)), std::string::npos) << msg;
      EXPECT_NE(msg.find(fmt::format("serve_mux_test.cpp:{})", line)), std::string::npos) << msg;
      EXPECT_NE(msg.find(c.why), std::string::npos) << msg;
    }
  }
}

TEST(ServeMux, EmptyHandlersAreRejected) {
  ServeMux mux;
  EXPECT_THROW(mux.handle("/a", Handler()), std::invalid_argument);
  EXPECT_THROW(mux.handle_func("/a", nullptr), std::invalid_argument);
  try {
    mux.handle("/a", Handler());
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("nil handler for pattern \"/a\""), std::string::npos) << e.what();
  }
  mux.handle_func("/a", [](ResponseWriter& w, Request&) { w.write("func"); });
  EXPECT_EQ(serve(mux, "GET", "/a").body, "func");
}

TEST(ServeMux, PathValuesAreUnescapedPerSegment) {
  ServeMux mux;
  mux.handle("/files/{name}", echo_values({"name"}));
  mux.handle("/b/{bucket}/o/{objectname...}", echo_values({"bucket", "objectname"}));
  mux.handle("/u/{id}/posts/{post}", echo_values({"id", "post", "missing"}));
  mux.handle("/all/{rest...}", echo_values({"rest"}));
  mux.handle("/tree/", echo_values({""}));
  mux.handle("/a%2Fb/{x}", echo_values({"x"}));
  struct Case {
    std::string_view target, want;
  };
  for (const Case& c : {
           Case{"/files/report.pdf", "name=[report.pdf] "},
           Case{"/files/a%2Fb", "name=[a/b] "},  // "%2F" stays inside the segment
           Case{"/files/hello%20world", "name=[hello world] "}, Case{"/files/100%25", "name=[100%] "},
           Case{"/files/caf%C3%A9", "name=[caf\xC3\xA9] "}, Case{"/files/a+b", "name=[a+b] "},
           Case{"/b/bk/o/x/y%2Fz", "bucket=[bk] objectname=[x/y/z] "},
           Case{"/b/my%20bucket/o/obj", "bucket=[my bucket] objectname=[obj] "},
           Case{"/u/7/posts/9", "id=[7] post=[9] missing=[] "}, Case{"/all/", "rest=[] "},
           Case{"/all/x/y/", "rest=[x/y/] "}, Case{"/tree/x", "=[] "},
           Case{"/a%2fb/c", "x=[c] "},  // an escaped literal matches its unescaped form
       }) {
    SCOPED_TRACE(c.target);
    Outcome o = serve(mux, "GET", c.target);
    EXPECT_EQ(o.code, 200);
    EXPECT_EQ(o.body, c.want);
  }
  // "/a/b/c" has three segments, so "/a%2Fb/{x}" does not match it.
  EXPECT_EQ(serve(mux, "GET", "/a/b/c").code, 404);
}

TEST(ServeMux, SetsPatternOnRequest) {
  ServeMux mux;
  mux.handle("GET /items/{id}", [](ResponseWriter& w, Request& r) { w.write(r.pattern()); });
  EXPECT_EQ(serve(mux, "GET", "/items/3").body, "GET /items/{id}");
  EXPECT_EQ(serve(mux, "GET", "/nothing").pattern, "");
}

TEST(ServeMux, MethodNotAllowedListsAllowedMethods) {
  ServeMux mux;
  mux.handle("GET /r/{id}", named("get"));
  mux.handle("PUT /r/{id}", named("put"));
  mux.handle("DELETE /r/{id}", named("delete"));
  mux.handle("POST /only-post/", named("post"));
  mux.handle("OPTIONS /r/{id}", named("options"));

  Outcome o = serve(mux, "POST", "/r/1");
  EXPECT_EQ(o.code, 405);
  EXPECT_EQ(o.allow, "DELETE, GET, HEAD, OPTIONS, PUT");
  EXPECT_EQ(o.body, "Method Not Allowed\n");
  EXPECT_EQ(o.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(o.pattern, "");

  EXPECT_EQ(serve(mux, "HEAD", "/r/1").code, 200);  // GET covers HEAD
  EXPECT_EQ(serve(mux, "get", "/r/1").code, 405);   // methods are case-sensitive

  // The trailing-slash form counts too: "/only-post" exists only as a POST subtree.
  o = serve(mux, "GET", "/only-post");
  EXPECT_EQ(o.code, 405);
  EXPECT_EQ(o.allow, "POST");
  o = serve(mux, "GET", "/only-post/x");
  EXPECT_EQ(o.code, 405);
  EXPECT_EQ(o.allow, "POST");
  // A path no pattern matches with any method is 404, not 405.
  EXPECT_EQ(serve(mux, "POST", "/r").code, 404);
}

TEST(ServeMux, MethodNotAllowedConsidersHostPatterns) {
  ServeMux mux;
  mux.handle("GET a.com/", named("a"));
  mux.handle("PUT b.com/", named("b"));
  mux.handle("POST /foo/{x}", named("foo"));
  EXPECT_EQ(serve(mux, "DELETE", "/foo/bar", "a.com").allow, "GET, HEAD, POST");
  EXPECT_EQ(serve(mux, "DELETE", "/bar", "b.com:81").allow, "PUT");
  EXPECT_EQ(serve(mux, "DELETE", "/foo/bar").allow, "POST");
  EXPECT_EQ(serve(mux, "DELETE", "/bar").code, 404);
}

TEST(ServeMux, TrailingSlashRedirect) {
  ServeMux mux;
  mux.handle("/images/", named("images"));
  mux.handle("/docs/", named("docs"));
  mux.handle("/docs", named("docs-leaf"));  // registered separately: no redirect
  mux.handle("/dollar/{$}", named("dollar"));
  mux.handle("/rest/{r...}", named("rest"));
  mux.handle("GET /get-only/", named("get-only"));
  mux.handle("/a/", named("a"));
  mux.handle("/a/b/", named("ab"));

  Outcome o = serve(mux, "GET", "/images?x=1&y=%20");
  EXPECT_EQ(o.code, 301);
  EXPECT_EQ(o.location, "/images/?x=1&y=%20");
  EXPECT_EQ(o.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(o.body, "<a href=\"/images/?x=1&amp;y=%20\">Moved Permanently</a>.\n\n");

  o = serve(mux, "HEAD", "/images");
  EXPECT_EQ(o.code, 301);
  EXPECT_EQ(o.location, "/images/");
  EXPECT_EQ(o.body, "");
  o = serve(mux, "POST", "/images");
  EXPECT_EQ(o.code, 301);
  EXPECT_EQ(o.content_type, "") << "Go types only GET and HEAD redirects";
  EXPECT_EQ(o.body, "");

  EXPECT_EQ(serve(mux, "GET", "/docs").body, "docs-leaf");
  EXPECT_EQ(serve(mux, "GET", "/dollar").location, "/dollar/");
  EXPECT_EQ(serve(mux, "GET", "/rest").location, "/rest/");
  EXPECT_EQ(serve(mux, "GET", "/get-only").location, "/get-only/");
  // For POST the GET subtree does not match, so there is nothing to redirect to.
  o = serve(mux, "POST", "/get-only");
  EXPECT_EQ(o.code, 405);
  EXPECT_EQ(o.allow, "GET, HEAD");
  // "/a/b" is matched (inexactly) by "/a/", but "/a/b/" matches exactly: redirect.
  o = serve(mux, "GET", "/a/b");
  EXPECT_EQ(o.code, 301);
  EXPECT_EQ(o.location, "/a/b/");
  EXPECT_EQ(serve(mux, "GET", "/a/c").body, "a");  // "/a/c/" is no better: no redirect
  EXPECT_EQ(serve(mux, "GET", "/images/x").body, "images");
}

TEST(ServeMux, UncleanPathsRedirectToCleanOnes) {
  ServeMux mux;
  mux.handle("/a/{x}/c", echo_values({"x"}));
  mux.handle("/images/", named("images"));
  struct Case {
    std::string_view target, location;
  };
  for (const Case& c : {
           Case{"/a/./b//c?q=1", "/a/b/c?q=1"}, Case{"/a//b/c", "/a/b/c"}, Case{"/x/../a/b/c", "/a/b/c"},
           Case{"/../a/b/c", "/a/b/c"}, Case{"/a/b/c/.", "/a/b/c"}, Case{"/a/b/c/..?z", "/a/b?z"},
           Case{"//images", "/images/"},  // clean and trailing-slash in one hop
           Case{"/images/./x/", "/images/x/"},
           Case{"/nothing//here", "/nothing/here"},  // redirected even if nothing matches then
       }) {
    SCOPED_TRACE(c.target);
    Outcome o = serve(mux, "GET", c.target);
    EXPECT_EQ(o.code, 301);
    EXPECT_EQ(o.location, c.location);
  }
  // Escaped dots are not path syntax: "%2e%2e" is an ordinary segment (as in Go).
  Outcome o = serve(mux, "GET", "/a/%2e%2e/c");
  EXPECT_EQ(o.code, 200);
  EXPECT_EQ(o.body, "x=[..] ");
}

TEST(ServeMux, RedirectLocationEscapesUnsafeBytes) {
  ServeMux mux;
  mux.handle("/", named("root"));
  Request r("GET", "/");
  r.set_path("/a b//\xC3\xA9", "/a b//\xC3\xA9");  // as a middleware might hand it on
  auto rec = testing::serve(mux, r);
  EXPECT_EQ(rec->code(), 301);
  EXPECT_EQ(rec->header_map().get("Location"), "/a%20b/%C3%A9");
}

TEST(ServeMux, RedirectLocationEscapesBackslashAsGoDoes) {
  // Cleaning "//\evil.com" gives "/\evil.com", which browsers read as "//evil.com" (another
  // host). Go's URL.String writes the path's backslash as %5C; so do we.
  ServeMux mux;
  mux.handle("/", named("root"));
  for (const auto& [target, location] : {std::pair<std::string_view, std::string_view>{"//\\evil.com", "/%5Cevil.com"},
                                         {"/a//b\"c<d>^`{|}", "/a/b%22c%3Cd%3E%5E%60%7B%7C%7D"},
                                         {"/a//b?q=\\x", "/a/b?q=\\x"},
                                         {"/x//%2F:@!$&'()*+,;=~", "/x/%2F:@!$&'()*+,;=~"}}) {
    SCOPED_TRACE(target);
    Outcome o = serve(mux, "GET", target);
    EXPECT_EQ(o.code, 301);
    EXPECT_EQ(o.location, location);
  }
}

TEST(ServeMux, ConnectIsNotCleanedButStillRedirectsTrailingSlash) {
  ServeMux mux;
  mux.handle("CONNECT /a//b", named("connect"));
  mux.handle("/tree/", named("tree"));
  Outcome o = serve(mux, "CONNECT", "/a//b");
  EXPECT_EQ(o.code, 200);
  EXPECT_EQ(o.body, "connect");
  o = serve(mux, "CONNECT", "/tree");
  EXPECT_EQ(o.code, 301);
  EXPECT_EQ(o.location, "/tree/");
  EXPECT_EQ(serve(mux, "CONNECT", "//tree").code, 404);  // "" then "tree": no pattern has that
  EXPECT_EQ(serve(mux, "GET", "/a//b").code, 301);       // other methods are cleaned first

  // The redirect target is cleaned even for CONNECT, so it is never a protocol-relative
  // "//host/" that a browser would follow to another site.
  ServeMux two;
  two.handle("/{a}/{b}/", named("two"));
  o = serve(two, "CONNECT", "//evil.example");
  EXPECT_EQ(o.code, 301);
  EXPECT_EQ(o.location, "/evil.example/");
}

TEST(ServeMux, NotFound) {
  ServeMux mux;
  Outcome o = serve(mux, "GET", "/");
  EXPECT_EQ(o.code, 404);
  EXPECT_EQ(o.body, "404 page not found\n");
  EXPECT_EQ(o.content_type, "text/plain; charset=utf-8");
  mux.handle("/a", named("a"));
  EXPECT_EQ(serve(mux, "GET", "/b").code, 404);
  EXPECT_EQ(serve(mux, "GET", "/a/").code, 404);
}

TEST(ServeMux, AsteriskTargetIsBadRequest) {
  ServeMux mux;
  mux.handle("/", named("root"));
  Request r("OPTIONS", "*");
  auto rec = testing::serve(mux, r);
  EXPECT_EQ(rec->code(), 400);
  EXPECT_EQ(rec->header_map().get("Connection"), "close");
  EXPECT_EQ(rec->body(), "");
  r.set_version({1, 0});
  rec = testing::serve(mux, r);
  EXPECT_EQ(rec->code(), 400);
  EXPECT_FALSE(rec->header_map().has("Connection"));
}

TEST(ServeMux, HostPatterns) {
  ServeMux mux;
  mux.handle("api.example.com/", named("api"));
  mux.handle("GET api.example.com/v1/{x}", named("api-v1"));
  mux.handle("/", named("any"));
  mux.handle("/v1/special", named("special"));
  struct Case {
    std::string_view host, target, want;
  };
  for (const Case& c : {
           Case{"api.example.com", "/x", "api"},
           Case{"api.example.com:8443", "/x", "api"},
           Case{"API.Example.COM", "/x", "api"},              // host names ignore case
           Case{"api.example.com", "/v1/special", "api-v1"},  // host beats a more specific path
           Case{"www.example.com", "/x", "any"},
           Case{"", "/v1/special", "special"},
           Case{"[::1]:8080", "/x", "any"},
       }) {
    SCOPED_TRACE(fmt::format("{} {}", c.host, c.target));
    EXPECT_EQ(serve(mux, "GET", c.target, c.host).body, c.want);
  }
  // An absolute-form target supplies the host.
  EXPECT_EQ(serve(mux, "GET", "http://api.example.com/x").body, "api");
}

TEST(ServeMux, HeadUsesGetUnlessHeadIsRegistered) {
  ServeMux mux;
  mux.handle("GET /a", named("get-a"));
  mux.handle("GET /b", named("get-b"));
  mux.handle("HEAD /b", named("head-b"));
  EXPECT_EQ(serve(mux, "HEAD", "/a").pattern, "GET /a");
  EXPECT_EQ(serve(mux, "HEAD", "/b").pattern, "HEAD /b");
  EXPECT_EQ(serve(mux, "GET", "/b").pattern, "GET /b");
}

TEST(ServeMux, HandlerReportsWithoutServing) {
  ServeMux mux;
  mux.handle("GET /items/{id}", named("item"));
  mux.handle("/tree/", named("tree"));
  mux.handle("/a/{x}", named("a"));
  struct Case {
    std::string_view method, target, pattern;
    int code;
  };
  for (const Case& c : {
           Case{"GET", "/items/1", "GET /items/{id}", 200},
           Case{"GET", "/tree", "/tree/", 301},  // the pattern the redirect leads to
           Case{"GET", "/a//b", "/a/{x}", 301},
           Case{"GET", "/x//y", "", 301},  // cleaned path matches nothing
           Case{"POST", "/items/1", "", 405},
           Case{"GET", "/nope", "", 404},
           Case{"OPTIONS", "*", "", 400},
       }) {
    SCOPED_TRACE(fmt::format("{} {}", c.method, c.target));
    Request r(c.method, c.target);
    HandlerMatch m = mux.handler(r);
    EXPECT_EQ(m.pattern, c.pattern);
    ASSERT_FALSE(m.handler.empty());
    auto rec = testing::serve(m.handler, r);
    EXPECT_EQ(rec->code(), c.code);
    EXPECT_EQ(r.path_value("id"), "") << "handler() does not set path values";
  }
  Request r("GET", "/tree?q=1");
  auto rec = testing::serve(mux.handler(r).handler, r);
  EXPECT_EQ(rec->header_map().get("Location"), "/tree/?q=1");
  Request bad("PUT", "/items/1");
  rec = testing::serve(mux.handler(bad).handler, bad);
  EXPECT_EQ(rec->header_map().get("Allow"), "GET, HEAD");
}

TEST(ServeMux, CopiesShareTheRouteTable) {
  ServeMux mux;
  ServeMux copy = mux;
  Handler as_handler = mux;  // what Server stores
  ServeMux assigned;
  assigned = mux;
  ServeMux moved_to = std::move(copy);  // moving copies: `copy` keeps its table
  mux.handle("/late", named("late"));   // registered after all of the above
  for (const ServeMux* m : {&mux, &copy, &assigned, &moved_to}) {
    EXPECT_EQ(serve(*m, "GET", "/late").body, "late");
  }
  Request r("GET", "/late");
  EXPECT_EQ(testing::serve(as_handler, r)->body(), "late");
  // Independent muxes do not share.
  ServeMux other;
  EXPECT_EQ(serve(other, "GET", "/late").code, 404);
}

TEST(ServeMux, MuxesNest) {
  ServeMux api;
  api.handle("GET /api/users/{id}", echo_values({"id"}));
  ServeMux root;
  root.handle("/api/", api);
  root.handle("/", named("root"));
  Outcome o = serve(root, "GET", "/api/users/42");
  EXPECT_EQ(o.body, "id=[42] ");
  EXPECT_EQ(o.pattern, "GET /api/users/{id}");  // the innermost mux sets the final pattern
  EXPECT_EQ(serve(root, "DELETE", "/api/users/42").code, 405);
  EXPECT_EQ(serve(root, "GET", "/elsewhere").body, "root");
}

// Matching only reads the table, so a registered mux can be served from many threads at
// once (as every event loop does). Run under TSan to check there is no hidden write.
TEST(ServeMux, ConcurrentServingOfARegisteredMux) {
  ServeMux mux;
  mux.handle("GET /users/{id}", echo_values({"id"}));
  mux.handle("/static/", named("static"));
  mux.handle("POST /users", named("create"));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        std::string id = std::to_string(t * 1000 + i);
        if (serve(mux, "GET", "/users/" + id).body != "id=[" + id + "] ") ++failures;
        if (serve(mux, "GET", "/static/a/b.css").body != "static") ++failures;
        if (serve(mux, "DELETE", "/users").code != 405) ++failures;
        if (serve(mux, "GET", "/static").code != 301) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(ServeMux, ManyRoutes) {
  ServeMux mux;
  for (int i = 0; i < 300; ++i) {
    mux.handle(fmt::format("GET /svc{}/items/{{id}}", i), named(fmt::format("get{}", i)));
    mux.handle(fmt::format("POST /svc{}/items", i), named(fmt::format("post{}", i)));
    mux.handle(fmt::format("/svc{}/static/", i), named(fmt::format("static{}", i)));
  }
  for (int i = 0; i < 300; i += 37) {
    EXPECT_EQ(serve(mux, "GET", fmt::format("/svc{}/items/9", i)).body, fmt::format("get{}", i));
    EXPECT_EQ(serve(mux, "POST", fmt::format("/svc{}/items", i)).body, fmt::format("post{}", i));
    EXPECT_EQ(serve(mux, "GET", fmt::format("/svc{}/static/x/y", i)).body, fmt::format("static{}", i));
    EXPECT_EQ(serve(mux, "PUT", fmt::format("/svc{}/items", i)).allow, "POST");
  }
  EXPECT_EQ(serve(mux, "GET", "/svc300/items/9").code, 404);
}

}  // namespace
}  // namespace nethttp
