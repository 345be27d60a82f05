#pragma once
// Random lowercase hex strings for identifiers that must be unpredictable but not secret:
// request ids and multipart boundaries.

#include <cstddef>
#include <string>

namespace nethttp::detail {

/// random_hex returns digits random lowercase hex characters from a per-thread PRNG seeded
/// from std::random_device, so threads never share or lock a generator.
std::string random_hex(std::size_t digits);

}  // namespace nethttp::detail
