#pragma once
// FlagSet: the command line every example shares (--listen, --threads, the TLS flags, --help)
// plus the flags an example adds, with one --help layout and one-line error messages.

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nethttp/server.hpp"

namespace examples {

/// FlagSet parses an example's command line. The constructor adds --listen and --threads,
/// which write into config, the TLS flags (below), and --help; add_string(), add_number()
/// and add_switch() add the example's own flags, listed by --help in the order they were
/// added. A flag's value comes as "--name value" or "--name=value". config and every `out`
/// must outlive parse().
///
/// The TLS flags: --listen-tls HOST:PORT (repeatable) goes to config.listen_tls; --tls-cert
/// FILE and --tls-key FILE (repeatable, paired in order: the first pair is the default
/// certificate, the others are chosen by SNI) go to config.tls.certificates; --https-redirect
/// asks handler() to send cleartext requests to HTTPS. parse() refuses unpaired files, TLS
/// flags without --listen-tls (and the reverse), and a build without TLS; it loads the
/// certificates once (nethttp::check_tls_config) so a bad file is reported at startup.
class FlagSet {
 public:
  /// program names the binary in messages; about is the paragraph --help prints first.
  FlagSet(std::string program, std::string about, nethttp::ServerConfig& config);

  /// add_string adds "--name META", which stores its value in out.
  void add_string(std::string name, std::string meta, std::string help, std::string& out);
  /// add_number adds "--name N", which stores a whole number from min to max in out.
  template <std::unsigned_integral T>
  void add_number(std::string name, std::string help, T& out, T min, T max);
  /// add_switch adds "--name", which takes no value and sets out to true.
  void add_switch(std::string name, std::string help, bool& out);
  /// add_list adds "--name META", repeatable, which appends each value to out.
  void add_list(std::string name, std::string meta, std::string help, std::vector<std::string>& out);

  /// https_redirect reports whether --https-redirect was given.
  [[nodiscard]] bool https_redirect() const noexcept { return https_redirect_; }
  /// handler returns app, or with --https-redirect app behind examples::redirect_to_https.
  [[nodiscard]] nethttp::Handler handler(nethttp::Handler app) const;

  /// parse reads argv. It returns nullopt when main() should go on, or the status main()
  /// should exit with: 0 after --help printed the usage on stdout, 2 after a mistake printed
  /// one line on stderr, such as `hello: --threads wants a number from 0 to 1024, got "x"`.
  [[nodiscard]] std::optional<int> parse(int argc, char** argv);

  /// usage is the --help text.
  [[nodiscard]] std::string usage() const;

 private:
  // A setter stores a flag's value and returns "" or what is wrong with the value.
  using Setter = std::function<std::string(std::string_view value)>;
  struct Flag {
    std::string name;  // "--threads"
    std::string meta;  // "N"; empty for a switch
    std::string help;
    Setter set;
  };
  void add(Flag flag) { flags_.push_back(std::move(flag)); }
  // parse_number reads all of value as a whole number from min to max.
  static std::optional<std::uint64_t> parse_number(std::string_view value, std::uint64_t min, std::uint64_t max);

  // check_tls pairs --tls-cert with --tls-key into config and checks the TLS flags fit
  // together; returns parse()'s result.
  std::optional<int> check_tls();

  std::string program_;
  std::string about_;
  std::vector<Flag> flags_;
  nethttp::ServerConfig* config_;
  std::vector<std::string> tls_certs_;
  std::vector<std::string> tls_keys_;
  bool https_redirect_ = false;
};

template <std::unsigned_integral T>
void FlagSet::add_number(std::string name, std::string help, T& out, T min, T max) {
  add({std::move(name), "N", std::move(help), [&out, min, max](std::string_view value) -> std::string {
         std::optional<std::uint64_t> n = parse_number(value, min, max);
         if (!n) {
           return "wants a number from " + std::to_string(min) + " to " + std::to_string(max) + ", got \"" +
                  std::string(value) + "\"";
         }
         out = static_cast<T>(*n);
         return {};
       }});
}

}  // namespace examples
