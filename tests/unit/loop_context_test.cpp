// LoopContext::add_connection and the loop's open-connection gauge (stats().connections_open,
// nethttp_open_connections): a connection counts from its start to its close, and one that
// cannot start is not counted at all, nor reported to ServerConfig::conn_state.

#include "http/loop_context.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "http/connection.hpp"
#include "nethttp/helpers.hpp"
#include "nethttp/logger.hpp"
#include "nethttp/server_config.hpp"
#include "nethttp/unique_fd.hpp"
#include "reactor/event_loop.hpp"
#include "support/server_hooks.hpp"
#include "support/temp_dir.hpp"

namespace nethttp::detail {
namespace {

class LoopContextTest : public ::testing::Test {
 protected:
  LoopContextTest() {
    config_.logger = null_logger();
    ctx_ = std::make_unique<LoopContext>(loop_, config_, handler_, *config_.logger, 0, hooks_);
  }
  [[nodiscard]] std::uint64_t open() const { return ctx_->counters.open.load(); }

  ServerConfig config_;
  Handler handler_ = not_found();
  EventLoop loop_;
  // The caller of add_connection has counted the connection server-wide
  // (try_open_connection), and closing it must give that back exactly once.
  test::FakeServerHooks hooks_;
  std::unique_ptr<LoopContext> ctx_;
};

TEST_F(LoopContextTest, AConnectionCountsAsOpenFromItsStartToItsClose) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd client(sv[0]);
  Connection* c = ctx_->add_connection(UniqueFd(sv[1]), sockaddr_in6{});
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(open(), 1U);
  EXPECT_EQ(ctx_->connection_count(), 1U);
  c->abort();
  EXPECT_EQ(open(), 0U);
  EXPECT_EQ(ctx_->connection_count(), 0U);
  EXPECT_EQ(hooks_.closed, 1);
}

TEST_F(LoopContextTest, AConnectionThatCannotStartIsNeverCountedAsOpen) {
  // epoll refuses regular files (EPERM), so registering this descriptor in
  // Connection::start fails, deterministically.
  test::TempDir dir("nethttp-loopctx");
  UniqueFd file(::open(dir.write("f", "x").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(file);
  EXPECT_EQ(ctx_->add_connection(std::move(file), sockaddr_in6{}), nullptr);
  EXPECT_EQ(open(), 0U) << "the gauge went below zero";
  EXPECT_EQ(ctx_->connection_count(), 0U);
  EXPECT_EQ(hooks_.closed, 1) << "the server-wide count must be given back once";
}

TEST_F(LoopContextTest, ConnStateSeesNewThenClosed) {
  std::vector<ConnState> states;
  config_.conn_state = [&](const ConnInfo&, ConnState s) { states.push_back(s); };
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd client(sv[0]);
  Connection* c = ctx_->add_connection(UniqueFd(sv[1]), sockaddr_in6{});
  ASSERT_NE(c, nullptr);
  c->abort();
  EXPECT_EQ(states, (std::vector<ConnState>{ConnState::New, ConnState::Closed}));
}

TEST_F(LoopContextTest, AConnectionThatCannotStartIsNeverReportedToConnState) {
  // As for the gauge: the registration fails before the connection is announced New, so
  // conn_state must not see it Closed either (a Closed without a New would unbalance a
  // hook that counts connections). A regular file makes epoll refuse it (EPERM).
  std::vector<ConnState> states;
  config_.conn_state = [&](const ConnInfo&, ConnState s) { states.push_back(s); };
  test::TempDir dir("nethttp-loopctx");
  UniqueFd file(::open(dir.write("f", "x").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(file);
  EXPECT_EQ(ctx_->add_connection(std::move(file), sockaddr_in6{}), nullptr);
  EXPECT_EQ(hooks_.closed, 1);
  EXPECT_TRUE(states.empty()) << "first state reported: " << static_cast<int>(states.front());
}

}  // namespace
}  // namespace nethttp::detail
