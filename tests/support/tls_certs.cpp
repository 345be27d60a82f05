#include "support/tls_certs.hpp"

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "support/child_process.hpp"

namespace nethttp::test {

namespace {
void run_shell(const std::string& script, const std::filesystem::path& dir) {
  ProgramResult r = run_program("/bin/sh", {"-c", "cd '" + dir.string() + "' && " + script});
  if (r.status != 0) throw std::runtime_error("openssl failed: " + script + "\n" + r.err);
}
}  // namespace

TestCa::TestCa() : dir_("nethttp-tls") {
  const std::string openssl = find_program("openssl");
  if (openssl.empty()) throw std::runtime_error("openssl not found");
  run_shell(openssl +
                " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem"
                " -days 2 -subj /CN=nethttp-test-ca -addext basicConstraints=critical,CA:TRUE"
                " -addext keyUsage=critical,keyCertSign,cRLSign 2>&1",
            dir());
  a = leaf("a.test", "a");
  b = leaf("b.test", "b");
  a2 = leaf("a.test", "a2");
}

TestCert TestCa::leaf(const std::string& name, const std::string& file) {
  const std::string openssl = find_program("openssl");
  dir_.write(file + ".ext",
             "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
             "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
             "subjectAltName=DNS:" +
                 name + ",IP:127.0.0.1\n");
  run_shell(openssl + " req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + file + ".key -out " + file +
                ".csr -subj /CN=" + name + " 2>&1 && " + openssl + " x509 -req -in " + file +
                ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile " + file + ".ext -out " + file +
                ".leaf 2>&1 && cat " + file + ".leaf ca.pem > " + file + ".pem",
            dir());
  return TestCert{dir() / (file + ".pem"), dir() / (file + ".key")};
}

std::string find_program(const std::string& name) {
  std::string path = "/usr/bin:/bin";
  if (const char* env = std::getenv("PATH")) path = std::string("/usr/bin:") + env;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::string candidate = dir + "/" + name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

ProgramResult run_program(const std::string& binary, std::vector<std::string> args) {
  ChildProcess child(binary, std::move(args));
  ProgramResult r;
  r.status = child.wait_exit();
  r.out = child.out();
  r.err = child.err();
  return r;
}

std::string output_field(const std::string& out, const std::string& key) {
  const std::string needle = key + " ";
  std::size_t at = out.find(needle);
  if (at == std::string::npos || (at > 0 && out[at - 1] != '\n')) return "<missing " + key + ">";
  at += needle.size();
  return out.substr(at, out.find('\n', at) - at);
}

}  // namespace nethttp::test
