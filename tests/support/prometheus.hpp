#pragma once
// parse_samples for tests that read a Prometheus scrape.

#include <map>
#include <string>

namespace nethttp::test {

/// parse_samples maps "name{labels}" to value for every sample line of a text exposition
/// (comments and blank lines skipped).
std::map<std::string, double> parse_samples(const std::string& text);

}  // namespace nethttp::test
