#pragma once
// Test certificates for the TLS tests, made with the openssl command-line tool into a
// temporary directory: a CA and leaf certificates it signed, each for a DNS name (and
// 127.0.0.1), so real clients (curl --cacert, Python's ssl) can verify them.

#include <filesystem>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace nethttp::test {

/// TestCert is a leaf certificate and its key.
struct TestCert {
  std::filesystem::path cert;  ///< PEM: leaf then CA (a chain)
  std::filesystem::path key;
};

/// TestCa is a scratch CA with leaves for a.test and b.test (and a second a.test leaf,
/// a2, for reload tests). Construction throws std::runtime_error if openssl fails.
class TestCa {
 public:
  TestCa();
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_.path(); }
  [[nodiscard]] std::filesystem::path ca() const { return dir_.path() / "ca.pem"; }
  TestCert a, b, a2;

 private:
  TestCert leaf(const std::string& name, const std::string& file);
  TempDir dir_;
};

/// find_program returns the absolute path of name on PATH (or in /usr/bin), or "".
std::string find_program(const std::string& name);

/// ProgramResult is what a finished program printed and how it exited.
struct ProgramResult {
  int status = -1;  ///< exit status; -1 if killed
  std::string out, err;
};

/// run_program runs binary with args to completion (killed after 10 s).
ProgramResult run_program(const std::string& binary, std::vector<std::string> args);

/// output_field returns the rest of the line that starts with "KEY " in a program's output
/// (the test clients print their results that way), or "<missing KEY>".
std::string output_field(const std::string& out, const std::string& key);

}  // namespace nethttp::test
