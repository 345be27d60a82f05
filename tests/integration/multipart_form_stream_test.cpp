// read_multipart_form over real sockets: plain fields collected, file parts streamed, with
// Content-Length and chunked bodies and from curl -F; 413 for the field limits and the
// reader's limit, 431 for a part header, 400 for bad framing; the server keeps serving.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/body_reader.hpp"
#include "nethttp/deferred.hpp"
#include "nethttp/multipart.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/testing.hpp"
#include "support/child_process.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

// FileTally is what the file-part callbacks saw, on the loop thread.
struct FileTally {
  std::string names;
  std::uint64_t bytes = 0;
  std::uint64_t checksum = 0;  // a sum of the bytes, to see they arrived intact
};

// form_mux serves POST /form: fields echoed as "name=value;" lines, files tallied.
ServeMux form_mux() {
  ServeMux mux;
  mux.handle("POST /form", streaming([](ResponseWriter& w, Request& r) {
               const std::string boundary = multipart_boundary(r.header("Content-Type"));
               BodyReader reader = r.body_reader();
               reader.set_limit(4 << 20);
               auto done = std::make_shared<DeferredResponse>(w.defer());
               auto files = std::make_shared<FileTally>();
               MultipartFormLimits limits;
               limits.max_fields = 3;
               limits.max_value_bytes = 64;
               limits.parts.max_header_bytes = 512;
               MultipartFileHandler handler;
               handler.begin = [files](const MultipartPart& p) { files->names += p.filename + ";"; };
               handler.data = [files](std::string_view d) {
                 files->bytes += d.size();
                 for (char c : d) files->checksum += static_cast<unsigned char>(c);
               };
               read_multipart_form(reader, boundary, limits, handler,
                                   [done, files](MultipartFormError e, FormValues& values) {
                                     std::string answer;
                                     for (const auto& [name, value] : values) answer += name + "=" + value + ";";
                                     answer += " files=" + files->names + " bytes=" + std::to_string(files->bytes) +
                                               " sum=" + std::to_string(files->checksum);
                                     done->complete([e, answer](ResponseWriter& rw) {
                                       if (!e.ok()) return error(rw, e.message(), e.status());
                                       rw.write(answer);
                                     });
                                   });
             }));
  mux.handle("GET /ping", [](ResponseWriter& w, Request&) { w.write("pong"); });
  return mux;
}

std::string part(std::string_view disposition, std::string_view content) {
  return "--BoUnD\r\nContent-Disposition: form-data; " + std::string(disposition) + "\r\n\r\n" + std::string(content) +
         "\r\n";
}

std::string post(std::string_view body, bool chunked = false) {
  std::string head = "POST /form HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=BoUnD\r\n";
  if (!chunked) return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  std::string out = head + "Transfer-Encoding: chunked\r\n\r\n";
  for (std::size_t at = 0; at < body.size(); at += 1000) {  // chunks that split parts anywhere
    const std::string_view piece = body.substr(at, 1000);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    out += size + std::string(piece) + "\r\n";
  }
  return out + "0\r\n\r\n";
}

std::uint64_t sum(std::string_view s) {
  std::uint64_t n = 0;
  for (char c : s) n += static_cast<unsigned char>(c);
  return n;
}

TEST(MultipartFormStream, FieldsCollectedFileStreamed) {
  testing::TestServer ts(form_mux());
  std::string file(300 * 1024, '\0');
  for (std::size_t i = 0; i < file.size(); ++i) file[i] = static_cast<char>(i * 7 + i / 1000);
  const std::string body = part("name=\"title\"", "Hello") + part("name=\"up\"; filename=\"a.bin\"", file) +
                           part("name=\"tag\"", "x y") + "--BoUnD--\r\n";
  const std::string want =
      "title=Hello;tag=x y; files=a.bin; bytes=" + std::to_string(file.size()) + " sum=" + std::to_string(sum(file));
  for (bool chunked : {false, true}) {
    auto res = test::roundtrip(ts.port(), post(body, chunked));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->body, want) << (chunked ? "chunked" : "Content-Length");
  }
}

TEST(MultipartFormStream, FromCurl) {
  const char* path = std::getenv("PATH");
  std::string curl;
  std::string_view rest = path != nullptr ? path : "/usr/bin:/bin";
  while (!rest.empty() && curl.empty()) {
    const std::size_t colon = rest.find(':');
    const std::string candidate = std::string(rest.substr(0, colon)) + "/curl";
    if (::access(candidate.c_str(), X_OK) == 0) curl = candidate;
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  }
  if (curl.empty()) GTEST_SKIP() << "curl not installed";
  testing::TestServer ts(form_mux());
  test::TempDir dir("nethttp-form");
  const std::string content(100000, 'q');
  const auto file = dir.write("report.txt", content);
  test::ChildProcess c(
      curl, {"-sS", "-F", "title=From curl", "-F", "tag=t1", "-F", "up=@" + file.string(), ts.url() + "/form"});
  EXPECT_EQ(c.wait_exit(), 0) << c.err();
  EXPECT_EQ(c.out(), "title=From curl;tag=t1; files=report.txt; bytes=100000 sum=" + std::to_string(sum(content)));
}

TEST(MultipartFormStream, LimitsAndBadInput) {
  testing::TestServer ts(form_mux());
  struct Case {
    const char* what;
    std::string raw;
    int status;
  };
  const std::string four = part("name=a", "1") + part("name=b", "2") + part("name=c", "3") + part("name=d", "4");
  const Case cases[] = {
      {"four fields over max_fields 3", post(four + "--BoUnD--\r\n"), 413},
      {"a value over max_value_bytes 64", post(part("name=a", std::string(100, 'v')) + "--BoUnD--\r\n", true), 413},
      {"a part header over 512 bytes", post(part("name=a; filename=\"" + std::string(600, 'f') + "\"", "x")), 431},
      {"no closing boundary", post(part("name=a", "1")), 400},
      {"a header line without a colon", post("--BoUnD\r\nnonsense\r\n\r\nx\r\n--BoUnD--\r\n"), 400},
      {"not multipart", "POST /form HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc",
       400},
      {"a body over the reader's 4 MiB limit",
       post(part("name=up; filename=big", std::string(5 << 20, 'b')) + "--BoUnD--\r\n", true), 413},
  };
  for (const Case& c : cases) {
    auto res = test::roundtrip(ts.port(), c.raw);
    ASSERT_TRUE(res) << c.what;
    EXPECT_EQ(res->status, c.status) << c.what << ": " << res->body;
  }
  auto res = test::roundtrip(ts.port(), "GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "pong") << "the server keeps serving";
}

}  // namespace
}  // namespace nethttp
