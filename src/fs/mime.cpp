// The extension table is sorted so lookups are a binary search over ~90 entries with no
// allocation. Types follow the IANA registry and what browsers expect: JavaScript is
// text/javascript (RFC 9239), and textual types carry "; charset=utf-8" so browsers do not
// guess an encoding (Go's mime package does the same for text/*).
//
// Entries added with mime::set_type() live in an Overrides snapshot published through an
// atomic pointer: a lookup costs one acquire load (null until the first set_type), and a
// snapshot, like the strings it points into, is never freed, so the MimeEntry pointers and
// string_views handed out stay valid while another thread adds types.

#include "fs/mime.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "nethttp/mime.hpp"

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

template <typename Range>
const MimeEntry* find_in(const Range& entries, std::string_view key) noexcept {
  auto it = std::lower_bound(entries.begin(), entries.end(), key,
                             [](const MimeEntry& e, std::string_view k) { return e.extension < k; });
  if (it == entries.end() || it->extension != key) return nullptr;
  return &*it;
}

// Overrides is one immutable generation of the set_type() entries, sorted by extension.
struct Overrides {
  std::vector<MimeEntry> entries;
};

// g_current is the newest generation, null until the first set_type(). Constant-initialized,
// so lookups during static initialization see the built-in table.
std::atomic<const Overrides*> g_current{nullptr};

// Registry owns every generation and every string ever set; it only grows.
struct Registry {
  std::mutex mu;
  std::deque<std::string> strings;                         // guarded by mu
  std::vector<std::unique_ptr<const Overrides>> versions;  // guarded by mu
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  // At exit, lookups fall back to the built-in table rather than to freed entries.
  ~Registry() { g_current.store(nullptr, std::memory_order_release); }
};

Registry& registry() {
  static Registry r;
  return r;
}

bool valid_extension_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '+';
}

bool guess_compressible(std::string_view type) noexcept {
  std::string_view essence = type.substr(0, type.find(';'));
  while (!essence.empty() && essence.back() == ' ') essence.remove_suffix(1);
  auto ends_with = [&](std::string_view s) { return essence.size() >= s.size() && essence.ends_with(s); };
  return essence.starts_with("text/") || ends_with("+json") || ends_with("+xml") || ends_with("/json") ||
         ends_with("/xml") || ends_with("/javascript") || essence == "image/svg+xml";
}

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
  if (const Overrides* o = g_current.load(std::memory_order_acquire)) {
    if (const MimeEntry* e = find_in(o->entries, key)) return e;
  }
  return find_in(kTable, key);
}

std::string_view content_type_for(std::string_view name) noexcept {
  const MimeEntry* e = find_mime(name);
  return e ? e->content_type : kDefaultContentType;
}

bool is_compressible(std::string_view content_type) noexcept {
  std::string_view essence = content_type.substr(0, content_type.find(';'));
  while (!essence.empty() && essence.back() == ' ') essence.remove_suffix(1);
  if (essence.size() >= 5 &&
      std::equal(essence.begin(), essence.begin() + 5, "text/", [](char a, char b) { return lower(a) == b; })) {
    return true;
  }
  auto same_type = [&](const MimeEntry& e) {
    if (!e.compressible) return false;
    std::string_view t = e.content_type.substr(0, e.content_type.find(';'));
    return t.size() == essence.size() &&
           std::equal(t.begin(), t.end(), essence.begin(), [](char a, char b) { return lower(a) == lower(b); });
  };
  if (const Overrides* o = g_current.load(std::memory_order_acquire)) {
    if (std::any_of(o->entries.begin(), o->entries.end(), same_type)) return true;
  }
  return std::any_of(kTable.begin(), kTable.end(), same_type);
}

}  // namespace nethttp::detail

namespace nethttp::mime {

void set_type(std::string_view extension, std::string_view content_type, bool compressible) {
  using detail::MimeEntry;
  std::string_view ext = extension;
  if (ext.starts_with('.')) ext.remove_prefix(1);
  if (ext.empty() || ext.size() > detail::kMaxExtension ||
      !std::all_of(ext.begin(), ext.end(), detail::valid_extension_char)) {
    throw std::invalid_argument("nethttp::mime::set_type: bad extension \"" + std::string(extension) + "\"");
  }
  if (content_type.empty() || std::any_of(content_type.begin(), content_type.end(),
                                          [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    throw std::invalid_argument("nethttp::mime::set_type: bad content type for \"" + std::string(extension) + "\"");
  }
  std::string key(ext);
  std::transform(key.begin(), key.end(), key.begin(), detail::lower);
  std::string type(content_type);
  if (type.starts_with("text/") && type.find("charset=") == std::string::npos) type += "; charset=utf-8";

  detail::Registry& r = detail::registry();
  std::lock_guard lock(r.mu);
  std::string_view key_view = r.strings.emplace_back(std::move(key));
  std::string_view type_view = r.strings.emplace_back(std::move(type));
  auto next = std::make_unique<detail::Overrides>();
  if (const detail::Overrides* cur = detail::g_current.load(std::memory_order_relaxed)) next->entries = cur->entries;
  MimeEntry entry{key_view, type_view, compressible};
  auto it = std::lower_bound(next->entries.begin(), next->entries.end(), key_view,
                             [](const MimeEntry& e, std::string_view k) { return e.extension < k; });
  if (it != next->entries.end() && it->extension == key_view) {
    *it = entry;
  } else {
    next->entries.insert(it, entry);
  }
  detail::g_current.store(next.get(), std::memory_order_release);
  r.versions.push_back(std::move(next));
}

void set_type(std::string_view extension, std::string_view content_type) {
  std::string_view essence = content_type.substr(0, content_type.find(';'));
  set_type(extension, content_type, detail::guess_compressible(essence));
}

std::string type_for(std::string_view name) { return std::string(detail::content_type_for(name)); }

}  // namespace nethttp::mime
