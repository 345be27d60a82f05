// The extension table is sorted so lookups are a binary search over ~90 entries with no
// allocation. Types follow the IANA registry and what browsers expect: JavaScript is
// text/javascript (RFC 9239), and textual types carry "; charset=utf-8" so browsers do not
// guess an encoding (Go's mime package does the same for text/*).

#include "fs/mime.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace nethttp::detail {

namespace {

constexpr std::array kTable = std::to_array<MimeEntry>({
    {"7z", "application/x-7z-compressed", false},
    {"aac", "audio/aac", false},
    {"apng", "image/apng", false},
    {"atom", "application/atom+xml; charset=utf-8", true},
    {"avi", "video/x-msvideo", false},
    {"avif", "image/avif", false},
    {"bin", "application/octet-stream", false},
    {"bmp", "image/bmp", true},
    {"br", "application/x-brotli", false},
    {"bz2", "application/x-bzip2", false},
    {"cjs", "text/javascript; charset=utf-8", true},
    {"css", "text/css; charset=utf-8", true},
    {"csv", "text/csv; charset=utf-8", true},
    {"doc", "application/msword", true},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", false},
    {"eot", "application/vnd.ms-fontobject", true},
    {"epub", "application/epub+zip", false},
    {"flac", "audio/flac", false},
    {"gif", "image/gif", false},
    {"glb", "model/gltf-binary", true},
    {"gltf", "model/gltf+json; charset=utf-8", true},
    {"gz", "application/gzip", false},
    {"htm", "text/html; charset=utf-8", true},
    {"html", "text/html; charset=utf-8", true},
    {"ico", "image/x-icon", true},
    {"ics", "text/calendar; charset=utf-8", true},
    {"jar", "application/java-archive", false},
    {"jpeg", "image/jpeg", false},
    {"jpg", "image/jpeg", false},
    {"js", "text/javascript; charset=utf-8", true},
    {"json", "application/json; charset=utf-8", true},
    {"jsonld", "application/ld+json; charset=utf-8", true},
    {"jxl", "image/jxl", false},
    {"m3u8", "application/vnd.apple.mpegurl", true},
    {"m4a", "audio/mp4", false},
    {"m4v", "video/mp4", false},
    {"map", "application/json; charset=utf-8", true},
    {"markdown", "text/markdown; charset=utf-8", true},
    {"md", "text/markdown; charset=utf-8", true},
    {"mid", "audio/midi", false},
    {"midi", "audio/midi", false},
    {"mjs", "text/javascript; charset=utf-8", true},
    {"mov", "video/quicktime", false},
    {"mp3", "audio/mpeg", false},
    {"mp4", "video/mp4", false},
    {"mpd", "application/dash+xml; charset=utf-8", true},
    {"mpeg", "video/mpeg", false},
    {"odp", "application/vnd.oasis.opendocument.presentation", false},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet", false},
    {"odt", "application/vnd.oasis.opendocument.text", false},
    {"oga", "audio/ogg", false},
    {"ogg", "audio/ogg", false},
    {"ogv", "video/ogg", false},
    {"opus", "audio/opus", false},
    {"otf", "font/otf", true},
    {"pdf", "application/pdf", false},
    {"png", "image/png", false},
    {"ppt", "application/vnd.ms-powerpoint", true},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", false},
    {"rar", "application/vnd.rar", false},
    {"rss", "application/rss+xml; charset=utf-8", true},
    {"rtf", "application/rtf", true},
    {"sh", "text/x-shellscript; charset=utf-8", true},
    {"svg", "image/svg+xml; charset=utf-8", true},
    {"tar", "application/x-tar", true},
    {"tgz", "application/gzip", false},
    {"tif", "image/tiff", false},
    {"tiff", "image/tiff", false},
    {"toml", "application/toml; charset=utf-8", true},
    {"tsv", "text/tab-separated-values; charset=utf-8", true},
    {"ttf", "font/ttf", true},
    {"txt", "text/plain; charset=utf-8", true},
    {"vcf", "text/vcard; charset=utf-8", true},
    {"vtt", "text/vtt; charset=utf-8", true},
    {"wasm", "application/wasm", true},
    {"wav", "audio/wav", true},
    {"weba", "audio/webm", false},
    {"webm", "video/webm", false},
    {"webmanifest", "application/manifest+json; charset=utf-8", true},
    {"webp", "image/webp", false},
    {"woff", "font/woff", false},
    {"woff2", "font/woff2", false},
    {"xhtml", "application/xhtml+xml; charset=utf-8", true},
    {"xls", "application/vnd.ms-excel", true},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", false},
    {"xml", "application/xml; charset=utf-8", true},
    {"xz", "application/x-xz", false},
    {"yaml", "application/yaml; charset=utf-8", true},
    {"yml", "application/yaml; charset=utf-8", true},
    {"zip", "application/zip", false},
    {"zst", "application/zstd", false},
});

// A longer extension cannot be in the table, so lookups can lower-case into a fixed buffer.
constexpr std::size_t kMaxExtension = 16;

constexpr char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

}  // namespace

std::span<const MimeEntry> mime_table() noexcept { return kTable; }

const MimeEntry* find_mime(std::string_view name) noexcept {
  std::size_t slash = name.find_last_of('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::size_t dot = name.find_last_of('.');
  if (dot == std::string_view::npos) return nullptr;
  std::string_view ext = name.substr(dot + 1);
  if (ext.empty() || ext.size() > kMaxExtension) return nullptr;
  std::array<char, kMaxExtension> buf{};
  std::transform(ext.begin(), ext.end(), buf.begin(), lower);
  std::string_view key(buf.data(), ext.size());
  auto it = std::lower_bound(kTable.begin(), kTable.end(), key,
                             [](const MimeEntry& e, std::string_view k) { return e.extension < k; });
  if (it == kTable.end() || it->extension != key) return nullptr;
  return &*it;
}

std::string_view content_type_for(std::string_view name) noexcept {
  const MimeEntry* e = find_mime(name);
  return e ? e->content_type : kDefaultContentType;
}

bool is_compressible(std::string_view content_type) noexcept {
  std::string_view essence = content_type.substr(0, content_type.find(';'));
  while (!essence.empty() && essence.back() == ' ') essence.remove_suffix(1);
  if (essence.size() >= 5 && std::equal(essence.begin(), essence.begin() + 5, "text/",
                                        [](char a, char b) { return lower(a) == b; })) {
    return true;
  }
  return std::any_of(kTable.begin(), kTable.end(), [&](const MimeEntry& e) {
    if (!e.compressible) return false;
    std::string_view t = e.content_type.substr(0, e.content_type.find(';'));
    return t.size() == essence.size() &&
           std::equal(t.begin(), t.end(), essence.begin(), [](char a, char b) { return a == lower(b); });
  });
}

}  // namespace nethttp::detail
