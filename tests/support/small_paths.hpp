#pragma once
// small_paths: an exhaustive set of request paths for checking pattern logic against matching.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nethttp::test {

/// small_paths returns "/" and every path of one to three segments over the alphabet
/// {a, b, c}, each with and without a trailing slash ("/a", "/a/", ..., "/c/c/c/").
inline std::vector<std::string> small_paths() {
  std::vector<std::string> paths{"/"};
  std::vector<std::string> frontier{""};
  for (int depth = 0; depth < 3; ++depth) {
    std::vector<std::string> next;
    for (const std::string& p : frontier) {
      for (std::string_view seg : {"a", "b", "c"}) next.push_back(p + "/" + std::string(seg));
    }
    for (const std::string& p : next) {
      paths.push_back(p);
      paths.push_back(p + "/");
    }
    frontier = std::move(next);
  }
  return paths;
}

}  // namespace nethttp::test
