#pragma once
// HTML directory listings for file_server(list_directories = true).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/unique_fd.hpp"

namespace nethttp::detail {

/// DirEntryInfo is one listed name; is_dir adds the trailing '/' to its link and label.
struct DirEntryInfo {
  std::string name;
  bool is_dir = false;
};

/// kMaxListedEntries bounds a listing, so one huge directory cannot build a huge page.
inline constexpr std::size_t kMaxListedEntries = 10'000;

/// DirectoryContents is what read_directory found; error is an errno (0 on success).
struct DirectoryContents {
  std::vector<DirEntryInfo> entries;  ///< sorted by name (bytewise)
  bool truncated = false;             ///< more than kMaxListedEntries names were present
  int error = 0;
};

/// read_directory lists the directory open at dir (taking ownership), without "." and "..",
/// and without names starting with '.' unless show_dotfiles. Symlinks are listed as plain
/// names (never followed), so a listing reveals nothing outside the directory.
DirectoryContents read_directory(UniqueFd dir, bool show_dotfiles);

/// escape_path_segment percent-encodes everything but RFC 3986 unreserved characters, so a
/// name is safe as (part of) a relative URL path.
std::string escape_path_segment(std::string_view s);

/// render_listing builds the HTML page for contents; title is the request path shown in
/// the heading (escaped here). Links are "./NAME" (or "./NAME/"), so a name with a ':'
/// can never read as a URL scheme.
std::string render_listing(std::string_view title, const DirectoryContents& contents);

}  // namespace nethttp::detail
