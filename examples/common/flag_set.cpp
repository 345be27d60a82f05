#include "common/flag_set.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "common/serve.hpp"
#include "nethttp/version.hpp"

namespace examples {

FlagSet::FlagSet(std::string program, std::string about, nethttp::ServerConfig& config)
    : program_(std::move(program)), about_(std::move(about)), config_(&config) {
  add_string("--listen", "HOST:PORT",
             "address to listen on (default \"" + config.listen + "\"; port 0 picks a free one)", config.listen);
  add_number("--threads", "event loops, 0 = one per core (default " + std::to_string(config.threads) + ")",
             config.threads, 0u, 1024u);
  add_list("--listen-tls", "HOST:PORT", "address to serve HTTPS on (repeatable; needs --tls-cert and --tls-key)",
           config.listen_tls);
  add_list("--tls-cert", "FILE",
           "PEM certificate chain (repeatable for SNI, paired in order with --tls-key; the first is the default)",
           tls_certs_);
  add_list("--tls-key", "FILE", "PEM private key of the --tls-cert in the same position", tls_keys_);
  add_switch("--https-redirect",
             "answer cleartext requests with a redirect to the HTTPS port (except /healthz and /readyz)",
             https_redirect_);
}

void FlagSet::add_list(std::string name, std::string meta, std::string help, std::vector<std::string>& out) {
  add({std::move(name), std::move(meta), std::move(help), [&out](std::string_view value) {
         out.emplace_back(value);
         return std::string();
       }});
}

nethttp::Handler FlagSet::handler(nethttp::Handler app) const {
  return https_redirect_ ? redirect_to_https(std::move(app)) : app;
}

std::optional<int> FlagSet::check_tls() {
  if (tls_certs_.size() != tls_keys_.size()) {
    return fail(program_,
                "--tls-cert and --tls-key come in pairs: got " + std::to_string(tls_certs_.size()) +
                    " certificate(s) and " + std::to_string(tls_keys_.size()) + " key(s)",
                2);
  }
  const bool tls = !config_->listen_tls.empty();
  if (!tls_certs_.empty() && !tls) return fail(program_, "--tls-cert needs --listen-tls", 2);
  if (tls && tls_certs_.empty()) return fail(program_, "--listen-tls needs --tls-cert and --tls-key", 2);
  if (https_redirect_ && !tls) return fail(program_, "--https-redirect needs --listen-tls", 2);
  if (!tls) return std::nullopt;
  if (!nethttp::tls_available()) return fail(program_, "this build has no TLS (NETHTTP_TLS=OFF)", 2);
  for (std::size_t i = 0; i < tls_certs_.size(); ++i) {
    config_->tls.certificates.push_back({.cert_file = tls_certs_[i], .key_file = tls_keys_[i], .ocsp_file = {}});
  }
  if (nethttp::TlsResult checked = nethttp::check_tls_config(config_->tls); !checked) {
    return fail(program_, checked.message);
  }
  return std::nullopt;
}

void FlagSet::add_string(std::string name, std::string meta, std::string help, std::string& out) {
  add({std::move(name), std::move(meta), std::move(help), [&out](std::string_view value) {
         out = value;
         return std::string();
       }});
}

void FlagSet::add_switch(std::string name, std::string help, bool& out) {
  add({std::move(name), "", std::move(help), [&out](std::string_view) {
         out = true;
         return std::string();
       }});
}

std::optional<std::uint64_t> FlagSet::parse_number(std::string_view value, std::uint64_t min, std::uint64_t max) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < min || n > max) return std::nullopt;
  return n;
}

std::optional<int> FlagSet::parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage().c_str(), stdout);
      return 0;
    }
    std::optional<std::string_view> attached;  // the "value" of "--name=value"
    if (std::size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      attached = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto flag = std::find_if(flags_.begin(), flags_.end(), [&](const Flag& f) { return f.name == arg; });
    if (flag == flags_.end()) return fail(program_, "unknown flag \"" + std::string(argv[i]) + "\" (see --help)", 2);

    std::string_view value;
    if (flag->meta.empty()) {
      if (attached) return fail(program_, flag->name + " takes no value", 2);
    } else if (attached) {
      value = *attached;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return fail(program_, flag->name + " needs a value", 2);
    }
    if (std::string wrong = flag->set(value); !wrong.empty()) return fail(program_, flag->name + " " + wrong, 2);
  }
  return check_tls();
}

std::string FlagSet::usage() const {
  std::size_t width = std::string_view("--help").size();
  for (const Flag& f : flags_) width = std::max(width, f.name.size() + (f.meta.empty() ? 0 : 1 + f.meta.size()));
  auto line = [width](std::string left, const std::string& help) {
    left.resize(width, ' ');
    return "  " + left + "  " + help + "\n";
  };

  std::string text = "usage: " + program_ + " [flags]\n\n" + about_ + "\n\n";
  for (const Flag& f : flags_) text += line(f.meta.empty() ? f.name : f.name + " " + f.meta, f.help);
  text += line("--help", "show this help");
  text += "\nSIGINT or SIGTERM shuts down gracefully (in-flight requests get " +
          std::to_string(kShutdownDeadline.count()) + " s to finish).\nBuilt on nethttp " NETHTTP_VERSION_STRING ".\n";
  return text;
}

}  // namespace examples
