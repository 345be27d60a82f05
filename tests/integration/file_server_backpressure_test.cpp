// file_server() against clients that read slowly or leave mid-transfer: the body must
// still arrive byte-exact, and an abandoned transfer must not disturb anyone else.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "nethttp/file_server.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"

namespace nethttp {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kSize = 8 * 1024 * 1024;

// SlowClient is a loopback connection whose receive buffer is shrunk *before* connect()
// (so the window scale is negotiated for it) and which reads in small recv() calls: the
// server keeps meeting a full socket (EAGAIN) and must resume on writability.
class SlowClient {
 public:
  SlowClient(std::uint16_t port, int rcvbuf) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (!fd_) throw std::runtime_error("socket failed");
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect");
  }
  void send(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd_.get(), s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      s.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // read_some appends at most chunk bytes; false on EOF or error.
  bool read_some(std::size_t chunk) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, 20'000) != 1) throw std::runtime_error("slow read timed out");
    std::vector<char> buf(chunk);
    ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
    if (n <= 0) return false;
    data_.append(buf.data(), static_cast<std::size_t>(n));
    return true;
  }
  // read_response reads one Content-Length-framed response in chunk-sized reads and
  // returns {head, body}.
  std::pair<std::string, std::string> read_response(std::size_t chunk) {
    std::size_t end;
    while ((end = data_.find("\r\n\r\n")) == std::string::npos) {
      if (!read_some(chunk)) throw std::runtime_error("closed inside the header");
    }
    std::string head = data_.substr(0, end);
    std::size_t at = head.find("Content-Length: ");
    if (at == std::string::npos) throw std::runtime_error("no Content-Length");
    std::size_t length = 0;
    std::from_chars(head.data() + at + 16, head.data() + head.size(), length);
    while (data_.size() < end + 4 + length) {
      if (!read_some(chunk)) throw std::runtime_error("closed inside the body");
    }
    std::string body = data_.substr(end + 4, length);
    data_.erase(0, end + 4 + length);
    return {head, body};
  }
  [[nodiscard]] std::size_t buffered() const noexcept { return data_.size(); }
  void close() { fd_.reset(); }

 private:
  UniqueFd fd_;
  std::string data_;
};

class Backpressure : public ::testing::Test {
 protected:
  Backpressure() {
    std::string tmpl = (fs::temp_directory_path() / "nethttp-fsb-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
    std::mt19937_64 rng(7);
    content_.resize(kSize);
    for (char& c : content_) c = static_cast<char>(rng() & 0xFF);
    std::ofstream(root_ / "big.bin", std::ios::binary) << content_;
    std::ofstream(root_ / "small.txt", std::ios::binary) << "small\n";
  }
  ~Backpressure() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  fs::path root_;
  std::string content_;
};

TEST_F(Backpressure, SlowReaderGetsEveryByte) {
  testing::TestServer server(file_server(root_.string()));
  SlowClient c(server.port(), 4096);
  c.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
  auto [head, body] = c.read_response(1024);
  EXPECT_NE(head.find("Content-Length: 8388608"), std::string::npos);
  ASSERT_EQ(body.size(), kSize);
  EXPECT_TRUE(body == content_);
  // The connection is still usable afterwards.
  c.send("GET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(c.read_response(1024).second, "small\n");
}

TEST_F(Backpressure, SlowMultipartReaderGetsEveryByte) {
  testing::TestServer server(file_server(root_.string()));
  SlowClient c(server.port(), 4096);
  c.send("GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-3145727,4194304-7340031\r\n\r\n");
  auto [head, body] = c.read_response(2048);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 206")) << head;
  std::size_t first = body.find("\r\n\r\n") + 4;
  EXPECT_TRUE(body.compare(first, 3145728, content_, 0, 3145728) == 0);
  std::size_t second = body.find("\r\n\r\n", first + 3145728) + 4;
  EXPECT_TRUE(body.compare(second, 3145728, content_, 4194304, 3145728) == 0);
}

TEST_F(Backpressure, ClientAbortMidTransferLeavesTheServerServing) {
  testing::TestServer server(file_server(root_.string()));
  for (int i = 0; i < 8; ++i) {
    SlowClient quitter(server.port(), 8192);
    quitter.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(quitter.read_some(4096));
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
  testing::TestServer server(file_server(root_.string(), o));
  SlowClient c(server.port(), 4096);
  c.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(c.read_some(4096));  // the transfer has started
  // Deploy a new version by rename while the old one is still being sent.
  std::ofstream(root_ / "big.bin.new", std::ios::binary) << "new version\n";
  fs::rename(root_ / "big.bin.new", root_ / "big.bin");
  auto [head, body] = c.read_response(65536);
  ASSERT_EQ(body.size(), kSize);
  EXPECT_TRUE(body == content_);
  EXPECT_EQ(test::get(server.port(), "/big.bin").body, "new version\n");
}

}  // namespace
}  // namespace nethttp
