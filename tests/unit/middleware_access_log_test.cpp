// Access log: line formats (pure) and lines written through the async logger to a file.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "middleware/access_log_format.hpp"
#include "nethttp/middleware.hpp"
#include "nethttp/testing.hpp"

namespace nethttp {
namespace {

using namespace std::chrono_literals;

detail::AccessLogEntry sample() {
  detail::AccessLogEntry e;
  e.remote = "192.0.2.7";
  e.method = "GET";
  e.target = "/a?b=1";
  e.version = {1, 1};
  e.referer = "https://ref.example/";
  e.user_agent = "curl/8.0";
  e.request_id = "abc123";
  e.start = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
  e.duration = 1500us;
  e.stats = {200, 2326, true};
  return e;
}

TEST(AccessLogFormat, Common) {
  std::string line = detail::format_access_line(AccessLogFormat::Common, sample());
  std::regex want(
      R"(192\.0\.2\.7 - - \[\d{2}/Nov/2023:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET /a\?b=1 HTTP/1\.1" 200 2326)");
  EXPECT_TRUE(std::regex_match(line, want)) << line;
}

TEST(AccessLogFormat, CombinedAddsRefererAndAgent) {
  std::string line = detail::format_access_line(AccessLogFormat::Combined, sample());
  EXPECT_TRUE(line.ends_with("\" 200 2326 \"https://ref.example/\" \"curl/8.0\"")) << line;
}

TEST(AccessLogFormat, EmptyFieldsAndZeroesAreDashes) {
  detail::AccessLogEntry e = sample();
  e.referer.clear();
  e.user_agent.clear();
  e.stats = {0, 0, false};
  std::string line = detail::format_access_line(AccessLogFormat::Combined, e);
  EXPECT_TRUE(line.ends_with("HTTP/1.1\" - - \"-\" \"-\"")) << line;
}

TEST(AccessLogFormat, ClientBytesCannotBreakTheLine) {
  detail::AccessLogEntry e = sample();
  e.target = "/x\"y\\z\n\x01";
  e.user_agent = "evil\r\n127.0.0.1 - - fake";
  std::string line = detail::format_access_line(AccessLogFormat::Combined, e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_NE(line.find(R"("GET /x\"y\\z\x0a\x01 HTTP/1.1")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("evil\x0d\x0a127.0.0.1 - - fake")"), std::string::npos) << line;
}

TEST(AccessLogFormat, JsonIsOneValidObject) {
  detail::AccessLogEntry e = sample();
  e.target = "/\"quoted\"\n\xff";
  std::string line = detail::format_access_line(AccessLogFormat::Json, e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j["remote"], "192.0.2.7");
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["uri"], "/\"quoted\"\n\u00ff");
  EXPECT_EQ(j["proto"], "HTTP/1.1");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["bytes"], 2326);
  EXPECT_DOUBLE_EQ(j["duration_ms"].get<double>(), 1.5);
  EXPECT_EQ(j["user_agent"], "curl/8.0");
  EXPECT_EQ(j["request_id"], "abc123");
  EXPECT_EQ(j["completed"], true);
}

// TempPath is a file name under the temp directory, removed at the end of the test.
struct TempPath {
  std::string path;
  TempPath() {
    char tmpl[] = "/tmp/nethttp_access_XXXXXX";
    int fd = ::mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    ::close(fd);
    path = tmpl;
  }
  ~TempPath() { std::filesystem::remove(path); }
  std::vector<std::string> lines() const {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
};

TEST(AccessLog, WritesOneLinePerFinishedResponseToFile) {
  TempPath file;
  AccessLog log({.format = AccessLogFormat::Json, .destination = file.path});
  Handler h = chain(
      [](ResponseWriter& w, Request& r) {
        if (r.path() == "/missing") {
          error(w, "nope", Status::NotFound);
          return;
        }
        w.write("hello");
      },
      {log.middleware()});
  for (std::string_view target : {"/", "/missing"}) {
    Request r("GET", target);
    r.set_remote_addr("[::1]:4242");
    r.headers().add("User-Agent", "unit");
    testing::serve(h, r);
  }
  ASSERT_TRUE(log.flush());
  auto lines = file.lines();
  ASSERT_EQ(lines.size(), 2u);
  auto a = nlohmann::json::parse(lines[0]);
  auto b = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(a["uri"], "/");
  EXPECT_EQ(a["status"], 200);
  EXPECT_EQ(a["bytes"], 5);
  EXPECT_EQ(a["remote"], "::1");
  EXPECT_EQ(a["user_agent"], "unit");
  EXPECT_EQ(b["uri"], "/missing");
  EXPECT_EQ(b["status"], 404);
}

TEST(AccessLog, DeferredResponseIsLoggedWithItsRealStatus) {
  TempPath file;
  AccessLog log({.format = AccessLogFormat::Common, .destination = file.path});
  std::optional<DeferredResponse> parked;
  Handler h = chain([&](ResponseWriter& w, Request&) { parked = w.defer(); }, {log.middleware()});
  Request r("PUT", "/later");
  r.set_remote_addr("10.1.2.3:999");
  auto rec = testing::serve(h, r);
  r.reset();  // the request is gone before the response finishes
  ASSERT_TRUE(log.flush());
  EXPECT_TRUE(file.lines().empty());  // nothing finished yet
  std::thread([d = std::move(*parked)]() mutable {
    d.complete([](ResponseWriter& w) {
      w.write_header(Status::Created);
      w.write("made it");
    });
  }).join();
  ASSERT_TRUE(rec->wait_finished(5s));
  ASSERT_TRUE(log.flush());
  auto lines = file.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with("10.1.2.3 - - [")) << lines[0];
  EXPECT_TRUE(lines[0].ends_with("\"PUT /later HTTP/1.1\" 201 7")) << lines[0];
}

TEST(AccessLog, AppendsAndSurvivesManyThreads) {
  TempPath file;
  { std::ofstream(file.path) << "existing line\n"; }
  AccessLog log({.format = AccessLogFormat::Combined, .destination = file.path, .flush_every_line = false});
  Handler h = chain([](ResponseWriter& w, Request&) { w.write("x"); }, {log.middleware()});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        Request r("GET", "/t");
        testing::serve(h, r);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(log.flush());
  auto lines = file.lines();
  ASSERT_EQ(lines.size(), 201u);
  EXPECT_EQ(lines[0], "existing line");
  for (std::size_t i = 1; i < lines.size(); ++i)
    EXPECT_NE(lines[i].find("\"GET /t HTTP/1.1\" 200 1"), std::string::npos);
}

TEST(AccessLog, UnopenableDestinationThrows) {
  TempPath file;  // a regular file cannot be a directory, even for root
  EXPECT_THROW(AccessLog({.destination = file.path + "/sub/access.log"}), std::runtime_error);
}

TEST(AccessLog, LastCopyDrainsQueueOnDestruction) {
  TempPath file;
  {
    Middleware mw =
        access_log({.format = AccessLogFormat::Common, .destination = file.path, .flush_every_line = false});
    Handler h = chain([](ResponseWriter& w, Request&) { w.write("y"); }, {mw});
    for (int i = 0; i < 10; ++i) {
      Request r("GET", "/d");
      testing::serve(h, r);
    }
  }  // middleware and handler gone: the writer thread drained and stopped
  EXPECT_EQ(file.lines().size(), 10u);
}

}  // namespace
}  // namespace nethttp
