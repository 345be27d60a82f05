#pragma once
// Standard base64 (RFC 4648 section 4) decoding, for Basic credentials.

#include <optional>
#include <string>
#include <string_view>

namespace nethttp::detail {

/// base64_decode decodes padded standard base64 ("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="). Returns
/// nullopt for characters outside the alphabet, a bad length or misplaced padding.
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace nethttp::detail
