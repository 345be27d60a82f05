#pragma once
// gunzip for tests that check what the gzip middleware sends.

#include <optional>
#include <string>
#include <string_view>

namespace nethttp::test {

/// gunzip inflates in, which must be exactly one complete gzip stream; nullopt otherwise
/// (not gzip, cut short, or followed by more bytes).
std::optional<std::string> gunzip(std::string_view in);

}  // namespace nethttp::test
