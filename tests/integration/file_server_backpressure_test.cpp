// file_server() against clients that read slowly or leave mid-transfer: the body must
// still arrive byte-exact, and an abandoned transfer must not disturb anyone else.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "nethttp/file_server.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kSize = 8 * 1024 * 1024;

// slow_client opens a loopback connection whose receive buffer is shrunk *before* connect()
// (so the window scale is negotiated for it) and which reads at most read_chunk bytes per
// recv(): the server keeps meeting a full socket (EAGAIN) and must resume on writability.
test::RawClient slow_client(std::uint16_t port, int receive_buffer, std::size_t read_chunk) {
  using namespace std::chrono_literals;
  return test::RawClient(port, {.timeout = 20s, .receive_buffer = receive_buffer, .read_chunk = read_chunk});
}

class Backpressure : public ::testing::Test {
 protected:
  Backpressure() {
    std::mt19937_64 rng(7);
    content_.resize(kSize);
    for (char& c : content_) c = static_cast<char>(rng() & 0xFF);
    root_.write("big.bin", content_);
    root_.write("small.txt", "small\n");
  }

  test::TempDir root_{"nethttp-fsb"};
  std::string content_;
};

TEST_F(Backpressure, SlowReaderGetsEveryByte) {
  testing::TestServer server(file_server(root_.path().string()));
  test::RawClient c = slow_client(server.port(), 4096, 1024);
  c.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
  std::optional<test::ParsedResponse> res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->header("Content-Length"), "8388608");
  ASSERT_EQ(res->body.size(), kSize);
  EXPECT_TRUE(res->body == content_);
  // The connection is still usable afterwards.
  c.send("GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
  std::optional<test::ParsedResponse> small = c.read_response();
  ASSERT_TRUE(small);
  EXPECT_EQ(small->body, "small\n");
}

TEST_F(Backpressure, SlowMultipartReaderGetsEveryByte) {
  testing::TestServer server(file_server(root_.path().string()));
  test::RawClient c = slow_client(server.port(), 4096, 2048);
  c.send("GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-3145727,4194304-7340031\r\n\r\n");
  std::optional<test::ParsedResponse> res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->version, "HTTP/1.1");
  EXPECT_EQ(res->status, 206);
  ASSERT_FALSE(res->chunked) << "the body must be Content-Length framed";
  const std::string& body = res->body;
  std::size_t first = body.find("\r\n\r\n") + 4;
  EXPECT_TRUE(body.compare(first, 3145728, content_, 0, 3145728) == 0);
  std::size_t second = body.find("\r\n\r\n", first + 3145728) + 4;
  EXPECT_TRUE(body.compare(second, 3145728, content_, 4194304, 3145728) == 0);
}

TEST_F(Backpressure, ClientAbortMidTransferLeavesTheServerServing) {
  testing::TestServer server(file_server(root_.path().string()));
  for (int i = 0; i < 8; ++i) {
    test::RawClient quitter = slow_client(server.port(), 8192, 4096);
    quitter.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(quitter.read_some());
    quitter.close();  // unread data pending: the kernel sends RST mid-transfer
  }
  // Others are served in full afterwards, on fresh connections and concurrently.
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (std::size_t t = 0; t < ok.size(); ++t) {
    threads.emplace_back([&, t] {
      test::ParsedResponse r = test::get(server.port(), "/big.bin");
      ok[t] = r.status == 200 && r.body == content_;
    });
  }
  for (auto& t : threads) t.join();
  for (int v : ok) EXPECT_EQ(v, 1);
  EXPECT_EQ(test::get(server.port(), "/small.txt").body, "small\n");
}

TEST_F(Backpressure, FileReplacedDuringTransferKeepsSendingTheOldOne) {
  FileServerOptions o;
  o.open_file_cache_valid = std::chrono::milliseconds(0);
  testing::TestServer server(file_server(root_.path().string(), o));
  test::RawClient c = slow_client(server.port(), 4096, 4096);
  c.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(c.read_some());  // the transfer has started
  // Deploy a new version by rename while the old one is still being sent.
  fs::rename(root_.write("big.bin.new", "new version\n"), root_.path() / "big.bin");
  std::optional<test::ParsedResponse> res = c.read_response();
  ASSERT_TRUE(res);
  ASSERT_EQ(res->body.size(), kSize);
  EXPECT_TRUE(res->body == content_);
  EXPECT_EQ(test::get(server.port(), "/big.bin").body, "new version\n");
}

}  // namespace
}  // namespace nethttp
