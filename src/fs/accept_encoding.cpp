#include "fs/accept_encoding.hpp"

#include "core/header_list.hpp"

namespace nethttp::detail {

CodingPreference accepted_codings(std::string_view header) noexcept {
  // Two short passes over a short header; the weights follow coding_weight's rules, the
  // same the gzip middleware reads the header with.
  int br = coding_weight(header, {"br"});
  int gzip = coding_weight(header, {"gzip", "x-gzip"});
  CodingPreference out;
  auto push = [&](const Precompressed& c) { out.order[out.count++] = c; };
  if (br > 0 && br >= gzip) {
    push(kBrotli);
    if (gzip > 0) push(kGzip);
  } else if (gzip > 0) {
    push(kGzip);
    if (br > 0) push(kBrotli);
  }
  return out;
}

}  // namespace nethttp::detail
