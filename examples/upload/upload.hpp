#pragma once
// The upload example's handler: multipart/form-data streamed to files by a WorkerPool.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "nethttp/handler.hpp"
#include "nethttp/worker_pool.hpp"

namespace examples {

/// UploadOptions configures upload_handler.
struct UploadOptions {
  std::filesystem::path dir;                  ///< where files are written (must exist)
  std::uint64_t max_bytes = 1ull << 30;       ///< the most a request body may have: 413 past it
  std::uint64_t progress_every = 8ull << 20;  ///< a progress line per this many bytes of a file
};

/// sanitize_filename turns a client's filename into a safe name inside the directory: the
/// last path component, bytes other than [A-Za-z0-9._-] as '_', no leading dots, at most
/// 100 bytes; "upload" when nothing is left.
std::string sanitize_filename(std::string_view filename);

/// upload_handler streams (nethttp::streaming) a multipart/form-data POST: every file part
/// goes to options.dir under its sanitised name (made unique with -1, -2, ...) on pool, one
/// body chunk at a time (the next is read when the last is on disk); a progress line per
/// progress_every bytes and one per finished file goes to the default logger. Plain fields
/// are collected (nethttp::MultipartForm). Answers 200 with one "saved NAME BYTES" line per
/// file, then one "field NAME: VALUE" line per plain field, 400 for a body that is not multipart/form-data,
/// 413/431 for multipart and field limits, 503 when the pool is full. Files of a failed upload are
/// removed. pool must outlive the server.
nethttp::Handler upload_handler(nethttp::WorkerPool& pool, UploadOptions options);

/// upload_form is the HTML page GET / serves.
std::string_view upload_form();

}  // namespace examples
