// upload: multipart/form-data uploads streamed to disk.
//
//   upload [--listen HOST:PORT] [--threads N] --dir DIR [--max-mib N]
//
// GET / serves an HTML form; POST /upload takes multipart/form-data and streams each file
// part to DIR under its sanitised filename on a worker pool, never holding more than one
// read buffer of the body in memory, with a progress line in the log.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <thread>

#include "common/flag_set.hpp"
#include "common/serve.hpp"
#include "nethttp/serve_mux.hpp"
#include "nethttp/server.hpp"
#include "nethttp/worker_pool.hpp"
#include "upload.hpp"

int main(int argc, char** argv) {
  nethttp::ServerConfig config;
  std::string dir;
  std::uint64_t max_mib = 1024;
  examples::FlagSet flags("upload", "Serves an upload form and streams uploaded files to --dir.", config);
  flags.add_string("--dir", "DIR", "directory the uploaded files are written to (required)", dir);
  flags.add_number("--max-mib", "largest request body accepted, in MiB (default 1024)", max_mib, std::uint64_t{1},
                   std::uint64_t{1} << 20);
  if (std::optional<int> exit_code = flags.parse(argc, argv)) return *exit_code;
  if (dir.empty()) return examples::fail("upload", "--dir is required", 2);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return examples::fail("upload", "--dir " + dir + " is not a directory", 2);

  nethttp::WorkerPool pool(std::max(2u, std::thread::hardware_concurrency()), 256);
  nethttp::ServeMux mux;
  mux.handle("GET /{$}", [](nethttp::ResponseWriter& w, nethttp::Request&) {
    w.headers().set("Content-Type", "text/html; charset=utf-8");
    w.write(examples::upload_form());
  });
  mux.handle("POST /upload", examples::upload_handler(pool, {.dir = dir, .max_bytes = max_mib << 20}));
  config.handler_timeout = std::chrono::hours(1);  // a large upload over a slow link
  nethttp::Server server(config, mux);
  return examples::serve("upload", server);
}
