// One file_server() Handler on several loops at once: each loop has its own open-file
// cache, they share the root descriptor and options, and files changing underneath are
// picked up without anyone seeing a torn or mixed response. Run under TSan too.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
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

TEST(FileServerConcurrency, SeveralLoopsServeTheSameFiles) {
  test::TempDir dir("nethttp-fsx");
  const fs::path& root = dir.path();
  std::vector<std::string> contents;
  for (int i = 0; i < 8; ++i) {
    contents.push_back(std::string(static_cast<std::size_t>(1000 + i * 4096), static_cast<char>('a' + i)));
    dir.write("f" + std::to_string(i) + ".txt", contents.back());
  }
  dir.write("changing.txt", "version-0");

  FileServerOptions o;
  o.open_file_cache_entries = 4;  // smaller than the working set: evictions happen
  o.open_file_cache_valid = std::chrono::milliseconds(0);
  ServerConfig config = testing::test_config();
  config.threads = 4;
  config.reuse_port = true;
  testing::TestServer server(file_server(root.string(), o), config);

  std::atomic<int> failures{0};
  std::atomic<bool> stop_writer{false};
  // A writer replaces changing.txt by rename again and again.
  std::thread writer([&] {
    for (int v = 1; !stop_writer.load(); ++v) {
      fs::path tmp = root / ("changing.tmp" + std::to_string(v % 2));
      std::ofstream(tmp, std::ios::binary) << "version-" << v;
      fs::rename(tmp, root / "changing.txt");
    }
  });
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        std::size_t k = static_cast<std::size_t>((t + i) % 8);
        test::ParsedResponse r = test::get(server.port(), "/f" + std::to_string(k) + ".txt");
        if (r.status != 200 || r.body != contents[k]) failures.fetch_add(1);
        test::ParsedResponse c = test::get(server.port(), "/changing.txt");
        bool whole = c.status == 200 && c.body.starts_with("version-") &&
                     c.header("Content-Length") == std::to_string(c.body.size());
        if (!whole) failures.fetch_add(1);
      }
    });
  }
  for (auto& c : clients) c.join();
  stop_writer = true;
  writer.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace nethttp
