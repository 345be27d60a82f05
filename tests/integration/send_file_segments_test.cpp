// A response header followed by a sendfile body leaves in one TCP segment, not two: the
// header is sent with MSG_MORE so the kernel waits for the file bytes (Linux only).

#include <gtest/gtest.h>
#include <netinet/in.h>
#ifdef __linux__
#include <linux/tcp.h>  // tcp_info with tcpi_segs_in (glibc's copy lacks it)
#endif
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "nethttp/file_server.hpp"
#include "nethttp/testing.hpp"
#include "support/raw_client.hpp"
#include "support/temp_dir.hpp"

namespace nethttp {
namespace {

#ifdef __linux__
// segments_received reads how many TCP segments the socket has received (Linux 4.2+).
std::uint32_t segments_received(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return 0;
  return info.tcpi_segs_in;
}

TEST(SendFileSegments, HeaderAndSmallFileShareOneSegment) {
  test::TempDir dir("nethttp-segments");
  dir.write("one.bin", std::string(1024, 'z'));
  testing::TestServer ts(file_server(dir.path().string()));
  test::RawClient c(ts.port());
  const std::string request = "GET /one.bin HTTP/1.1\r\nHost: t\r\n\r\n";
  c.send(request);  // warm the open-file cache and the connection
  ASSERT_TRUE(c.read_response());

  constexpr int kRequests = 50;
  const std::uint32_t before = segments_received(c.fd());
  for (int i = 0; i < kRequests; ++i) {
    c.send(request);
    auto res = c.read_response();
    ASSERT_TRUE(res);
    ASSERT_EQ(res->body.size(), 1024u);
  }
  const std::uint32_t segments = segments_received(c.fd()) - before;
  // Two per response when header and body leave separately; the slack allows for an odd
  // pure ACK from a loaded machine.
  EXPECT_LT(segments, kRequests * 3 / 2) << segments << " segments for " << kRequests << " responses";
}
#endif

}  // namespace
}  // namespace nethttp
